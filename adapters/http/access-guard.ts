import { HttpProblem } from './problem.js';
import type { Principal } from './principal.js';
import type { AccessRule } from './route.js';

/** What the edge learned from the Authorization header, once per request. */
export type Authentication =
  | { readonly state: 'anonymous' }
  | { readonly state: 'authenticated'; readonly principal: Principal }
  | { readonly state: 'invalid'; readonly reason: string };

/**
 * Apply a route's access rule. Public routes see the principal when the token is valid.
 * Otherwise: no or invalid token → 401; a principal with none of the listed roles and not all
 * of the listed scopes → 403. Admin passes every guard. A rule listing neither roles nor
 * scopes admits any authenticated principal.
 */
export function authorize(rule: AccessRule, authentication: Authentication): Principal | undefined {
  if (rule === 'public') return authentication.state === 'authenticated' ? authentication.principal : undefined;
  if (authentication.state !== 'authenticated') {
    const detail = authentication.state === 'invalid' ? 'The access token is invalid or expired' : 'An access token is required';
    throw new HttpProblem(401, 'auth.unauthenticated', detail, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
  const principal = authentication.principal;
  if (principal.roles.includes('admin')) return principal;
  const roles = rule.roles ?? [];
  const scopes = rule.scopes ?? [];
  if (roles.length === 0 && scopes.length === 0) return principal;
  if (roles.some((role) => principal.roles.includes(role))) return principal;
  if (scopes.length > 0 && scopes.every((scope) => principal.scopes.includes(scope))) return principal;
  const wanted = [roles.length ? `one of the roles ${roles.join(', ')}` : '', scopes.length ? `the scopes ${scopes.join(' ')}` : '']
    .filter(Boolean)
    .join(' or ');
  throw new HttpProblem(403, 'auth.forbidden', `This operation requires ${wanted}`);
}
