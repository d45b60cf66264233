import assert from 'node:assert/strict';
import request from 'supertest';
import { signAccessToken, verifyAccessToken } from '../../../adapters/http/access-token.js';
import type { Role } from '../../../adapters/http/principal.js';
import { bearer, JWT_SECRET, openSampleApp, type SampleApp } from './test-app.js';

describe('HTTP edge: access tokens and role guards', () => {
  let sample: SampleApp;
  before(async () => (sample = await openSampleApp()));
  after(async () => sample.dispose());

  type Caller = 'anonymous' | 'garbage' | 'expired' | 'foreign' | Role | 'service' | 'service-other';
  const callers: Caller[] = ['anonymous', 'garbage', 'expired', 'foreign', 'user', 'organizer', 'scanner', 'support', 'admin', 'service', 'service-other'];

  async function authorization(caller: Caller): Promise<string | undefined> {
    switch (caller) {
      case 'anonymous':
        return undefined;
      case 'garbage':
        return 'Bearer not.a.token';
      case 'expired':
        return `Bearer ${await signAccessToken(
          { kind: 'user', id: 'u-old', roles: ['admin'], scopes: [] },
          { secret: JWT_SECRET, ttlSeconds: 60, now: Math.floor(Date.now() / 1000) - 3600 },
        )}`;
      case 'foreign':
        return `Bearer ${await signAccessToken({ kind: 'user', id: 'u-x', roles: ['admin'], scopes: [] }, { secret: 'another-secret-of-thirty-two-characters!', ttlSeconds: 60 })}`;
      case 'service':
        return bearer('svc-rewards', [], { kind: 'service', scopes: ['rewards:ingest', 'other'] });
      case 'service-other':
        return bearer('svc-other', [], { kind: 'service', scopes: ['other'] });
      default:
        return bearer(`u-${caller}`, [caller]);
    }
  }

  // route → callers allowed; every other caller: 401 when unauthenticated, else 403.
  const allowed: Record<string, Caller[]> = {
    'any-user': ['user', 'organizer', 'scanner', 'support', 'admin', 'service', 'service-other'],
    organizer: ['organizer', 'admin'],
    'scanner-or-support': ['scanner', 'support', 'admin'],
    'service-scope': ['service', 'admin'],
  };
  const unauthenticated = new Set<Caller>(['anonymous', 'garbage', 'expired', 'foreign']);

  for (const [route, admitted] of Object.entries(allowed)) {
    for (const caller of callers) {
      const status = admitted.includes(caller) ? 200 : unauthenticated.has(caller) ? 401 : 403;
      it(`given a ${caller} caller, when calling the ${route} route, then ${status}`, async () => {
        const header = await authorization(caller);
        const call = request(sample.app).get(`/test/guarded/${route}`);
        const res = await (header ? call.set('Authorization', header) : call).expect(status);
        if (status === 200) assert.ok(res.body.id);
        else {
          assert.match(res.headers['content-type']!, /application\/problem\+json/);
          assert.equal(res.body.status, status);
        }
        if (status === 401) assert.equal(res.headers['www-authenticate'], 'Bearer');
      });
    }
  }

  it('given a public route and an invalid token, when called, then it still answers', async () => {
    await request(sample.app).get('/healthz').set('Authorization', 'Bearer nonsense').expect(200);
  });

  it('given a signed principal, when verified, then the same principal comes back', async () => {
    const principal = { kind: 'service' as const, id: 'svc-1', roles: ['support' as const], scopes: ['a:b', 'c'] };
    const token = await signAccessToken(principal, { secret: JWT_SECRET, ttlSeconds: 60 });
    assert.deepEqual(await verifyAccessToken(token, { secret: JWT_SECRET }), principal);
  });

  it('given a token whose roles are not a list of names, when verified, then it is rejected', async () => {
    const token = await signAccessToken({ kind: 'user', id: 'u', roles: [42 as unknown as Role], scopes: [] }, { secret: JWT_SECRET, ttlSeconds: 60 });
    await assert.rejects(verifyAccessToken(token, { secret: JWT_SECRET }), /malformed/);
  });

  it('given a token with a role no guard lists, then it is just a name: it opens no route that wants another role', async () => {
    const sample = await openSampleApp();
    try {
      const token = await signAccessToken({ kind: 'user', id: 'u', roles: ['superuser'], scopes: [] }, { secret: JWT_SECRET, ttlSeconds: 60 });
      await request(sample.app).get('/test/guarded/organizer').set('Authorization', `Bearer ${token}`).expect(403);
      await request(sample.app).get('/test/guarded/any-user').set('Authorization', `Bearer ${token}`).expect(200);
    } finally {
      await sample.dispose();
    }
  });
});
