import { isLeft } from 'fp-ts/Either';
import * as t from 'io-ts';
import { webcrypto } from 'node:crypto';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import type { Principal } from './principal.js';

const ISSUER = 'ledgerline';
const ALGORITHM = 'HS256';

const AccessTokenClaims = t.intersection([
  t.type({ sub: t.string, kind: t.keyof({ user: null, service: null }), roles: t.array(t.string) }),
  /** RFC 8693 style: space-separated scopes. */
  t.partial({ scope: t.string }),
]);

export interface AccessTokenOptions {
  readonly secret: string;
  readonly ttlSeconds: number;
  /** Seconds since the epoch; the clock is injected in tests. */
  readonly now?: number;
}

/**
 * The secret as an HMAC-SHA-256 CryptoKey, imported once per secret: given raw bytes, jose
 * imports a key on every call (a profile of the on-sale rush showed key imports at a quarter
 * of the cost of checking a token).
 */
const keys = new Map<string, Promise<webcrypto.CryptoKey>>();
function keyOf(secret: string): Promise<webcrypto.CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

/** An HS256 access token for `principal` (the accounts module issues these at login). */
export async function signAccessToken(principal: Principal, options: AccessTokenOptions): Promise<string> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { kind: principal.kind, roles: [...principal.roles] };
  if (principal.scopes.length > 0) claims.scope = principal.scopes.join(' ');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(principal.id)
    .setIssuer(ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + options.ttlSeconds)
    .sign(await keyOf(options.secret));
}

export class InvalidAccessToken extends Error {
  override readonly name = 'InvalidAccessToken';
}

/**
 * Tokens already verified, per secret, with what they name and until when (at most
 * VERIFIED_KEPT, the oldest dropped first). A client sends the same token with every request
 * until it expires; the token's text includes its signature, so the same text under the same
 * secret verifies the same way — only the time checks are made again. In the on-sale rush's
 * profile, checking the HMAC of every request was the API process's largest single cost.
 */
const VERIFIED_KEPT = 10_000;
const verified = new Map<string, Map<string, { readonly principal: Principal; readonly exp: number; readonly nbf: number | undefined }>>();

/** The principal a valid, unexpired token names; InvalidAccessToken otherwise. */
export async function verifyAccessToken(token: string, options: { readonly secret: string; readonly now?: number }): Promise<Principal> {
  const now = options.now ?? Math.floor(Date.now() / 1000); // whole seconds, as jose compares them
  let known = verified.get(options.secret);
  const seen = known?.get(token);
  if (seen) {
    if (now >= seen.exp) throw new InvalidAccessToken('"exp" claim timestamp check failed');
    if (seen.nbf === undefined || seen.nbf <= now) return seen.principal;
  }
  const anew = await verifyAnew(token, options);
  const principal: Principal = Object.freeze({ ...anew, roles: Object.freeze([...anew.roles]), scopes: Object.freeze([...anew.scopes]) });
  const { exp, nbf } = decodeJwt(token);
  if (!known) verified.set(options.secret, (known = new Map()));
  if (known.size >= VERIFIED_KEPT) known.delete(known.keys().next().value!);
  known.set(token, { principal, exp: exp!, nbf });
  return principal;
}

async function verifyAnew(token: string, options: { readonly secret: string; readonly now?: number }): Promise<Principal> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, await keyOf(options.secret), {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      // A token without an expiry (or without when and by whom it was issued) is never accepted.
      requiredClaims: ['exp', 'iat', 'iss', 'sub'],
      ...(options.now === undefined ? {} : { currentDate: new Date(options.now * 1000) }),
    }));
  } catch (error) {
    throw new InvalidAccessToken(error instanceof Error ? error.message : 'invalid token');
  }
  const claims = AccessTokenClaims.decode(payload);
  if (isLeft(claims)) throw new InvalidAccessToken('token claims are malformed');
  const { sub, kind, roles, scope } = claims.right;
  return { kind, id: sub, roles, scopes: scope ? scope.split(' ').filter(Boolean) : [] };
}
