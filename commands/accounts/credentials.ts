import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** SHA-256 of a token, hex: what is stored instead of the token. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A refresh token names its family (so no lookup table is needed) and carries 256 random bits. */
export function newRefreshToken(familyId: string = randomUUID()): { familyId: string; token: string } {
  return { familyId, token: `${familyId}.${randomBytes(32).toString('base64url')}` };
}

export function familyOf(refreshToken: string): string | undefined {
  const [familyId, secret, ...rest] = refreshToken.split('.');
  if (rest.length > 0 || !secret || !/^[0-9a-f-]{36}$/.test(familyId ?? '')) return undefined;
  return familyId;
}

/** A service principal's client id and its secret (shown once, stored as an argon2id hash). */
export const newClientCredentials = () => ({ clientId: `svc_${randomBytes(8).toString('hex')}`, clientSecret: randomBytes(32).toString('base64url') });
