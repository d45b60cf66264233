import assert from 'node:assert/strict';
import { InvalidAccessToken, signAccessToken, verifyAccessToken } from '../../../adapters/http/access-token.js';

const SECRET = 'access-token-spec-secret-of-at-least-32-chars';
const OTHER = 'another-access-token-secret-of-32-chars-or-more';
const alice = { kind: 'user', id: 'alice', roles: ['member'], scopes: [] } as const;

describe('access tokens: verified once, then remembered (the time checks made each time)', () => {
  it('given a token verified once, when it is verified again before it expires, then the same principal; after its expiry, refused', async () => {
    const now = 1_900_000_000;
    const token = await signAccessToken(alice, { secret: SECRET, ttlSeconds: 60, now });
    assert.deepEqual(await verifyAccessToken(token, { secret: SECRET, now }), alice);
    assert.deepEqual(await verifyAccessToken(token, { secret: SECRET, now: now + 59 }), alice);
    await assert.rejects(verifyAccessToken(token, { secret: SECRET, now: now + 60 }), InvalidAccessToken);
    await assert.rejects(verifyAccessToken(token, { secret: SECRET, now: now + 3600 }), /exp/);
  });

  it('given a token remembered under one secret, then under another secret it is refused', async () => {
    const now = 1_900_000_000;
    const token = await signAccessToken(alice, { secret: SECRET, ttlSeconds: 60, now });
    await verifyAccessToken(token, { secret: SECRET, now });
    await assert.rejects(verifyAccessToken(token, { secret: OTHER, now }), InvalidAccessToken);
  });

  it('given a remembered token, when one character of its payload or signature is changed, then the changed text is refused', async () => {
    const now = 1_900_000_000;
    const token = await signAccessToken(alice, { secret: SECRET, ttlSeconds: 60, now });
    await verifyAccessToken(token, { secret: SECRET, now });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const admin = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), roles: ['admin'] })).toString('base64url');
    await assert.rejects(verifyAccessToken(`${header}.${admin}.${signature}`, { secret: SECRET, now }), InvalidAccessToken);
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
    await assert.rejects(verifyAccessToken(`${header}.${payload}.${flipped}`, { secret: SECRET, now }), InvalidAccessToken);
  });

  it('given a remembered principal, then it cannot be changed by whoever received it', async () => {
    const now = 1_900_000_000;
    const token = await signAccessToken(alice, { secret: SECRET, ttlSeconds: 60, now });
    const first = await verifyAccessToken(token, { secret: SECRET, now });
    assert.throws(() => ((first as { id: string }).id = 'mallory'));
    assert.throws(() => (first.roles as string[]).push('admin'));
    assert.deepEqual(await verifyAccessToken(token, { secret: SECRET, now }), alice);
  });
});
