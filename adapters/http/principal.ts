import * as t from 'io-ts';

export const ROLES = ['user', 'organizer', 'scanner', 'support', 'admin'] as const;
export const RoleCodec = t.keyof({ user: null, organizer: null, scanner: null, support: null, admin: null }, 'Role');
export type Role = t.TypeOf<typeof RoleCodec>;

/**
 * Who is calling, as established once at the edge from a verified access token: a person
 * (`user`, with roles) or a machine caller (`service`: PSP webhooks, Quest/Referral/NFT
 * services, the BFF — with scopes).
 */
export interface Principal {
  readonly kind: 'user' | 'service';
  readonly id: string;
  readonly roles: readonly Role[];
  readonly scopes: readonly string[];
}
