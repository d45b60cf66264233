import assert from 'node:assert/strict';
import { sql } from 'kysely';
import request from 'supertest';
import { IdempotencyStore } from '../../../adapters/http/idempotency-store.js';
import { bearer, openSampleApp, type SampleApp } from './test-app.js';

describe('HTTP edge: Idempotency-Key', () => {
  let sample: SampleApp;
  let alice: string;
  let bob: string;
  before(async () => {
    sample = await openSampleApp();
    alice = await bearer('alice', ['user']);
    bob = await bearer('bob', ['user']);
  });
  after(async () => sample.dispose());
  beforeEach(() => sample.handlerRuns.clear());

  const post = (auth: string, key: string | undefined, body: unknown) => {
    const call = request(sample.app).post('/test/orders').set('Authorization', auth);
    return (key === undefined ? call : call.set('Idempotency-Key', key)).send(body as object);
  };

  it('given a key already answered, when the same request is retried, then the stored response is replayed and the handler ran once', async () => {
    const first = await post(alice, 'order-1', { amount: 10 }).expect(201);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const again = await post(alice, 'order-1', { amount: 10 }).expect(201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body);
    assert.match(again.headers['content-type']!, /application\/json/);
    assert.equal(sample.handlerRuns.get('orders'), 1);
  });

  it('given a key already answered, when retried with the body keys in another order, then it is the same request', async () => {
    await post(alice, 'order-order', { amount: 11, note: 'gift' }).expect(201);
    await post(alice, 'order-order', { note: 'gift', amount: 11 }).expect(201).expect('Idempotent-Replayed', 'true');
  });

  it('given a key already used, when sent with another body, then 422 and the handler does not run again', async () => {
    await post(alice, 'order-2', { amount: 10 }).expect(201);
    const res = await post(alice, 'order-2', { amount: 99 }).expect(422);
    assert.equal(res.body.code, 'idempotency.key_reused');
    assert.equal(res.body.field, 'Idempotency-Key');
    assert.equal(sample.handlerRuns.get('orders'), 1);
  });

  it('given two callers, when both use the same key, then each gets their own answer', async () => {
    const a = await post(alice, 'shared-key', { amount: 1 }).expect(201);
    const b = await post(bob, 'shared-key', { amount: 1 }).expect(201);
    assert.equal(b.headers['idempotent-replayed'], undefined);
    assert.equal(a.body.by, 'alice');
    assert.equal(b.body.by, 'bob');
  });

  it('given a request still in flight, when the same key arrives concurrently, then one is handled and the other gets 409 or the replay', async () => {
    const responses = await Promise.all([post(alice, 'order-slow', { amount: 13 }), post(alice, 'order-slow', { amount: 13 })]);
    const statuses = responses.map((r) => r.status).sort();
    assert.equal(sample.handlerRuns.get('orders'), 1);
    assert.ok(statuses[0] === 201, `statuses ${statuses}`);
    const other = responses.find((r) => r.status !== 201 || r.headers['idempotent-replayed'] === 'true');
    assert.ok(other, 'exactly one request ran');
    if (other.status === 409) {
      assert.equal(other.body.code, 'idempotency.in_flight');
      assert.match(other.headers['content-type']!, /application\/problem\+json/);
    } else assert.equal(other.headers['idempotent-replayed'], 'true');
    await post(alice, 'order-slow', { amount: 13 }).expect(201).expect('Idempotent-Replayed', 'true');
  });

  it('given many concurrent requests with one key, when they race, then the handler runs once', async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, () => post(alice, 'order-rush', { amount: 5 })));
    assert.equal(sample.handlerRuns.get('orders'), 1);
    for (const r of responses) assert.ok(r.status === 201 || r.status === 409, String(r.status));
  });

  it('given a refusal (4xx), when retried with the key, then the same problem is replayed', async () => {
    const first = await post(alice, 'order-negative', { amount: -1 }).expect(422);
    const again = await post(alice, 'order-negative', { amount: -1 }).expect(422).expect('Idempotent-Replayed', 'true');
    assert.deepEqual(again.body, first.body);
    assert.equal(sample.handlerRuns.get('orders'), 1);
  });

  it('given a 5xx, when retried with the key, then the handler runs again (5xx is not stored)', async () => {
    await post(alice, 'order-crash', { amount: 500 }).expect(500);
    await post(alice, 'order-crash', { amount: 500 }).expect(500);
    assert.equal(sample.handlerRuns.get('orders'), 2);
  });

  it('given no key, when posted twice, then the handler runs twice', async () => {
    await post(alice, undefined, { amount: 3 }).expect(201);
    await post(alice, undefined, { amount: 3 }).expect(201);
    assert.equal(sample.handlerRuns.get('orders'), 2);
  });

  it('given a malformed key, when posted, then 400 naming Idempotency-Key', async () => {
    const res = await post(alice, 'x'.repeat(300), { amount: 3 }).expect(400);
    assert.equal(res.body.field, 'Idempotency-Key');
  });

  it('given a PUT route that requires a key, when sent without one, then 400; with one, replayed on retry', async () => {
    const missing = await request(sample.app).put('/test/orders/o-1').send({ amount: 1 }).expect(400);
    assert.equal(missing.body.field, 'Idempotency-Key');
    const first = await request(sample.app).put('/test/orders/o-1').set('Idempotency-Key', 'put-1').send({ amount: 1 }).expect(200);
    const again = await request(sample.app).put('/test/orders/o-1').set('Idempotency-Key', 'put-1').send({ amount: 1 }).expect(200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body);
    assert.equal(sample.handlerRuns.get('replace'), 1);
  });

  it('given a claim abandoned by a dead process, when it is older than the stale limit, then a retry takes it over', async () => {
    const store = new IdempotencyStore(sample.database, { staleAfterMs: 1000 });
    assert.deepEqual(await store.claim('user:carol', 'k-dead', 'h'), { kind: 'claimed' });
    assert.deepEqual(await store.claim('user:carol', 'k-dead', 'h'), { kind: 'in_flight' });
    await sql`update http_idempotency_keys set claimed_at = now() - interval '1 hour' where idempotency_key = 'k-dead'`.execute(sample.database.db);
    assert.deepEqual(await store.claim('user:carol', 'k-dead', 'h'), { kind: 'claimed' });
    await store.complete('user:carol', 'k-dead', { status: 201, headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' });
    assert.deepEqual(await store.claim('user:carol', 'k-dead', 'h'), {
      kind: 'replay',
      response: { status: 201, headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' },
    });
    assert.ok((await store.prune(0)) >= 1);
    assert.equal((await sql`select 1 from http_idempotency_keys`.execute(sample.database.db)).rows.length, 0);
  });
});
