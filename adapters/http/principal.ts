/**
 * A role a context declares (`organizer`, `scanner`, `support` …): plain text at the edge, so a
 * new context adds its roles without editing accounts or the edge.
 */
export type Role = string;

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
