import assert from 'node:assert/strict';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { isGeneratedNumber } from '../../../commands/gift-certificates/certificate-numbers.js';
import { streamOfPool } from '../../../domain/gift-certificates/certificate-pool.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { channel, eventually, loadedBatch, operator, startGcp } from './gcp-harness.js';

describe('gift certificates over HTTP (G-1, G-2)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date());
  let op: string;
  let web: string;

  before(async () => {
    database = await openTestDatabase();
    system = await startGcp({ database, clock });
    op = await operator();
    web = await channel('web-shop');
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  it('given an operator, when she generates a batch, then its progress reaches loaded = total and every number is 16 symbols with a valid check symbol, unique', async () => {
    const progress = await loadedBatch(system.api, op, { batch_id: 'gen-1', count: 2500, nominal: '1000', currency: 'RUB', valid_days: 365 });
    assert.deepEqual([progress.loaded, progress.total, progress.status, progress.nominal, progress.source], [2500, 2500, 'completed', '1000.00', 'generated']);
    const pool = await system.dependencies.store.readStream(streamOfPool('1000.00', 'RUB'));
    assert.equal(pool.length, 3, 'one event per chunk of 1,000');
    const numbers = pool.flatMap((e) => (e.data as { certificates: { number: string }[] }).certificates.map((c) => c.number));
    assert.equal(new Set(numbers).size, 2500);
    for (const number of numbers) assert.ok(isGeneratedNumber(number), number);
  });

  it('given a batch loaded, when the same batch id is sent again, then nothing is created twice', async () => {
    const again = await request(system.api).post('/certificates/batches').set('Authorization', op).send({ batch_id: 'gen-1', count: 2500, nominal: '1000', currency: 'RUB', valid_days: 365 }).expect(202);
    assert.equal(again.body.total, 2500);
    const pool = await system.dependencies.store.readStream(streamOfPool('1000.00', 'RUB'));
    assert.equal(pool.length, 3);
  });

  it('given imported numbers, then they load; a duplicate in the list or already in the pool is refused by number (409)', async () => {
    const progress = await loadedBatch(system.api, op, { batch_id: 'imp-1', numbers: ['IMPORT-0001', 'IMPORT-0002'], nominal: '500.50', currency: 'RUB', expires_at: new Date(clock.now().getTime() + 86_400_000).toISOString() });
    assert.deepEqual([progress.loaded, progress.total, progress.source], [2, 2, 'imported']);
    const twice = await request(system.api).post('/certificates/batches').set('Authorization', op).send({ batch_id: 'imp-2', numbers: ['IMPORT-0009', 'IMPORT-0009'], nominal: '500', currency: 'RUB', valid_days: 10 }).expect(409);
    assert.equal(twice.body.code, 'gcp.duplicate_number');
    await eventually(async () => (await request(system.api).get('/certificates/by-number/IMPORT-0001').set('Authorization', op)).status === 200);
    const taken = await request(system.api).post('/certificates/batches').set('Authorization', op).send({ batch_id: 'imp-3', numbers: ['IMPORT-0003', 'IMPORT-0001'], nominal: '500', currency: 'RUB', valid_days: 10 }).expect(409);
    assert.equal(taken.body.code, 'gcp.duplicate_number');
    assert.match(taken.body.detail, /IMPORT-0001/);
    await request(system.api).get('/certificates/batches/imp-3').set('Authorization', op).expect(404);
  });

  it('given bad amounts or fields, then 400 naming the field; an unknown batch is 404; a non-operator 403', async () => {
    for (const nominal of ['10.001', '-1', '0', 'abc', 10.5, '1e3']) {
      const answer = await request(system.api).post('/certificates/batches').set('Authorization', op).send({ batch_id: 'bad', count: 1, nominal, currency: 'RUB', valid_days: 1 });
      assert.equal(answer.status, 400, `nominal ${JSON.stringify(nominal)}`);
    }
    await request(system.api).post('/certificates/batches').set('Authorization', op).send({ batch_id: 'bad', count: 1, nominal: '10', currency: 'rub', valid_days: 1 }).expect(400);
    await request(system.api).post('/certificates/batches').set('Authorization', op).send({ batch_id: 'bad', count: 1, numbers: ['ABCD'], nominal: '10', currency: 'RUB', valid_days: 1 }).expect(400);
    await request(system.api).post('/certificates/batches').set('Authorization', op).send({ batch_id: 'bad', count: 1, nominal: '10', currency: 'RUB' }).expect(400);
    await request(system.api).post('/certificates/batches').set('Authorization', op).send({ batch_id: 'bad', count: 0, nominal: '10', currency: 'RUB', valid_days: 1 }).expect(400);
    await request(system.api).get('/certificates/batches/no-such-batch').set('Authorization', op).expect(404);
    await request(system.api).post('/certificates/batches').set('Authorization', await operator('u-1', ['user'])).send({ batch_id: 'x', count: 1, nominal: '10', currency: 'RUB', valid_days: 1 }).expect(403);
    await request(system.api).get('/certificates/next?channel=web&nominal=10.001&currency=RUB&request_id=a').set('Authorization', web).expect(400);
  });

  it('given a pool, when a channel reserves with a request id, then it gets a certificate, a retry the same one, and queries show it RESERVED for that channel', async () => {
    const first = await request(system.api).get('/certificates/next').query({ channel: 'web', nominal: '1000.00', currency: 'RUB', request_id: 'order-1' }).set('Authorization', web).expect(200);
    assert.equal(first.body.status, 'RESERVED');
    assert.equal(first.body.nominal, '1000.00');
    const retry = await request(system.api).get('/certificates/next').query({ channel: 'web', nominal: '1000', currency: 'RUB', request_id: 'order-1' }).set('Authorization', web).expect(200);
    assert.equal(retry.body.id, first.body.id);
    const byKey = await request(system.api).get('/certificates/next').query({ channel: 'web', nominal: '1000', currency: 'RUB' }).set('Authorization', web).set('Idempotency-Key', 'k-1').expect(200);
    const byKeyAgain = await request(system.api).get('/certificates/next').query({ channel: 'web', nominal: '1000', currency: 'RUB' }).set('Authorization', web).set('Idempotency-Key', 'k-1').expect(200);
    assert.equal(byKeyAgain.body.id, byKey.body.id);
    assert.notEqual(byKey.body.id, first.body.id);
    await request(system.api).get('/certificates/next').query({ channel: 'web', nominal: '1000', currency: 'RUB' }).set('Authorization', web).expect(400);
    await request(system.api).get('/certificates/next').query({ channel: 'web', nominal: '1000', currency: 'RUB', request_id: 'x' }).set('Authorization', await channel('other', ['stream:x'])).expect(403);

    const seen = await eventually(async () => {
      const answer = await request(system.api).get(`/certificates/${first.body.id}`).set('Authorization', op);
      return answer.status === 200 && answer.body.status === 'RESERVED' ? answer.body : undefined;
    });
    assert.deepEqual([seen.number, seen.channel], [first.body.number, 'web']);
    const byNumber = await request(system.api).get(`/certificates/by-number/${first.body.number}`).set('Authorization', web).expect(200);
    assert.equal(byNumber.body.id, first.body.id);
    await request(system.api).get(`/certificates/${first.body.id}`).set('Authorization', await channel('pos-terminal')).expect(404);
    await request(system.api).get('/certificates/no-such-id').set('Authorization', op).expect(404);

    // both reservations in the read model (the second was decided after the first; its event may be applied a moment later)
    await eventually(async () => {
      const all = await request(system.api).get('/certificates').query({ status: 'RESERVED', channel: 'web', limit: '10' }).set('Authorization', op);
      return all.status === 200 && all.body.items.length >= 2 ? true : undefined;
    });
    const page1 = await request(system.api).get('/certificates').query({ status: 'RESERVED', channel: 'web', limit: '1' }).set('Authorization', op).expect(200);
    assert.equal(page1.body.items.length, 1);
    assert.ok(page1.body.nextCursor);
    const page2 = await request(system.api).get('/certificates').query({ status: 'RESERVED', channel: 'web', limit: '1', cursor: page1.body.nextCursor }).set('Authorization', op).expect(200);
    assert.equal(page2.body.items.length, 1);
    assert.notEqual(page2.body.items[0].id, page1.body.items[0].id);
    await request(system.api).get('/certificates').query({ cursor: 'nonsense!' }).set('Authorization', op).expect(400);
  });

  it('given a pool of one, when it runs dry, then 409 gcp.pool_exhausted and ISSUE_BLOCKED is recorded once per exhaustion; a refill ends it', async () => {
    await loadedBatch(system.api, op, { batch_id: 'small-1', count: 1, nominal: '50', currency: 'EUR', valid_days: 30 });
    const next = (id: string) => request(system.api).get('/certificates/next').query({ channel: 'pos', nominal: '50', currency: 'EUR', request_id: id }).set('Authorization', web);
    await next('a').expect(200);
    for (const id of ['b', 'c', 'd']) assert.equal((await next(id).expect(409)).body.code, 'gcp.pool_exhausted');
    const blocked = async () => (await system.dependencies.store.readStream(streamOfPool('50.00', 'EUR'))).filter((e) => e.type === 'PoolExhausted').length;
    assert.equal(await blocked(), 1);
    await loadedBatch(system.api, op, { batch_id: 'small-2', count: 1, nominal: '50', currency: 'EUR', valid_days: 30 });
    await next('e').expect(200);
    await next('f').expect(409);
    assert.equal(await blocked(), 2);
    // a nominal never loaded at all is exhausted too
    assert.equal((await request(system.api).get('/certificates/next').query({ channel: 'pos', nominal: '7', currency: 'EUR', request_id: 'z' }).set('Authorization', web).expect(409)).body.code, 'gcp.pool_exhausted');
  });

  it('given a reservation not issued within GCP_RESERVATION_TTL_MINUTES, then a durable timer returns it to the pool and the next reservation gets it', async () => {
    await loadedBatch(system.api, op, { batch_id: 'ttl-1', count: 1, nominal: '75', currency: 'USD', valid_days: 30 });
    const next = (id: string) => request(system.api).get('/certificates/next').query({ channel: 'web', nominal: '75', currency: 'USD', request_id: id }).set('Authorization', web);
    const held = await next('ttl-a').expect(200);
    await next('ttl-b').expect(409);
    clock.advance(31 * 60_000);
    const again = await eventually(async () => {
      const answer = await next(`ttl-c`);
      return answer.status === 200 ? answer : undefined;
    });
    assert.equal(again.body.id, held.body.id);
  });
});
