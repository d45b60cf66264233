import assert from 'node:assert/strict';
import request from 'supertest';
import { accountsModule } from '../../../commands/accounts/accounts-module.js';
import { streamOfGameOrder, type OrderInitiated } from '../../../domain/game-store/game-order.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import {
  aBuyer,
  aDeveloper,
  admin,
  catalogAndOrdersContext,
  givenOrder,
  givenProduct,
  serviceToken,
  startGameStore,
  stubPorts,
  support,
  type Caller,
  type GameStoreSystem,
  type ProductAnswer,
} from './game-store-harness.js';

const INITIATE = '/api/v1/orders/initiate';
const ORDERS = '/api/v1/orders';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('game store: orders priced from the catalog (P-2, P-6)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: GameStoreSystem;
  const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
  const ports = stubPorts();
  let dev: Caller;
  let shopper: Caller;
  let trader: ProductAnswer;
  let farm: ProductAnswer;
  let euroOnly: ProductAnswer;

  before(async () => {
    database = await openTestDatabase();
    system = await startGameStore({ database, clock, contexts: [accountsModule(), catalogAndOrdersContext(ports)] });
    dev = await aDeveloper('dev-orders');
    shopper = await aBuyer('buyer-orders');
    trader = await givenProduct(system.api, dev.token, { title: 'Space Trader', prices: { RU: '1499.00', KZ: '7990' }, vat: 'none' });
    farm = await givenProduct(system.api, dev.token, { title: 'Farm Life', prices: { RU: '299.90' }, vat: 'vat20', payment_subject: 'service' });
    euroOnly = await givenProduct(system.api, dev.token, { title: 'Euro Only', prices: { RU: '9.99' }, currency: 'EUR' });
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const api = () => request(system.api);
  const initiate = (token: string, body: unknown) => api().post(INITIATE).set('Authorization', token).send(body as object);
  const line = (product_id: string, quantity = 1) => ({ product_id, quantity });

  describe('initiating', () => {
    it('given two games priced in RU, when a buyer orders them, then 201 pending_payment with the catalog’s titles and prices, the total, and the stream holds OrderInitiated with every receipt line', async () => {
      const answer = await initiate(shopper.token, { items: [line(trader.product_id), line(farm.product_id)], region: 'RU', payment_method: 'sbp' }).expect(201);
      assert.match(answer.body.order_id, /^[0-9a-f-]{36}$/);
      assert.equal(answer.headers.location, `/api/v1/orders/${answer.body.order_id}`);
      assert.deepEqual(answer.body, {
        order_id: answer.body.order_id,
        status: 'pending_payment',
        region: 'RU',
        currency: 'RUB',
        items: [
          { product_id: trader.product_id, title: 'Space Trader', quantity: 1, unit_price: '1499.00', line_total: '1499.00' },
          { product_id: farm.product_id, title: 'Farm Life', quantity: 1, unit_price: '299.90', line_total: '299.90' },
        ],
        total: { value: '1798.90', currency: 'RUB' },
        payment_method: 'sbp',
        created_at: clock.now().toISOString(),
      });
      const events = await system.dependencies.store.readStream(streamOfGameOrder(answer.body.order_id));
      assert.deepEqual(events.map((e) => e.type), ['OrderInitiated']);
      const data = events[0]!.data as OrderInitiated['data'];
      assert.equal(data.buyerId, 'buyer-orders');
      assert.equal(data.totalMinor, '179890');
      assert.deepEqual(data.items[1], { productId: farm.product_id, title: 'Farm Life', developerId: 'dev-orders', quantity: 1, unitPriceMinor: '29990', lineTotalMinor: '29990', vat: 'vat20', paymentSubject: 'service' });
    });

    it('given an order, when the developer changes the price afterwards, then the order keeps the price it was given; a new order gets the new one', async () => {
      const product = await givenProduct(system.api, dev.token, { prices: { RU: '500.00' } });
      const before = await givenOrder(system.api, shopper.token, [product.product_id]);
      await api().put(`/api/v1/catalog/products/${product.product_id}/prices/RU`).set('Authorization', dev.token).send({ currency: 'RUB', amount: '750.00' }).expect(200);
      const read = await api().get(`${ORDERS}/${before.order_id}`).set('Authorization', shopper.token).expect(200);
      assert.equal(read.body.items[0].unit_price, '500.00');
      assert.deepEqual(read.body.total, { value: '500.00', currency: 'RUB' });
      const after = await givenOrder(system.api, (await aBuyer()).token, [product.product_id]);
      assert.equal(after.items[0]!.unit_price, '750.00');
    });

    it('given a price the client sends (unit_price, total, currency …), then 400 naming that field: prices come from the catalog only', async () => {
      const cases: [unknown, string][] = [
        [{ items: [{ ...line(trader.product_id), unit_price: '1.00' }], region: 'RU', payment_method: 'sbp' }, 'items.0.unit_price'],
        [{ items: [{ ...line(trader.product_id), price: '1.00' }], region: 'RU', payment_method: 'sbp' }, 'items.0.price'],
        [{ items: [line(trader.product_id)], region: 'RU', payment_method: 'sbp', total: { value: '1.00', currency: 'RUB' } }, 'total'],
        [{ items: [line(trader.product_id)], region: 'RU', payment_method: 'sbp', currency: 'RUB' }, 'currency'],
      ];
      for (const [body, field] of cases) {
        const answer = await initiate(shopper.token, body).expect(400);
        assert.equal(answer.body.field, field, JSON.stringify(answer.body));
      }
    });

    const malformed: [string, (ids: { a: string; b: string }) => unknown, string][] = [
      ['no items', () => ({ items: [], region: 'RU', payment_method: 'sbp' }), 'items'],
      ['21 lines', () => ({ items: Array.from({ length: 21 }, (_, i) => line(`p-${i}`)), region: 'RU', payment_method: 'sbp' }), 'items'],
      ['a product twice', ({ a }) => ({ items: [line(a), line(a)], region: 'RU', payment_method: 'sbp' }), 'items.1.product_id'],
      ['quantity 0', ({ a }) => ({ items: [line(a, 0)], region: 'RU', payment_method: 'sbp' }), 'items.0.quantity'],
      ['quantity 11', ({ a }) => ({ items: [line(a, 11)], region: 'RU', payment_method: 'sbp' }), 'items.0.quantity'],
      ['quantity 1.5', ({ a }) => ({ items: [line(a, 1.5)], region: 'RU', payment_method: 'sbp' }), 'items.0.quantity'],
      ['quantity as text', ({ a }) => ({ items: [{ product_id: a, quantity: '1' }], region: 'RU', payment_method: 'sbp' }), 'items.0.quantity'],
      ['no quantity', ({ a }) => ({ items: [{ product_id: a }], region: 'RU', payment_method: 'sbp' }), 'items.0.quantity'],
      ['no product id', () => ({ items: [{ quantity: 1 }], region: 'RU', payment_method: 'sbp' }), 'items.0.product_id'],
      ['no region', ({ a }) => ({ items: [line(a)], payment_method: 'sbp' }), 'region'],
      ['a lower-case region', ({ a }) => ({ items: [line(a)], region: 'ru', payment_method: 'sbp' }), 'region'],
      ['an unknown payment method', ({ a }) => ({ items: [line(a)], region: 'RU', payment_method: 'cash' }), 'payment_method'],
      ['no payment method', ({ a }) => ({ items: [line(a)], region: 'RU' }), 'payment_method'],
    ];
    for (const [what, body, field] of malformed) {
      it(`given ${what}, then 400 naming ${field}`, async () => {
        const answer = await initiate(shopper.token, body({ a: trader.product_id, b: farm.product_id })).expect(400);
        assert.equal(answer.body.field, field, JSON.stringify(answer.body));
      });
    }

    it('given quantity 2, then 422 order.quantity_not_one: a buyer owns a game once', async () => {
      const answer = await initiate(shopper.token, { items: [line(trader.product_id, 2)], region: 'RU', payment_method: 'sbp' }).expect(422);
      assert.deepEqual([answer.body.code, answer.body.field], ['order.quantity_not_one', 'items.0.quantity']);
    });

    it('given an unknown product (a UUID or not), then 404 catalog.product_not_found naming its line', async () => {
      for (const id of [UNKNOWN, 'no-such-game']) {
        const answer = await initiate(shopper.token, { items: [line(trader.product_id), line(id)], region: 'RU', payment_method: 'sbp' }).expect(404);
        assert.deepEqual([answer.body.code, answer.body.field], ['catalog.product_not_found', 'items.1.product_id']);
        assert.ok(answer.body.detail.includes(id));
      }
    });

    it('given a withdrawn game, then 422 order.product_withdrawn naming it; restored, it can be ordered', async () => {
      const product = await givenProduct(system.api, dev.token, { title: 'Soon Gone' });
      await api().post(`/api/v1/catalog/products/${product.product_id}/withdraw`).set('Authorization', dev.token).expect(200);
      const answer = await initiate(shopper.token, { items: [line(product.product_id)], region: 'RU', payment_method: 'bank_card' }).expect(422);
      assert.deepEqual([answer.body.code, answer.body.field], ['order.product_withdrawn', 'items.0.product_id']);
      assert.ok(answer.body.detail.includes('Soon Gone'));
      await api().post(`/api/v1/catalog/products/${product.product_id}/restore`).set('Authorization', dev.token).expect(200);
      await givenOrder(system.api, shopper.token, [product.product_id]);
    });

    it('given a game not priced in the region (or its price removed), then 422 order.product_not_priced naming it', async () => {
      const answer = await initiate(shopper.token, { items: [line(trader.product_id), line(farm.product_id)], region: 'KZ', payment_method: 'bank_card' }).expect(422);
      assert.deepEqual([answer.body.code, answer.body.field], ['order.product_not_priced', 'items.1.product_id']);
      const product = await givenProduct(system.api, dev.token, { prices: { BY: '10.00' }, currency: 'BYN' });
      await api().delete(`/api/v1/catalog/products/${product.product_id}/prices/BY`).set('Authorization', dev.token).expect(200);
      const removed = await initiate(shopper.token, { items: [line(product.product_id)], region: 'BY', payment_method: 'bank_card' }).expect(422);
      assert.equal(removed.body.code, 'order.product_not_priced');
    });

    it('given lines priced in different currencies in the region, then 422 order.mixed_currencies naming the line', async () => {
      const answer = await initiate(shopper.token, { items: [line(trader.product_id), line(euroOnly.product_id)], region: 'RU', payment_method: 'bank_card' }).expect(422);
      assert.deepEqual([answer.body.code, answer.body.field], ['order.mixed_currencies', 'items.1.product_id']);
    });

    it('given a game the buyer already owns, then 409 order.product_owned naming it; another buyer may order it', async () => {
      const owner = await aBuyer('buyer-owner');
      ports.owned.set(owner.id, new Set([farm.product_id]));
      const answer = await initiate(owner.token, { items: [line(trader.product_id), line(farm.product_id)], region: 'RU', payment_method: 'tpay' }).expect(409);
      assert.deepEqual([answer.body.code, answer.body.field], ['order.product_owned', 'items.1.product_id']);
      assert.ok(answer.body.detail.includes('Farm Life'));
      await givenOrder(system.api, (await aBuyer()).token, [farm.product_id]);
    });

    it('given no token 401; a service principal 403', async () => {
      await api().post(INITIATE).send({ items: [line(trader.product_id)], region: 'RU', payment_method: 'sbp' }).expect(401);
      const refused = await initiate(await serviceToken('svc-1', ['gcp:orders']), { items: [line(trader.product_id)], region: 'RU', payment_method: 'sbp' }).expect(403);
      assert.equal(refused.body.code, 'auth.forbidden');
    });

    it('given an Idempotency-Key, when the same order is sent again, then the same answer and one order stream; the key with another body is refused', async () => {
      const someone = await aBuyer();
      const body = { items: [line(trader.product_id)], region: 'RU', payment_method: 'sberpay' };
      const first = await api().post(INITIATE).set('Authorization', someone.token).set('Idempotency-Key', 'order-key-1').send(body).expect(201);
      const again = await api().post(INITIATE).set('Authorization', someone.token).set('Idempotency-Key', 'order-key-1').send(body).expect(201);
      assert.deepEqual(again.body, first.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal((await system.dependencies.store.readStream(streamOfGameOrder(first.body.order_id))).length, 1);
      const other = await api().post(INITIATE).set('Authorization', someone.token).set('Idempotency-Key', 'order-key-1').send({ ...body, payment_method: 'sbp' }).expect(422);
      assert.equal(other.body.code, 'idempotency.key_reused');
      const list = await api().get(ORDERS).set('Authorization', someone.token).expect(200);
      assert.equal(list.body.items.length, 1);
    });
  });

  describe('queries', () => {
    it('given an order, then its buyer, support and admins read it with its transactions and status; another buyer gets 404 as for no order', async () => {
      const buyerCaller = await aBuyer();
      const order = await givenOrder(system.api, buyerCaller.token, [trader.product_id]);
      const own = await api().get(`${ORDERS}/${order.order_id}`).set('Authorization', buyerCaller.token).expect(200);
      const { progress, refunds, ...plain } = own.body;
      assert.deepEqual(plain, { ...order, buyer_id: buyerCaller.id, transactions: [] });
      assert.deepEqual(refunds, []);
      assert.deepEqual(progress, { paid: false, in_library: false, confirmation_sent: false, receipt_registered: false, receipt_sent: false, developer_credited: false, recorded: false, steps: [] });
      for (const token of [await support(), await admin()]) assert.equal((await api().get(`${ORDERS}/${order.order_id}`).set('Authorization', token).expect(200)).body.order_id, order.order_id);
      const hidden = await api().get(`${ORDERS}/${order.order_id}`).set('Authorization', (await aBuyer()).token).expect(404);
      const missing = await api().get(`${ORDERS}/${UNKNOWN}`).set('Authorization', buyerCaller.token).expect(404);
      assert.deepEqual([hidden.body.code, hidden.body.detail], [missing.body.code, missing.body.detail], 'the same answer: existence is not revealed');
      await api().get(`${ORDERS}/not-a-uuid`).set('Authorization', buyerCaller.token).expect(404);
      await api().get(`${ORDERS}/${order.order_id}`).expect(401);

      ports.transactions.set(order.order_id, [
        { transactionId: 'tx-1', provider: 'yookassa', status: 'failed', amountMinor: '149900', currency: 'RUB', updatedAt: '2026-03-02T09:01:00.000Z' },
        { transactionId: 'tx-2', provider: 'tbank', status: 'completed', amountMinor: '149900', currency: 'RUB', updatedAt: '2026-03-02T09:02:00.000Z' },
      ]);
      const paid = await api().get(`${ORDERS}/${order.order_id}`).set('Authorization', buyerCaller.token).expect(200);
      assert.equal(paid.body.status, 'paid');
      assert.deepEqual(paid.body.transactions, [
        { transaction_id: 'tx-1', provider: 'yookassa', status: 'failed', amount: { value: '1499.00', currency: 'RUB' }, updated_at: '2026-03-02T09:01:00.000Z' },
        { transaction_id: 'tx-2', provider: 'tbank', status: 'completed', amount: { value: '1499.00', currency: 'RUB' }, updated_at: '2026-03-02T09:02:00.000Z' },
      ]);
    });

    it('given a buyer’s orders, then GET /orders lists only theirs, newest first, page by page, and ?status keeps paid or pending ones', async () => {
      const mine = await aBuyer();
      const placed = [];
      for (let i = 0; i < 5; i++) {
        clock.advance(60_000);
        placed.push(await givenOrder(system.api, mine.token, [i % 2 === 0 ? trader.product_id : farm.product_id]));
      }
      await givenOrder(system.api, (await aBuyer()).token, [trader.product_id]);
      ports.transactions.set(placed[1]!.order_id, [{ transactionId: 'tx-p1', provider: 'yookassa', status: 'completed', amountMinor: '29990', currency: 'RUB', updatedAt: clock.now().toISOString() }]);
      ports.transactions.set(placed[3]!.order_id, [{ transactionId: 'tx-p3', provider: 'tbank', status: 'completed', amountMinor: '29990', currency: 'RUB', updatedAt: clock.now().toISOString() }]);

      const seen: string[] = [];
      let cursor: string | null | undefined;
      do {
        const page = await api().get(ORDERS).query({ limit: 2, ...(cursor ? { cursor } : {}) }).set('Authorization', mine.token).expect(200);
        assert.ok(page.body.items.length <= 2);
        seen.push(...page.body.items.map((o: { order_id: string }) => o.order_id));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, placed.map((o) => o.order_id).reverse());

      const paid = await api().get(ORDERS).query({ status: 'paid' }).set('Authorization', mine.token).expect(200);
      assert.deepEqual(paid.body.items.map((o: { order_id: string }) => o.order_id), [placed[3]!.order_id, placed[1]!.order_id]);
      assert.ok(paid.body.items.every((o: { status: string; transactions: unknown[] }) => o.status === 'paid' && o.transactions.length === 1));
      const pendingFirst = await api().get(ORDERS).query({ status: 'pending_payment', limit: 2 }).set('Authorization', mine.token).expect(200);
      assert.deepEqual(pendingFirst.body.items.map((o: { order_id: string }) => o.order_id), [placed[4]!.order_id, placed[2]!.order_id]);
      const pendingRest = await api().get(ORDERS).query({ status: 'pending_payment', limit: 2, cursor: pendingFirst.body.nextCursor }).set('Authorization', mine.token).expect(200);
      assert.deepEqual(pendingRest.body.items.map((o: { order_id: string }) => o.order_id), [placed[0]!.order_id]);
      assert.equal(pendingRest.body.nextCursor, null);

      for (const [query, field] of [[{ status: 'shipped' }, 'status'], [{ limit: '0' }, 'limit'], [{ cursor: 'eyJ4IjoxfQ' }, 'cursor']] as const) {
        const answer = await api().get(ORDERS).query(query).set('Authorization', mine.token).expect(400);
        assert.equal(answer.body.field, field);
      }
      await api().get(ORDERS).expect(401);
      const empty = await api().get(ORDERS).set('Authorization', (await aBuyer()).token).expect(200);
      assert.deepEqual(empty.body, { items: [], nextCursor: null });
    });

    it('given orders, then the BI tables hold them and their lines with the buyer id and no e-mail or name', async () => {
      const order = await givenOrder(system.api, shopper.token, [farm.product_id], { payment_method: 'tpay' });
      const adminToken = await admin();
      const orders = await api().get('/api/admin/bi/game_orders').query({ column: 'order_id', equals: order.order_id }).set('Authorization', adminToken).expect(200);
      assert.deepEqual(orders.body.columns, ['order_id', 'buyer_id', 'region', 'currency', 'total', 'payment_method', 'status', 'lines', 'initiated_at', 'completed_at']);
      assert.deepEqual([orders.body.rows[0].buyer_id, orders.body.rows[0].total, orders.body.rows[0].payment_method, orders.body.rows[0].lines], ['buyer-orders', '299.90', 'tpay', 1]);
      const items = await api().get('/api/admin/bi/game_order_items').query({ column: 'order_id', equals: order.order_id }).set('Authorization', adminToken).expect(200);
      assert.deepEqual([items.body.rows[0].product_id, items.body.rows[0].unit_price, items.body.rows[0].vat, items.body.rows[0].developer_id], [farm.product_id, '299.90', 'vat20', 'dev-orders']);
      for (const column of [...orders.body.columns, ...items.body.columns]) assert.ok(!/email|name/.test(column), column);
    });
  });
});
