import assert from 'node:assert/strict';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { accountsModule } from '../../../commands/accounts/accounts-module.js';
import { ManualClock } from '../../../sagas/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { startTestSystem } from '../../support/test-system.js';

/** A-4 with tight limits: per client address on login, per client id on the token endpoint. */
describe('Accounts brute-force limits over HTTP (A-4)', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  let api: string;
  const clock = new ManualClock(new Date());

  before(async () => {
    database = await openTestDatabase();
    system = await startTestSystem({
      database,
      clock,
      env: { ADMIN_EMAILS: 'root@example.com', LOGIN_ATTEMPTS_PER_MINUTE: '50', LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '10', TOKEN_ATTEMPTS_PER_MINUTE: '3' },
      contexts: [accountsModule()],
    });
    api = system.api;
  });

  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  // every test starts with full buckets: a minute refills them
  beforeEach(() => clock.advance(60_000));

  const login = (email: string, password: string) => request(api).post('/api/auth/login').send({ email, password });

  it('given one address trying many accounts, then past its budget it gets 429 with Retry-After whatever the account, until the bucket refills', async () => {
    for (let i = 0; i < 10; i++) await login(`victim${i}@example.com`, 'a guessed password').expect(401);
    const limited = await login('victim9@example.com', 'a guessed password').expect(429);
    assert.equal(limited.body.code, 'auth.too_many_attempts');
    assert.match(limited.headers['content-type'] ?? '', /application\/problem\+json/);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    clock.advance(retryAfter * 1000);
    await login('victim9@example.com', 'a guessed password').expect(401);
  });

  it('given wrong client secrets, then the token endpoint answers 429 with Retry-After for that client, even with the right secret; another client is not held up', async () => {
    const root = await request(api).post('/api/auth/register').send({ email: 'root@example.com', password: 'root password 1', display_name: 'Root' }).expect(201);
    const admin = `Bearer ${root.body.access_token}`;
    const create = (name: string) => request(api).post('/api/admin/service-principals').set('Authorization', admin).send({ name, scopes: ['g2a:mint'] }).expect(201);
    const target = (await create('Target')).body;
    const bystander = (await create('Bystander')).body;
    const token = (client_id: string, client_secret: string) => request(api).post('/api/auth/token').send({ grant_type: 'client_credentials', client_id, client_secret });

    for (let i = 0; i < 3; i++) await token(target.client_id, `guess ${i}`).expect(401);
    const limited = await token(target.client_id, target.client_secret).expect(429);
    assert.equal(limited.body.code, 'auth.too_many_attempts');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    await token(bystander.client_id, bystander.client_secret).expect(200);

    clock.advance(Number(limited.headers['retry-after']) * 1000);
    await token(target.client_id, target.client_secret).expect(200);
    // a success clears the client's count: a service renewing its token is not held up
    for (let i = 0; i < 4; i++) await token(target.client_id, target.client_secret).expect(200);
  });

  it('given an address out of budget, then the token endpoint refuses it too', async () => {
    for (let i = 0; i < 10; i++) await token401(`svc_${String(i).padStart(16, '0')}`);
    const limited = await request(api).post('/api/auth/token').send({ grant_type: 'client_credentials', client_id: 'svc_ffffffffffffffff', client_secret: 'x' }).expect(429);
    assert.ok(Number(limited.headers['retry-after']) >= 1);

    async function token401(client_id: string) {
      await request(api).post('/api/auth/token').send({ grant_type: 'client_credentials', client_id, client_secret: 'x' }).expect(401);
    }
  });
});
