import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../adapters/observability/logger.js';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { startTestSystem } from '../../support/test-system.js';
import { accountsModule } from '../../../commands/accounts/accounts-module.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { defineRoute } from '../../../adapters/http/route.js';
import { START } from '../../../adapters/eventstore/event-store.js';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { streamOfEmail } from '../../../domain/accounts/email-claim.js';


describe('Accounts and access over HTTP (A-1 … A-4)', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  let api: string;
  const clock = new ManualClock(new Date());
  const secrets: string[] = [];

  const logLines: string[] = [];

  before(async () => {
    database = await openTestDatabase();
    const logger = createLogger({ level: 'debug', destination: new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) }) });
    const probe = () => async (deps: Parameters<ReturnType<typeof accountsModule>>[0]) => ({
      name: 'probe',
      // a context declares its roles; accounts lets an admin grant exactly those (and its own)
      roles: [{ name: 'scanner', description: 'door staff (declared by the probe context, as ticketing does)' }],
      routes: [
        defineRoute({
          method: 'get',
          path: '/probe/mint',
          summary: 'A route that needs the g2a:mint scope (stands in for the gateway)',
          tags: ['test'],
          auth: { scopes: ['g2a:mint'] },
          responses: { 200: { description: 'who called' } },
          handle: async ({ principal }) => ({ status: 200, body: { kind: principal.kind, id: principal.id, scopes: principal.scopes, now: deps.clock.now().toISOString() } }),
        }),
      ],
    });
    system = await startTestSystem({
      database,
      clock,
      env: { ADMIN_EMAILS: 'root@example.com', FAILED_ATTEMPTS_BEFORE_DELAY: '5', REFRESH_TOKEN_TTL_SECONDS: '3600' },
      contexts: [accountsModule(), probe()],
      logger,
    });
    api = system.api;
  });

  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const register = (email: string, password = 'correct horse battery', display_name = 'Ann') => request(api).post('/api/auth/register').send({ email, password, display_name });
  const login = (email: string, password = 'correct horse battery') => request(api).post('/api/auth/login').send({ email, password });
  const bearer = (token: string) => `Bearer ${token}`;

  describe('A-1 register, log in, refresh, log out', () => {
    it('given a new e-mail, when someone registers, then they get tokens, /me answers, and a login works at once', async () => {
      const created = await register('Ann@Example.com', 'correct horse battery', 'Ann').set('Idempotency-Key', 'ann-signs-up').expect(201);
      secrets.push('correct horse battery', created.body.access_token, created.body.refresh_token);
      assert.equal(created.body.user.email, 'ann@example.com');
      assert.deepEqual(created.body.user.roles, ['user']);
      assert.equal(created.body.token_type, 'Bearer');
      const me = await request(api).get('/api/users/me').set('Authorization', bearer(created.body.access_token)).expect(200);
      assert.equal(me.body.id, created.body.user.id);
      const loggedIn = await login('ann@example.com').expect(200);
      secrets.push(loggedIn.body.access_token, loggedIn.body.refresh_token);
      assert.equal(loggedIn.body.user.id, created.body.user.id);
    });

    it('given bad input, then 400 naming the field; a taken e-mail 409; wrong password and unknown e-mail the same 401', async () => {
      for (const [body, field] of [
        [{ email: 'not-an-email', password: 'long enough', display_name: 'x' }, 'email'],
        [{ email: 'b@example.com', password: 'short', display_name: 'x' }, 'password'],
        [{ email: 'b@example.com', password: 'long enough', display_name: '' }, 'display_name'],
      ] as const) {
        const refused = await request(api).post('/api/auth/register').send(body).expect(400);
        assert.equal(refused.body.field ?? refused.body.errors?.[0]?.field, field);
      }
      const taken = await register('ANN@example.com').expect(409);
      assert.equal(taken.body.field, 'email');
      const wrong = await login('ann@example.com', 'wrong password').expect(401);
      const unknown = await login('nobody@example.com', 'wrong password').expect(401);
      assert.equal(wrong.body.code, unknown.body.code, 'no account enumeration');
      assert.equal(wrong.body.detail, unknown.body.detail);
    });

    it('given a refresh token, then refresh rotates it; reusing the old one revokes the whole family, the new one included', async () => {
      await register('rot@example.com').expect(201);
      const first = await login('rot@example.com').expect(200);
      const second = await request(api).post('/api/auth/refresh').send({ refresh_token: first.body.refresh_token }).expect(200);
      assert.notEqual(second.body.refresh_token, first.body.refresh_token);
      secrets.push(first.body.refresh_token, second.body.refresh_token, second.body.access_token);
      const reused = await request(api).post('/api/auth/refresh').send({ refresh_token: first.body.refresh_token }).expect(401);
      assert.equal(reused.body.code, 'auth.refresh_reused');
      const afterTheft = await request(api).post('/api/auth/refresh').send({ refresh_token: second.body.refresh_token }).expect(401);
      assert.equal(afterTheft.body.code, 'auth.refresh_invalid', 'the family is revoked');
      await request(api).post('/api/auth/refresh').send({ refresh_token: 'garbage' }).expect(401);
      const otherLogin = await login('rot@example.com').expect(200);
      await request(api).post('/api/auth/refresh').send({ refresh_token: otherLogin.body.refresh_token }).expect(200);
    });

    it('given an expired refresh token, then 401 expired', async () => {
      await register('exp@example.com').expect(201);
      const session = await login('exp@example.com').expect(200);
      clock.advance(3601_000);
      const expired = await request(api).post('/api/auth/refresh').send({ refresh_token: session.body.refresh_token }).expect(401);
      assert.equal(expired.body.code, 'auth.refresh_expired');
    });

    it('given a logout, then its refresh token and its family stop working', async () => {
      await register('out@example.com').expect(201);
      const session = await login('out@example.com').expect(200);
      await request(api).post('/api/auth/logout').send({ refresh_token: session.body.refresh_token }).expect(204);
      await request(api).post('/api/auth/refresh').send({ refresh_token: session.body.refresh_token }).expect(401);
    });

    it('given a login that refreshed, when it logs out, then every token of that login stops working and other logins are untouched', async () => {
      await register('family@example.com').expect(201);
      const first = await login('family@example.com').expect(200);
      const other = await login('family@example.com').expect(200);
      const second = await request(api).post('/api/auth/refresh').send({ refresh_token: first.body.refresh_token }).expect(200);
      secrets.push(first.body.refresh_token, second.body.refresh_token, other.body.refresh_token);
      await request(api).post('/api/auth/logout').send({ refresh_token: second.body.refresh_token }).expect(204);
      for (const token of [second.body.refresh_token, first.body.refresh_token]) {
        const refused = await request(api).post('/api/auth/refresh').send({ refresh_token: token }).expect(401);
        assert.equal(refused.body.code, 'auth.refresh_invalid');
      }
      await request(api).post('/api/auth/logout').send({ refresh_token: second.body.refresh_token }).expect(204); // logging out twice is fine
      await request(api).post('/api/auth/logout').send({ refresh_token: 'not-a-token' }).expect(401);
      await request(api).post('/api/auth/logout').send({}).expect(400);
      await request(api).post('/api/auth/refresh').send({ refresh_token: other.body.refresh_token }).expect(200);
    });

    it('given a registration that died after claiming its e-mail, when the person registers again, then the account is completed under the claimed id', async () => {
      const orphan = randomUUID();
      await system.dependencies.store.append(
        streamOfEmail('half@example.com'),
        [{ eventId: randomUUID(), type: 'EmailClaimed', data: { userId: orphan, claimedAt: clock.now().toISOString() }, metadata: {} }],
        'no_stream',
      );
      await login('half@example.com').expect(401);
      const completed = await register('half@example.com').expect(201);
      assert.equal(completed.body.user.id, orphan);
      await login('half@example.com').expect(200);
      const again = await register('half@example.com').expect(409);
      assert.equal(again.body.field, 'email');

      // several people racing to complete one half-written registration: still exactly one account
      const orphan2 = randomUUID();
      await system.dependencies.store.append(
        streamOfEmail('half2@example.com'),
        [{ eventId: randomUUID(), type: 'EmailClaimed', data: { userId: orphan2, claimedAt: clock.now().toISOString() }, metadata: {} }],
        'no_stream',
      );
      const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => register('half2@example.com', `racing password ${i}`)));
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409]);
      const winner = answers.findIndex((a) => a.status === 201);
      assert.equal(answers[winner]!.body.user.id, orphan2);
      await login('half2@example.com', `racing password ${winner}`).expect(200);
    });

    it('given no, a malformed or a foreign access token, then /me is 401; a login without a password is 400', async () => {
      await request(api).get('/api/users/me').expect(401);
      await request(api).get('/api/users/me').set('Authorization', 'Bearer nonsense').expect(401);
      const created = await register('forged@example.com').expect(201);
      const [header, payload] = String(created.body.access_token).split('.');
      await request(api).get('/api/users/me').set('Authorization', bearer(`${header}.${payload}.${'A'.repeat(43)}`)).expect(401);
      const missing = await request(api).post('/api/auth/login').send({ email: 'forged@example.com' }).expect(400);
      assert.equal(missing.body.field ?? missing.body.errors?.[0]?.field, 'password');
    });

    it('given two registrations of one e-mail at the same instant, then exactly one account exists and the other gets 409', async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => register('race@example.com', `password number ${i}`)));
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409, 409, 409]);
      const winner = answers.findIndex((a) => a.status === 201);
      await login('race@example.com', `password number ${winner}`).expect(200);
    });
  });

  describe('A-2 / A-3 roles', () => {
    it('given a user, when they become an organizer, then the new token carries the role and so does a refreshed one', async () => {
      const created = await register('org@example.com').expect(201);
      const became = await request(api).post('/api/users/me/become-organizer').set('Authorization', bearer(created.body.access_token)).expect(200);
      assert.deepEqual(became.body.user.roles, ['user', 'organizer']);
      const me = await request(api).get('/api/users/me').set('Authorization', bearer(became.body.access_token)).expect(200);
      assert.ok(me.body.roles.includes('organizer'));
      const refreshed = await request(api).post('/api/auth/refresh').send({ refresh_token: created.body.refresh_token }).expect(200);
      assert.ok(refreshed.body.user.roles.includes('organizer'));
      await request(api).post('/api/users/me/become-organizer').set('Authorization', bearer(became.body.access_token)).expect(200);
    });

    it('given the bootstrap admin, then it grants and revokes scanner/support; a non-admin cannot', async () => {
      const root = await register('root@example.com').expect(201);
      assert.ok(root.body.user.roles.includes('admin'), 'ADMIN_EMAILS makes the first admin');
      const door = await register('door@example.com').expect(201);
      const admin = bearer(root.body.access_token);
      await request(api).post(`/api/admin/users/${door.body.user.id}/roles`).set('Authorization', bearer(door.body.access_token)).send({ role: 'scanner' }).expect(403);
      const granted = await request(api).post(`/api/admin/users/${door.body.user.id}/roles`).set('Authorization', admin).send({ role: 'scanner' }).expect(200);
      assert.deepEqual(granted.body.roles, ['user', 'scanner']);
      await request(api).post(`/api/admin/users/${door.body.user.id}/roles`).set('Authorization', admin).send({ role: 'emperor' }).expect(400);
      await request(api).post('/api/admin/users/no-such-user/roles').set('Authorization', admin).send({ role: 'support' }).expect(404);
      const relogged = await login('door@example.com').expect(200);
      assert.ok(relogged.body.user.roles.includes('scanner'));
      const revoked = await request(api).delete(`/api/admin/users/${door.body.user.id}/roles/scanner`).set('Authorization', admin).expect(200);
      assert.deepEqual(revoked.body.roles, ['user']);
      await request(api).delete(`/api/admin/users/${door.body.user.id}/roles/user`).set('Authorization', admin).expect(422);
      const found = await (async () => {
        for (;;) {
          const list = await request(api).get('/api/admin/users').query({ email: 'door@example.com' }).set('Authorization', admin).expect(200);
          if (list.body.items.length === 1 && list.body.items[0].roles.length === 1) return list.body.items[0];
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      assert.equal(found.id, door.body.user.id);
      await request(api).get('/api/admin/users').set('Authorization', bearer(door.body.access_token)).expect(403);
    });

    it('given a non-admin, then role changes and service principals are refused (403); an admin cannot drop their own admin role', async () => {
      const root = await login('root@example.com').expect(200);
      const admin = bearer(root.body.access_token);
      const plain = await register('plain@example.com').expect(201);
      const user = bearer(plain.body.access_token);
      await request(api).delete(`/api/admin/users/${plain.body.user.id}/roles/organizer`).set('Authorization', user).expect(403);
      await request(api).post(`/api/admin/users/${plain.body.user.id}/roles`).set('Authorization', user).send({ role: 'admin' }).expect(403);
      await request(api).post('/api/admin/service-principals').set('Authorization', user).send({ name: 'Mine', scopes: ['g2a:mint'] }).expect(403);
      await request(api).get('/api/admin/service-principals').set('Authorization', user).expect(403);
      await request(api).post('/api/admin/service-principals/svc_0000000000000000/disable').set('Authorization', user).expect(403);
      await request(api).post('/api/admin/users/x/roles').send({ role: 'admin' }).expect(401);
      const own = await request(api).delete(`/api/admin/users/${root.body.user.id}/roles/admin`).set('Authorization', admin).expect(422);
      assert.equal(own.body.field, 'role');
      await request(api).post('/api/admin/service-principals/svc_0000000000000000/disable').set('Authorization', admin).expect(404);
      const empty = await request(api).post('/api/admin/service-principals').set('Authorization', admin).send({ name: 'Nothing', scopes: [] }).expect(422);
      assert.equal(empty.body.field, 'scopes');
      await request(api).post('/api/admin/service-principals').set('Authorization', admin).send({ name: 'No scopes field' }).expect(400);
    });

    it('given a service principal, then client credentials give a scoped token a scoped route accepts; a wrong secret or a disabled client 401', async () => {
      const root = await login('root@example.com').expect(200);
      const admin = bearer(root.body.access_token);
      const created = await request(api).post('/api/admin/service-principals').set('Authorization', admin).send({ name: 'Quest service', scopes: ['g2a:mint'] }).expect(201);
      secrets.push(created.body.client_secret);
      const { client_id, client_secret } = created.body;
      await request(api).post('/api/admin/service-principals').set('Authorization', admin).send({ name: 'Bad', scopes: ['Not A Scope'] }).expect(422);
      const token = await request(api).post('/api/auth/token').send({ grant_type: 'client_credentials', client_id, client_secret }).expect(200);
      secrets.push(token.body.access_token);
      assert.equal(token.body.scope, 'g2a:mint');
      const probe = await request(api).get('/probe/mint').set('Authorization', bearer(token.body.access_token)).expect(200);
      assert.deepEqual([probe.body.kind, probe.body.id], ['service', client_id]);
      const userToken = (await login('ann@example.com').expect(200)).body.access_token;
      await request(api).get('/probe/mint').set('Authorization', bearer(userToken)).expect(403);
      await request(api).get('/api/users/me').set('Authorization', bearer(token.body.access_token)).expect(403);
      const badges = await request(api).post('/api/admin/service-principals').set('Authorization', admin).send({ name: 'Badges only', scopes: ['nft:mint'] }).expect(201);
      secrets.push(badges.body.client_secret);
      const badgeToken = await request(api)
        .post('/api/auth/token')
        .send({ grant_type: 'client_credentials', client_id: badges.body.client_id, client_secret: badges.body.client_secret })
        .expect(200);
      secrets.push(badgeToken.body.access_token);
      await request(api).get('/probe/mint').set('Authorization', bearer(badgeToken.body.access_token)).expect(403);
      await request(api).post('/api/auth/token').send({ grant_type: 'client_credentials', client_id: 'svc_ffffffffffffffff', client_secret }).expect(401);
      await request(api).post('/api/auth/token').send({ grant_type: 'client_credentials', client_id: 'nonsense', client_secret }).expect(401);
      await request(api).post('/api/auth/token').send({ grant_type: 'client_credentials', client_id, client_secret: 'wrong' }).expect(401);
      await request(api).post('/api/auth/token').send({ grant_type: 'password', client_id, client_secret }).expect(400);
      const listed = await request(api).get('/api/admin/service-principals').set('Authorization', admin).expect(200);
      assert.ok(!JSON.stringify(listed.body).includes(client_secret));
      await request(api).post(`/api/admin/service-principals/${client_id}/disable`).set('Authorization', admin).expect(204);
      await request(api).post('/api/auth/token').send({ grant_type: 'client_credentials', client_id, client_secret }).expect(401);
    });
  });

  describe('A-4 brute force', () => {
    it('given repeated wrong passwords from one address, then a 429 with Retry-After there, even for the right password, until the delay passes', async () => {
      await register('brute@example.com').expect(201);
      for (let i = 0; i < 5; i++) await login('brute@example.com', `guess ${i}`).expect(401);
      const limited = await login('brute@example.com').expect(429);
      assert.ok(Number(limited.headers['retry-after']) >= 1);
      assert.equal(limited.body.code, 'auth.too_many_attempts');
      clock.advance(Number(limited.headers['retry-after']) * 1000);
      await login('brute@example.com').expect(200);
    });
  });

  describe('secrets', () => {
    it('given everything above, then no password, token or client secret is in any event, read model or log line', async () => {
      assert.ok(secrets.length >= 8);
      const page = await system.dependencies.store.readAll(START, { limit: 10_000 });
      const events = JSON.stringify(page.events.map((event) => ({ data: event.data, metadata: event.metadata })));
      const users = JSON.stringify((await sql`select * from rm_users`.execute(database.db)).rows);
      const principals = JSON.stringify((await sql`select * from rm_service_principals`.execute(database.db)).rows);
      const replays = JSON.stringify((await sql`select * from http_idempotency_keys`.execute(database.db)).rows);
      for (const secret of secrets) {
        assert.ok(!events.includes(secret), 'not in the event log');
        assert.ok(!users.includes(secret) && !principals.includes(secret), 'not in read models');
        assert.ok(!replays.includes(secret), 'not in stored Idempotency-Key responses');
      }
      assert.ok(!users.includes('$argon2') && !principals.includes('$argon2'), 'not even hashes in read models');
      const log = logLines.join('');
      assert.ok(logLines.length > 20, 'requests were logged');
      for (const secret of secrets) assert.ok(!log.includes(secret), 'not in the log');
      assert.ok(!log.includes('$argon2'), 'no hashes in the log');
      assert.ok(events.includes('$argon2id$'), 'the event log holds argon2id hashes only');
    });
  });
});
