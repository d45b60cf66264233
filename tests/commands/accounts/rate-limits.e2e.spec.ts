import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { Argon2PasswordHasher, type PasswordHasher } from '../../../adapters/passwords/password-hasher.js';
import { accountsModule } from '../../../commands/accounts/accounts-module.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { startTestSystem } from '../../support/test-system.js';

/**
 * A-4 and issue 8 with tight limits. Each test speaks from addresses of its own (127.0.0.0/8 is
 * all loopback, so a request can leave from 127.0.0.x): an attacker's address and the owner's
 * usual one are told apart as the server sees them, without `trust proxy`.
 */
describe('Accounts brute-force limits over HTTP (A-4, issue 8)', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date());
  const hashes = { count: 0 };
  const argon2 = new Argon2PasswordHasher({ memoryKib: 1024, iterations: 1 });
  const countingHasher: PasswordHasher = {
    hash: (password) => (hashes.count++, argon2.hash(password)),
    verify: (hash, password) => argon2.verify(hash, password),
    verifyNothing: (password) => argon2.verifyNothing(password),
  };
  const agents: Agent[] = [];

  before(async () => {
    database = await openTestDatabase();
    system = await startTestSystem({
      database,
      clock,
      env: {
        ADMIN_EMAILS: 'root@example.com',
        LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '30',
        FAILED_ATTEMPTS_BEFORE_DELAY: '3',
        FAILED_ATTEMPT_MAX_DELAY_SECONDS: '60',
        LOGIN_ATTEMPTS_PER_ACCOUNT_PER_MINUTE: '40',
        TOKEN_ATTEMPTS_PER_CLIENT_PER_MINUTE: '40',
        REGISTRATIONS_PER_ADDRESS_PER_HOUR: '5',
      },
      contexts: [accountsModule({ hasher: countingHasher })],
    });
  });

  after(async () => {
    for (const agent of agents) agent.destroy();
    await system?.stop();
    await database?.dispose();
  });

  // every test starts with refilled budgets
  beforeEach(() => clock.advance(3600_000));

  /** Requests leaving from one loopback address. */
  const from = (address: string) => {
    const agent = new Agent({ localAddress: address, keepAlive: false });
    agents.push(agent);
    const post = (path: string, body: object, authorization?: string) => {
      const pending = request(system.api).post(path).agent(agent).send(body);
      return authorization ? pending.set('Authorization', authorization) : pending;
    };
    return {
      register: (email: string, password = 'correct horse battery') => post('/api/auth/register', { email, password, display_name: 'Someone' }),
      login: (email: string, password: string) => post('/api/auth/login', { email, password }),
      token: (client_id: string, client_secret: string) => post('/api/auth/token', { grant_type: 'client_credentials', client_id, client_secret }),
      post,
    };
  };
  const assertTooMany = (response: request.Response): number => {
    assert.equal(response.status, 429);
    assert.equal(response.body.code, 'auth.too_many_attempts');
    assert.match(response.headers['content-type'] ?? '', /application\/problem\+json/);
    const retryAfter = Number(response.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${response.headers['retry-after']}`);
    return retryAfter;
  };

  describe('logins', () => {
    it('given an attacker address failing many times for alice’s account, when it goes on, then each further attempt waits longer (Retry-After 1, 2, 4 … up to the cap), even with the right password, while alice from her usual address logs in at once', async () => {
      const alice = from('127.0.0.2');
      const attacker = from('127.0.0.3');
      await alice.register('alice@example.com', 'alice’s own password').expect(201);

      for (let i = 0; i < 3; i++) await attacker.login('alice@example.com', `guess ${i}`).expect(401);
      const waits: number[] = [];
      for (let i = 0; i < 8; i++) {
        const wait = assertTooMany(await attacker.login('alice@example.com', `guess ${i + 3}`));
        waits.push(wait);
        assertTooMany(await attacker.login('alice@example.com', 'alice’s own password')); // the delay is the address’s, whatever it sends
        await alice.login('alice@example.com', 'alice’s own password').expect(200); // the owner is not held up, at any point
        clock.advance(wait * 1000);
        await attacker.login('alice@example.com', `guess ${i + 3}`).expect(401);
      }
      assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 60, 60]);

      // the attacker's other targets and other addresses are unaffected
      await from('127.0.0.4').login('alice@example.com', 'alice’s own password').expect(200);
      await attacker.login('someone-else@example.com', 'a guess').expect(401);
    });

    it('given a user who mistypes from her address, when she then logs in correctly, then her failures there are forgotten', async () => {
      const bob = from('127.0.0.5');
      await bob.register('bob@example.com', 'bob’s right password').expect(201);
      for (let i = 0; i < 3; i++) await bob.login('bob@example.com', `typo ${i}`).expect(401);
      clock.advance(assertTooMany(await bob.login('bob@example.com', 'bob’s right password')) * 1000);
      await bob.login('bob@example.com', 'bob’s right password').expect(200);
      for (let i = 0; i < 3; i++) await bob.login('bob@example.com', `typo ${i}`).expect(401); // three free failures again
      assertTooMany(await bob.login('bob@example.com', 'typo 3'));
    });

    it('given one address trying many accounts, then past its budget it gets 429 with Retry-After whatever the account, until the bucket refills', async () => {
      const sprayer = from('127.0.0.6');
      for (let i = 0; i < 30; i++) await sprayer.login(`victim${i}@example.com`, 'a guessed password').expect(401);
      const retryAfter = assertTooMany(await sprayer.login('victim29@example.com', 'a guessed password'));
      assert.ok(retryAfter <= 60, `Retry-After ${retryAfter}`);
      await from('127.0.0.7').login('victim29@example.com', 'a guessed password').expect(401); // another address is not held up
      clock.advance(retryAfter * 1000);
      await sprayer.login('victim29@example.com', 'a guessed password').expect(401);
    });

    it('given many addresses guessing one account, when together they pass the account’s last-resort ceiling, then every attempt for it waits until the ceiling refills', async () => {
      const carol = from('127.0.0.8');
      await carol.register('carol@example.com', 'carol’s right password').expect(201);
      // 40 attempts a minute for one account, 3 free failures per address: 14 addresses
      let refused: request.Response | undefined;
      for (let host = 10; host < 30 && !refused; host++) {
        const bot = from(`127.0.1.${host}`);
        for (let i = 0; i < 3 && !refused; i++) {
          const answer = await bot.login('carol@example.com', `bot ${host} guess ${i}`);
          if (answer.status === 429) refused = answer;
          else assert.equal(answer.status, 401);
        }
      }
      assert.ok(refused, 'the ceiling was reached');
      assertTooMany(refused);
      assertTooMany(await carol.login('carol@example.com', 'carol’s right password')); // the last resort holds the owner too
      clock.advance(60_000);
      await carol.login('carol@example.com', 'carol’s right password').expect(200);
    });
  });

  describe('client credentials', () => {
    it('given an attacker address sending wrong secrets for a client id, then it is delayed for that client, even with the right secret, while the service from its own address gets its token at once', async () => {
      const admin = from('127.0.0.9');
      const root = await admin.register('root@example.com', 'root password 1').expect(201);
      const create = async (name: string) => (await admin.post('/api/admin/service-principals', { name, scopes: ['g2a:mint'] }, `Bearer ${root.body.access_token}`).expect(201)).body;
      const target = await create('Target');
      const bystander = await create('Bystander');
      const service = from('127.0.0.10');
      const attacker = from('127.0.0.11');

      for (let i = 0; i < 3; i++) await attacker.token(target.client_id, `guess ${i}`).expect(401);
      const first = assertTooMany(await attacker.token(target.client_id, target.client_secret));
      await service.token(target.client_id, target.client_secret).expect(200);
      await attacker.token(bystander.client_id, bystander.client_secret).expect(200); // another client from the same address
      clock.advance(first * 1000);
      await attacker.token(target.client_id, 'guess 3').expect(401);
      const second = assertTooMany(await attacker.token(target.client_id, 'guess 4'));
      assert.ok(second > first, `the delay grows: ${first} s, then ${second} s`);
      await service.token(target.client_id, target.client_secret).expect(200);

      // a success clears that address's failures: a service renewing its token is not held up
      clock.advance(second * 1000);
      await attacker.token(target.client_id, target.client_secret).expect(200);
      for (let i = 0; i < 4; i++) await attacker.token(target.client_id, target.client_secret).expect(200);
    });

    it('given an address out of budget, then the token endpoint refuses it too', async () => {
      const sprayer = from('127.0.0.12');
      for (let i = 0; i < 30; i++) await sprayer.token(`svc_${String(i).padStart(16, '0')}`, 'x').expect(401);
      assertTooMany(await sprayer.token('svc_ffffffffffffffff', 'x'));
    });
  });

  describe('registrations', () => {
    it('given an address that registered its hourly budget, when it registers again, then 429 with Retry-After before any password is hashed; another address still registers, and so does this one once the budget refills', async () => {
      const farm = from('127.0.0.13');
      for (let i = 0; i < 5; i++) await farm.register(`farm${i}@example.com`).expect(201);
      const before = hashes.count;
      const retryAfter = assertTooMany(await farm.register('farm5@example.com'));
      assert.equal(hashes.count, before, 'no hash was spent on the refused registration');
      assert.ok(retryAfter > 60 && retryAfter <= 3600, `a registration every 12 minutes: Retry-After ${retryAfter}`);
      await from('127.0.0.14').register('elsewhere@example.com').expect(201);
      // bad input is still a 400 naming the field (no hashing, no budget needed to say so)
      const bad = await farm.post('/api/auth/register', { email: 'not-an-email', password: 'long enough', display_name: 'x' }).expect(400);
      assert.equal(bad.body.field, 'email');
      clock.advance(retryAfter * 1000);
      await farm.register('farm5@example.com').expect(201);
    });
  });
});
