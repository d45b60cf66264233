import assert from 'node:assert/strict';
import request from 'supertest';
import { orderIdOf } from '../../../commands/game-store/order-routes.js';
import { streamOfGameOrder } from '../../../domain/game-store/game-order.js';
import { streamOfProduct, type ProductEvent } from '../../../domain/game-store/product.js';
import { fromMinorUnits } from '../../../domain/money.js';
import { ManualClock } from '../../../platform/clock.js';
import { twoInstancesOnOneDatabase } from '../../support/two-instances.js';
import { aBuyer, aDeveloper, anAdmin, eventually, givenProduct, startGameStore } from './game-store-harness.js';

/**
 * Concurrency against the database, across two API instances on it: price changes on one
 * product by its developer and an admin at once (optimistic concurrency, retried by
 * handleCommand) never lose one; initiations racing with one Idempotency-Key make one order.
 */
describe('game store: concurrent catalog changes and order initiations across two instances', function () {
  this.timeout(300_000);
  const clock = new ManualClock(new Date('2026-03-03T12:00:00Z'));
  const instances = twoInstancesOnOneDatabase((database, role) => startGameStore({ database, clock, role }));

  it('given one product, when its developer and an admin change its prices at once on two instances, then every change is in the stream, in one chain, and the product shows the last of each region', async () => {
    const dev = await aDeveloper('dev-race');
    const adminCaller = await anAdmin('admin-race');
    const product = await givenProduct(instances.first.api, dev.token, { prices: { RU: '100.00' } });
    const id = product.product_id;
    const devRegions = ['KZ', 'BY', 'AM', 'UZ', 'KG', 'GE', 'AZ', 'TJ', 'MD', 'TM'];
    const adminRegions = ['DE', 'FR', 'IT', 'ES', 'PL', 'NL', 'BE', 'AT', 'SE', 'FI'];
    const put = (api: string, token: string, region: string, amount: string) =>
      request(api).put(`/api/v1/catalog/products/${id}/prices/${region}`).set('Authorization', token).send({ currency: region === 'RU' ? 'RUB' : 'USD', amount });
    const answers = await Promise.all([
      ...devRegions.map((region, i) => put(instances.first.api, dev.token, region, `${10 + i}.00`)),
      ...adminRegions.map((region, i) => put(instances.second.api, adminCaller.token, region, `${20 + i}.00`)),
      // both on the same region too: each change must see the one before it
      ...Array.from({ length: 5 }, (_, i) => put(instances.first.api, dev.token, 'RU', `${200 + i}.00`)),
      ...Array.from({ length: 5 }, (_, i) => put(instances.second.api, adminCaller.token, 'RU', `${300 + i}.00`)),
    ]);
    for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));

    const events = (await instances.first.dependencies.store.readStream(streamOfProduct(id))).map((e) => ({ type: e.type, data: e.data }) as ProductEvent);
    const sets = events.filter((e): e is Extract<ProductEvent, { type: 'ProductPriceSet' }> => e.type === 'ProductPriceSet');
    assert.equal(sets.length, 30, 'no change lost (and none made twice)');
    assert.deepEqual(new Set(sets.map((e) => e.data.region)), new Set([...devRegions, ...adminRegions, 'RU']));
    // RU: a chain — each change's previous price is the one the change before it set
    const ru = sets.filter((e) => e.data.region === 'RU');
    let previous = '10000';
    for (const change of ru) {
      assert.equal(change.data.previous?.amountMinor, previous);
      previous = change.data.current.amountMinor;
    }
    // the read model (projected by the first instance) shows all 21 regions, RU at the chain's last price
    await eventually(async () => {
      const shown = await request(instances.second.api).get(`/api/v1/catalog/products/${id}`).expect(200);
      return shown.body.prices.length === 21 && shown.body.prices.find((p: { region: string }) => p.region === 'RU').amount === fromMinorUnits(BigInt(previous));
    });
    const history = await request(instances.first.api).get(`/api/v1/catalog/products/${id}/price-history`).query({ limit: 100 }).expect(200);
    assert.equal(history.body.items.length, 31, 'the listing price and the 30 changes');
  });

  it('given one Idempotency-Key, when a buyer’s initiations race on two instances, then one order: every 201 names it, the others are told the request is in flight', async () => {
    const dev = await aDeveloper('dev-race-orders');
    const buyerCaller = await aBuyer('buyer-race');
    const product = await givenProduct(instances.first.api, dev.token, { prices: { RU: '499.00' } });
    const body = { items: [{ product_id: product.product_id, quantity: 1 }], region: 'RU', payment_method: 'bank_card' };
    const initiate = (api: string) => request(api).post('/api/v1/orders/initiate').set('Authorization', buyerCaller.token).set('Idempotency-Key', 'race-key-1').send(body);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => initiate(i % 2 === 0 ? instances.first.api : instances.second.api)));
    const created = answers.filter((a) => a.status === 201);
    assert.ok(created.length >= 1, answers.map((a) => a.status).join(','));
    for (const answer of answers.filter((a) => a.status !== 201)) {
      assert.equal(answer.status, 409, JSON.stringify(answer.body));
      assert.equal(answer.body.code, 'idempotency.in_flight');
    }
    const orderIds = new Set(created.map((a) => a.body.order_id as string));
    assert.equal(orderIds.size, 1);
    const [orderId] = [...orderIds];
    assert.equal(orderId, orderIdOf(buyerCaller.id, 'race-key-1'));
    assert.equal((await instances.first.dependencies.store.readStream(streamOfGameOrder(orderId!))).length, 1);
    const retried = await initiate(instances.second.api).expect(201);
    assert.equal(retried.body.order_id, orderId);
    const list = await request(instances.first.api).get('/api/v1/orders').set('Authorization', buyerCaller.token).expect(200);
    assert.deepEqual(list.body.items.map((o: { order_id: string }) => o.order_id), [orderId]);
  });
});
