import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { systemClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { aMember, aService, aSupport, eventually, startConnect, type Caller, type ConnectSystem } from './rewards-harness.js';

describe('Connect: the local points ledger and its protocol over HTTP (issue 14, items 6 and 8)', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: ConnectSystem;
  let crediting: Caller;
  let reading: Caller;

  const post = (body: Record<string, unknown>, key: string | null = String(body.credit_id), as: Caller = crediting) => {
    const call = request(system.api).post('/points/v1/credits').set('Authorization', as.token);
    return (key === null ? call : call.set('Idempotency-Key', key)).send(body);
  };
  const aCredit = (userId: string, amount = '100', reason = 'referral_l1 v1 referral.joined') => ({ credit_id: randomUUID(), user_id: userId, amount, reason });
  const pointsOf = async (member: Caller) => (await request(system.api).get('/connect/users/me/balances').set('Authorization', member.token).expect(200)).body;

  before(async () => {
    database = await openTestDatabase();
    system = await startConnect({ database, clock: systemClock });
    crediting = await aService(['points:credit'], 'quest-points');
    reading = await aService(['points:read'], 'points-reader');
  });
  after(async () => {
    await system?.dispose();
    await database?.dispose();
  });

  describe('POST /points/v1/credits', () => {
    it('given a new credit id, when it is posted, then 201 with the entry and the balance after it; posted again the same, 200 with the same answer', async () => {
      const member = await aMember();
      const credit = aCredit(member.id);
      const first = await post(credit).expect(201);
      assert.equal(first.body.credit_id, credit.credit_id);
      assert.equal(first.body.user_id, member.id);
      assert.equal(first.body.amount, '100');
      assert.equal(first.body.balance_after, '100');
      assert.match(first.body.entry_id, /^[0-9a-f-]{36}$/);
      const again = await post(credit).expect(200);
      assert.deepEqual(again.body, first.body);
      const balance = await request(system.api).get(`/points/v1/users/${member.id}/balance`).set('Authorization', reading.token).expect(200);
      assert.deepEqual(balance.body, { user_id: member.id, balance: '100' });
    });

    it('given a credit, when its id comes again with another amount or reason, then 409 points.credit_id_reused and nothing changes', async () => {
      const member = await aMember();
      const credit = aCredit(member.id, '50');
      await post(credit).expect(201);
      const amount = await post({ ...credit, amount: '51' }).expect(409);
      assert.equal(amount.body.code, 'points.credit_id_reused');
      assert.equal(amount.body.field, 'credit_id');
      assert.equal((await post({ ...credit, reason: 'another' }).expect(409)).body.code, 'points.credit_id_reused');
      assert.equal((await request(system.api).get(`/points/v1/users/${member.id}/balance`).set('Authorization', reading.token).expect(200)).body.balance, '50');
    });

    it('given a credit recorded for one user, when its id comes for another user, then 409 (one credit id is one user’s)', async () => {
      const [first, second] = [await aMember(), await aMember()];
      const credit = aCredit(first.id, '5');
      await post(credit).expect(201);
      await eventually(async () => (await pointsOf(first)).points === '5');
      const other = await post({ ...credit, user_id: second.id }).expect(409);
      assert.equal(other.body.code, 'points.credit_id_reused');
      assert.equal((await request(system.api).get(`/points/v1/users/${second.id}/balance`).set('Authorization', reading.token).expect(200)).body.balance, '0');
    });

    it('given malformed requests, then 400 naming the field; amount 0 is 422 naming amount', async () => {
      const member = await aMember();
      const credit = aCredit(member.id);
      assert.equal((await post(credit, null).expect(400)).body.field, 'Idempotency-Key');
      assert.equal((await post(credit, 'another-key').expect(400)).body.field, 'Idempotency-Key');
      assert.equal((await post({ ...credit, amount: '1.5' }).expect(400)).body.field, 'amount');
      assert.equal((await post({ ...credit, amount: 100 }).expect(400)).body.field, 'amount');
      assert.equal((await post({ ...credit, amount: '-1' }).expect(400)).body.field, 'amount');
      assert.equal((await post({ ...credit, user_id: undefined }).expect(400)).body.field, 'user_id');
      assert.equal((await post({ ...credit, reason: '' }).expect(400)).body.field, 'reason');
      const zero = await post({ ...credit, amount: '0' }).expect(422);
      assert.equal(zero.body.code, 'points.invalid_amount');
      assert.equal(zero.body.field, 'amount');
      assert.equal((await request(system.api).get(`/points/v1/users/${member.id}/balance`).set('Authorization', reading.token).expect(200)).body.balance, '0');
    });

    it('given callers without the scope, then 401 without a token and 403 for a user or a service with points:read only', async () => {
      const member = await aMember();
      const credit = aCredit(member.id);
      await request(system.api).post('/points/v1/credits').set('Idempotency-Key', credit.credit_id).send(credit).expect(401);
      await post(credit, credit.credit_id, member).expect(403);
      await post(credit, credit.credit_id, reading).expect(403);
      await request(system.api).get(`/points/v1/users/${member.id}/balance`).set('Authorization', crediting.token).expect(403);
    });

    it('given 30 credits for one user, each sent twice at the same moment, then every credit lands once: one chain of balances, the sum in the balance', async () => {
      const member = await aMember();
      const credits = Array.from({ length: 30 }, (_, i) => aCredit(member.id, String(i + 1)));
      const answers = await Promise.all(credits.flatMap((credit) => [post(credit), post(credit)]));
      for (const answer of answers) assert.ok(answer.status === 201 || answer.status === 200, `${answer.status} ${JSON.stringify(answer.body)}`);
      for (let i = 0; i < credits.length; i++) {
        const [a, b] = [answers[2 * i]!, answers[2 * i + 1]!];
        assert.deepEqual(a.body, b.body, 'both sends of one credit answer the same entry');
        assert.equal([a.status, b.status].filter((s) => s === 201).length, 1, 'one of the two recorded it');
      }
      const total = (30 * 31) / 2;
      const afters = credits.map((_, i) => BigInt(answers[2 * i]!.body.balance_after)).sort((x, y) => (x < y ? -1 : 1));
      assert.equal(afters[afters.length - 1], BigInt(total));
      assert.equal(new Set(afters).size, 30, 'each credit moved the balance once: 30 distinct balances after');
      const balance = await request(system.api).get(`/points/v1/users/${member.id}/balance`).set('Authorization', reading.token).expect(200);
      assert.equal(balance.body.balance, String(total));
    });
  });

  describe('GET /connect/users/me/balances and the points entries', () => {
    it('given credits to a member, then their balances show the points (G2A zero), and their entries come newest first, a page at a time', async () => {
      const member = await aMember();
      for (const amount of ['10', '20', '30']) await post(aCredit(member.id, amount)).expect(201);
      const balances = await eventually(async () => {
        const body = await pointsOf(member);
        return body.points === '60' && body;
      });
      assert.deepEqual(balances, { user_id: member.id, points: '60', g2a: { balance: '0', held: '0', available: '0' } });
      const first = await request(system.api).get('/connect/users/me/points/entries?limit=2').set('Authorization', member.token).expect(200);
      assert.deepEqual(first.body.items.map((e: { amount: string; balance_after: string }) => [e.amount, e.balance_after]), [['30', '60'], ['20', '30']]);
      assert.ok(first.body.nextCursor);
      const second = await request(system.api).get(`/connect/users/me/points/entries?limit=2&cursor=${first.body.nextCursor}`).set('Authorization', member.token).expect(200);
      assert.deepEqual(second.body.items.map((e: { amount: string }) => e.amount), ['10']);
      assert.equal(second.body.nextCursor, null);
      assert.equal((await request(system.api).get('/connect/users/me/points/entries?cursor=bogus').set('Authorization', member.token).expect(400)).body.field, 'cursor');
    });

    it('given a member with points, then support reads their balances, another member may not (403), and a user never credited has zeros', async () => {
      const member = await aMember();
      await post(aCredit(member.id, '7')).expect(201);
      const support = await aSupport();
      const seen = await eventually(async () => {
        const body = (await request(system.api).get(`/connect/users/${member.id}/balances`).set('Authorization', support.token).expect(200)).body;
        return body.points === '7' && body;
      });
      assert.equal(seen.user_id, member.id);
      await request(system.api).get(`/connect/users/${member.id}/balances`).set('Authorization', (await aMember()).token).expect(403);
      const nobody = (await request(system.api).get('/connect/users/nobody-at-all/balances').set('Authorization', support.token).expect(200)).body;
      assert.deepEqual(nobody, { user_id: 'nobody-at-all', points: '0', g2a: { balance: '0', held: '0', available: '0' } });
    });
  });
});
