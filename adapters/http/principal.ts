import type { Role } from '../../domain/accounts/role.js';

export { ROLES, RoleCodec, type Role } from '../../domain/accounts/role.js';

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
