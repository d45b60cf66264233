import assert from 'node:assert/strict';
import request from 'supertest';
import { ManualClock } from '../../../platform/clock.js';
import { receiptIdOf } from '../../../sagas/game-store/purchase-saga.js';
import { aDeveloper, admin, eventually, givenOrder, givenProduct, support, type Caller } from './game-store-harness.js';
import { initiatePayment, transactionBecomes } from './payment-harness.js';
import { libraryOf, orderDetail, orderReaches, receiptsOf, refund, registeredBuyer, purchasingSuite } from './purchase-harness.js';

/**
 * The purchase saga when things go wrong (issue 13, items 2–4, 8): the cash register fails,
 * answers late or refuses; payments expire or arrive late; refunds race each other and late
 * webhooks. Never a step twice, never more back than was paid.
 */
describe('game store: the purchase saga under failures and races (P-5)', function () {
  this.timeout(300_000);
  const clock = new ManualClock(new Date());
  const suite = purchasingSuite(clock, { ATOL_TIMEOUT_MS: '800' });
  afterEach(() => suite.register.clearFaults());

  async function givenOrderOfOneGame(buyer: Caller, price = '499.00') {
    const dev = await aDeveloper();
    const game = await givenProduct(suite.system.api, dev.token, { vat: 'vat22', prices: { RU: price } });
    const order = await givenOrder(suite.system.api, buyer.token, [game.product_id]);
    return { dev, game, order };
  }
  async function pay(buyer: Caller, orderId: string, provider: 'yookassa' | 'tbank') {
    const tx = await initiatePayment(suite.system.api, buyer.token, { order_id: orderId, provider });
    await suite.sandbox.pay(provider, tx.provider_payment_id!);
    await transactionBecomes(suite.system.api, buyer.token, tx.transaction_id, 'completed');
    return tx;
  }
  const documentsOf = (orderId: string, refundId: string | null = null) => suite.register.receipts().filter((r) => r.external_id.startsWith(`${receiptIdOf(orderId, refundId)}.`));

  describe('fiscal receipts', () => {
    // the outbox retries and polls on the suite's clock: let time pass (a second every 50 ms) while the register is asked again
    let ticking: NodeJS.Timeout | undefined;
    beforeEach(() => (ticking = setInterval(() => clock.advance(1_000), 50)));
    afterEach(() => clearInterval(ticking));

    it('given the register answers 500 twice and then loses an answer, when the receipt is sent, then it is retried with the same external_id and the register holds one receipt, fiscalized', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order } = await givenOrderOfOneGame(buyer);
      const externalId = `${receiptIdOf(order.order_id, null)}.1`;
      suite.register.injectFaults({ register: [{ kind: 'http_500', times: 2, externalId }, { kind: 'timeout', times: 1, externalId }] });
      await pay(buyer, order.order_id, 'yookassa');
      await orderReaches(suite.system.api, buyer.token, order.order_id);
      const [receipt] = await receiptsOf(suite.system.api, buyer.token, order.order_id);
      assert.equal(receipt!.status, 'fiscalized_success');
      assert.equal(receipt!.attempts, 1);
      assert.equal(documentsOf(order.order_id).length, 1, 'one receipt at the register');
    });

    it('given the register fails the document with a queue timeout, then a new attempt (a new external_id) is fiscalized: the receipt shows attempt 2 and the buyer is told once', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order } = await givenOrderOfOneGame(buyer);
      suite.register.injectFaults({ report: [{ kind: 'fail_timeout', times: 1, externalId: `${receiptIdOf(order.order_id, null)}.1` }] });
      await pay(buyer, order.order_id, 'tbank');
      await orderReaches(suite.system.api, buyer.token, order.order_id);
      const [receipt] = await receiptsOf(suite.system.api, buyer.token, order.order_id);
      assert.equal(receipt!.status, 'fiscalized_success');
      assert.equal(receipt!.attempts, 2);
      assert.deepEqual(documentsOf(order.order_id).map((d) => [d.external_id.slice(-2), d.status]), [['.1', 'fail'], ['.2', 'done']]);
      const inbox = (await request(suite.system.api).get('/api/notifications').set('Authorization', buyer.token).expect(200)).body.items as { kind: string }[];
      assert.equal(inbox.filter((n) => n.kind === 'game-store.receipt_registered').length, 1);
    });

    it('given the register refuses the receipt for good, then it is fiscalized_failed, listed for support and a dead letter; when support retries it, a new attempt is fiscalized and the purchase completes', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order } = await givenOrderOfOneGame(buyer);
      const receiptId = receiptIdOf(order.order_id, null);
      suite.register.injectFaults({ register: [{ kind: 'refuse', field: 'receipt.company.inn', times: 1, externalId: `${receiptId}.1` }] });
      await pay(buyer, order.order_id, 'yookassa');
      const failed = await eventually(async () => {
        const [receipt] = await receiptsOf(suite.system.api, buyer.token, order.order_id);
        return receipt?.status === 'fiscalized_failed' ? receipt : undefined;
      });
      assert.match(failed.last_error ?? '', /32/);
      const stuck = await orderDetail(suite.system.api, buyer.token, order.order_id);
      assert.equal(stuck.progress.in_library, true, 'the game is delivered whatever the receipt');
      assert.equal(stuck.progress.recorded, false, 'processing waits for the receipt');

      const listed = await request(suite.system.api).get('/api/v1/fiscal-receipts').set('Authorization', await support()).expect(200);
      assert.ok(listed.body.items.some((r: { receipt_id: string }) => r.receipt_id === receiptId));
      const dead = await request(suite.system.api).get('/api/admin/dead-letters').set('Authorization', await support()).expect(200);
      assert.ok(dead.body.items.some((d: { idempotencyKey: string }) => d.idempotencyKey === `purchase-receipt:${receiptId}`));
      await request(suite.system.api).post(`/api/v1/fiscal-receipts/${receiptId}/retry`).set('Authorization', buyer.token).expect(403);

      await request(suite.system.api).post(`/api/v1/fiscal-receipts/${receiptId}/retry`).set('Authorization', await support()).expect(202);
      await orderReaches(suite.system.api, buyer.token, order.order_id);
      const [receipt] = await receiptsOf(suite.system.api, buyer.token, order.order_id);
      assert.equal(receipt!.status, 'fiscalized_success');
      assert.equal(receipt!.attempts, 2);
      assert.equal(documentsOf(order.order_id).length, 1, 'the refused attempt was never taken');
      // a receipt that is not failed is not retried
      assert.equal((await request(suite.system.api).post(`/api/v1/fiscal-receipts/${receiptId}/retry`).set('Authorization', await support()).expect(409)).body.code, 'receipt.not_failed');
    });

    it('given the register is slow (wait for 2 s) and sends no callback, then the receipt is polled until it is done', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order } = await givenOrderOfOneGame(buyer);
      suite.register.injectFaults({ waitMs: 2000, callbacks: false });
      await pay(buyer, order.order_id, 'yookassa');
      const done = await orderReaches(suite.system.api, buyer.token, order.order_id);
      assert.equal(done.progress.receipt_registered, true);
      assert.equal(documentsOf(order.order_id).length, 1);
    });
  });

  describe('payments that do not pay the order', () => {
    it('given a YooKassa transaction that expired, then the order is cancelled; when the buyer pays after all, then that payment is refunded whole, once, and nothing is delivered', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order, game } = await givenOrderOfOneGame(buyer);
      const tx = await initiatePayment(suite.system.api, buyer.token, { order_id: order.order_id, provider: 'yookassa' });
      clock.advance(31 * 60_000);
      await transactionBecomes(suite.system.api, buyer.token, tx.transaction_id, 'failed');
      await orderReaches(suite.system.api, buyer.token, order.order_id, (o) => o.status === 'cancelled');
      await suite.sandbox.pay('yookassa', tx.provider_payment_id!);
      await suite.sandbox.redeliver('yookassa', tx.provider_payment_id!, 3);
      const refunded = await orderReaches(suite.system.api, buyer.token, order.order_id, (o) => o.progress.steps.some((s) => s.step.startsWith('stray_payment_refunded:')));
      assert.equal(refunded.status, 'cancelled');
      assert.deepEqual(suite.sandbox.refunds('yookassa', tx.provider_payment_id!).map((r) => r.amountMinor), [49900n]);
      assert.ok(!(await libraryOf(suite.system.api, buyer.token)).some((g) => g.product_id === game.product_id));
      assert.deepEqual(await receiptsOf(suite.system.api, buyer.token, order.order_id), []);
    });
  });

  describe('refund races', () => {
    it('given a completed order, when support sends five refunds of it at once, then one is accepted, four are 409, and the provider pays back once', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order } = await givenOrderOfOneGame(buyer);
      const tx = await pay(buyer, order.order_id, 'tbank');
      await orderReaches(suite.system.api, buyer.token, order.order_id);
      const token = await support();
      const answers = await Promise.all(Array.from({ length: 5 }, () => request(suite.system.api).post(`/api/v1/orders/${order.order_id}/refund`).set('Authorization', token).send({ reason: 'race' })));
      assert.deepEqual(answers.map((a) => a.status).sort(), [202, 409, 409, 409, 409]);
      await orderReaches(suite.system.api, buyer.token, order.order_id, (o) => o.status === 'refunded');
      assert.equal(suite.sandbox.refunds('tbank', tx.provider_payment_id!).length, 1);
    });

    it('given a completed order, when it is refunded while the provider redelivers the payment’s notification twenty times, then the refund is paid once and the game leaves the library for good', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order } = await givenOrderOfOneGame(buyer);
      const tx = await pay(buyer, order.order_id, 'yookassa');
      await orderReaches(suite.system.api, buyer.token, order.order_id);
      const [asked] = await Promise.all([refund(suite.system.api, await admin(), order.order_id, { reason: 'late webhook race' }), suite.sandbox.redeliver('yookassa', tx.provider_payment_id!, 20)]);
      const done = await orderReaches(suite.system.api, buyer.token, order.order_id, (o) => o.status === 'refunded' && o.progress.steps.some((s) => s.step === `refund_notified:${asked.refund_id}`));
      await suite.sandbox.redeliver('yookassa', tx.provider_payment_id!, 5);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(suite.sandbox.refunds('yookassa', tx.provider_payment_id!).length, 1);
      assert.deepEqual(await libraryOf(suite.system.api, buyer.token), []);
      const after = await orderDetail(suite.system.api, buyer.token, order.order_id);
      assert.equal(after.status, 'refunded');
      assert.equal(after.progress.steps.filter((s) => s.step === 'paid').length, 1);
      assert.deepEqual(after.refunds.map((r) => r.status), done.refunds.map((r) => r.status));
    });

    it('given the provider refuses a refund (pending, then canceled), then the refund fails, the game stays in the library and the item may be refunded again', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order, game } = await givenOrderOfOneGame(buyer);
      await pay(buyer, order.order_id, 'yookassa');
      await orderReaches(suite.system.api, buyer.token, order.order_id);
      const faulted = await request(suite.sandbox.url).post('/sandbox/faults').send({ provider: 'yookassa', operation: 'refund', kind: 'canceled', reason: 'rejected_by_payee' });
      assert.ok(faulted.status < 300, JSON.stringify(faulted.body));
      const asked = await refund(suite.system.api, await support(), order.order_id, { reason: 'will be refused' });
      const failed = await orderReaches(suite.system.api, buyer.token, order.order_id, (o) => o.refunds.some((r) => r.refund_id === asked.refund_id && r.status === 'failed'));
      assert.equal(failed.status, 'completed');
      assert.ok((await libraryOf(suite.system.api, buyer.token)).some((g) => g.product_id === game.product_id));
      const again = await refund(suite.system.api, await support(), order.order_id, { reason: 'second try' });
      await orderReaches(suite.system.api, buyer.token, order.order_id, (o) => o.refunds.some((r) => r.refund_id === again.refund_id && r.status === 'confirmed'));
    });
  });
});
