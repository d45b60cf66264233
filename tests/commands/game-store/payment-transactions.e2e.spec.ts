import assert from 'node:assert/strict';
import request from 'supertest';
import type { PaymentSandbox } from '../../../adapters/payments/sandbox/payment-sandbox.js';
import { streamOfPaymentTransaction } from '../../../domain/game-store/payment-transaction.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { aBuyer, anAdmin, eventually, givenOrderOfNewProduct, type Caller, type GameStoreSystem } from './game-store-harness.js';
import { initiatePayment, startPayingStore, startSandbox, transactionBecomes, transactionOf } from './payment-harness.js';

const INITIATE = '/api/v1/payments/transactions/initiate';

describe('game store: payment transactions through the local YooKassa and T-Bank (P-3, P-4)', function () {
  this.timeout(240_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let sandbox: PaymentSandbox;
  let system: GameStoreSystem;
  const clock = new ManualClock(new Date());
  let buyer: Caller;

  before(async () => {
    database = await openTestDatabase();
    sandbox = await startSandbox(clock);
    system = await startPayingStore({ database, clock, sandbox });
    buyer = await aBuyer();
  });
  after(async () => {
    await system?.stop();
    await sandbox?.stop();
    await database?.dispose();
  });

  const eventsOf = async (transactionId: string) => (await system.dependencies.store.readStream(streamOfPaymentTransaction(transactionId))).map((e) => e.type);

  describe('a card payment on the YooKassa hosted page', () => {
    it('given an order, when the buyer starts paying with YooKassa, then 201 answers a processing transaction for the order total with the hosted page to open', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token, { prices: { RU: '1499.00' } });
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'yookassa' });
      assert.equal(tx.status, 'processing');
      assert.deepEqual(tx.amount, { value: '1499.00', currency: 'RUB' });
      assert.ok(tx.redirect_url?.startsWith(`${sandbox.url}/pay/yookassa/`), tx.redirect_url);
      const atProvider = sandbox.payments('yookassa').filter((p) => p.transactionId === tx.transaction_id);
      assert.equal(atProvider.length, 1);
      assert.equal(atProvider[0]!.amountMinor, 149900n);
    });

    it('given a processing transaction, when the buyer pays and YooKassa notifies, then the transaction is completed, its history tells how, and the order reads paid', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'yookassa' });
      await sandbox.pay('yookassa', tx.provider_payment_id!);
      const done = await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'completed');
      assert.deepEqual(
        done.history.map((h) => h.event),
        ['PaymentTransactionInitiated', 'ProviderPaymentCreated', 'PaymentTransactionCompleted'],
      );
      assert.equal(done.history.at(-1)!.source, 'webhook');
      assert.equal(done.redirect_url, undefined, 'a final transaction has no next step');
      const orderView = await request(system.api).get(`/api/v1/orders/${order.order_id}`).set('Authorization', buyer.token).expect(200);
      // paid at once; completed as soon as the purchase saga has completed the order
      assert.ok(['paid', 'completed'].includes(orderView.body.status), orderView.body.status);
    });

    it('given a completed transaction, when YooKassa delivers the same notification 100 times more, then it changed state once: the stream holds one completion', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'yookassa' });
      await sandbox.pay('yookassa', tx.provider_payment_id!);
      await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'completed');
      const before = await eventsOf(tx.transaction_id);
      await sandbox.redeliver('yookassa', tx.provider_payment_id!, 100);
      const after = await eventsOf(tx.transaction_id);
      assert.deepEqual(after, before);
      assert.equal(after.filter((type) => type === 'PaymentTransactionCompleted').length, 1);
    });

    it('given a processing transaction, when the buyer declines on the page, then the transaction fails with the provider’s reason', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'yookassa' });
      await sandbox.decline('yookassa', tx.provider_payment_id!);
      const failed = await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'failed');
      assert.match(failed.failure_reason ?? '', /decline/);
    });

    it('given an order, when the buyer asks for YooKassa’s widget, then 201 answers SDK data (a confirmation_token) and no redirect; paying in it completes the transaction', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const answer = await request(system.api).post(INITIATE).set('Authorization', buyer.token).send({ order_id: order.order_id, provider: 'yookassa', flow: 'widget', success_url: 'https://shop.example/paid' }).expect(201);
      assert.equal(typeof answer.body.sdk?.confirmation_token, 'string', JSON.stringify(answer.body));
      assert.equal(answer.body.redirect_url, undefined);
      await sandbox.pay('yookassa', answer.body.provider_payment_id);
      await transactionBecomes(system.api, buyer.token, answer.body.transaction_id, 'completed');
      const refused = await request(system.api).post(INITIATE).set('Authorization', buyer.token).send({ order_id: (await givenOrderOfNewProduct(system.api, buyer.token)).order.order_id, provider: 'tbank', flow: 'widget', success_url: 'https://shop.example/paid' });
      assert.equal(refused.status, 422);
      assert.equal(refused.body.field, 'flow');
    });

    it('given YooKassa answers 500 once, when the buyer starts paying, then the adapter repeats with the same key and exactly one payment exists at YooKassa', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      sandbox.injectFault({ provider: 'yookassa', operation: 'create', kind: 'http500', times: 1 });
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'yookassa' });
      assert.equal(tx.status, 'processing');
      assert.equal(sandbox.payments('yookassa').filter((p) => p.transactionId === tx.transaction_id).length, 1);
    });

    it('given YooKassa keeps answering 500, when the buyer starts paying, then 503 asks for a retry; the retry with the same Idempotency-Key resumes the same transaction with one payment', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      sandbox.injectFault({ provider: 'yookassa', operation: 'create', kind: 'http500', times: 10 });
      const first = await request(system.api).post(INITIATE).set('Authorization', buyer.token).set('Idempotency-Key', `pay-${order.order_id}`).send({ order_id: order.order_id, provider: 'yookassa', success_url: 'https://shop.example/paid' });
      assert.equal(first.status, 503, JSON.stringify(first.body));
      assert.equal(first.body.code, 'payment.provider_unavailable');
      // the faults left are used up by another shop's calls … here: by a few plain retries
      for (let i = 0; i < 10 && sandbox.payments('yookassa').length >= 0; i++) {
        const retry = await request(system.api).post(INITIATE).set('Authorization', buyer.token).set('Idempotency-Key', `pay-${order.order_id}`).send({ order_id: order.order_id, provider: 'yookassa', success_url: 'https://shop.example/paid' });
        if (retry.status === 201) {
          assert.equal(sandbox.payments('yookassa').filter((p) => p.transactionId === retry.body.transaction_id).length, 1);
          assert.deepEqual((await eventsOf(retry.body.transaction_id)).filter((t) => t === 'PaymentTransactionInitiated').length, 1);
          return;
        }
        assert.equal(retry.status, 503);
      }
      assert.fail('the retries never got through');
    });

    it('given YooKassa carried out the create but the answer was lost (a timeout), when the client retries with the same Idempotency-Key, then the same payment is recorded and no second one is made', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      sandbox.injectFault({ provider: 'yookassa', operation: 'create', kind: 'timeout', times: 4 });
      const key = `lost-${order.order_id}`;
      const body = { order_id: order.order_id, provider: 'yookassa', success_url: 'https://shop.example/paid' };
      const first = await request(system.api).post(INITIATE).set('Authorization', buyer.token).set('Idempotency-Key', key).send(body);
      assert.equal(first.status, 503, JSON.stringify(first.body));
      const retry = await request(system.api).post(INITIATE).set('Authorization', buyer.token).set('Idempotency-Key', key).send(body);
      assert.equal(retry.status, 201, JSON.stringify(retry.body));
      assert.equal(sandbox.payments('yookassa').filter((p) => p.transactionId === retry.body.transaction_id).length, 1);
    });
  });

  describe('T-Bank: a card redirect and an SBP QR', () => {
    it('given an order, when the buyer pays by card through T-Bank, then the signed notification completes the transaction and is answered exactly OK', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'tbank' });
      assert.ok(tx.redirect_url?.startsWith(`${sandbox.url}/pay/tbank/`), tx.redirect_url);
      await sandbox.pay('tbank', tx.provider_payment_id!);
      await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'completed');
      const replies = sandbox.deliveries().filter((d) => d.provider === 'tbank' && (d.body as { OrderId?: string }).OrderId === tx.transaction_id);
      assert.ok(replies.length >= 1);
      for (const reply of replies) assert.equal(reply.reply, 'OK');
    });

    it('given an order, when the buyer chooses SBP at T-Bank, then 201 answers the QR payload and an SVG image of it; scanning and paying completes the transaction', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'tbank', payment_method: 'sbp' });
      assert.ok(tx.qr, JSON.stringify(tx));
      assert.match(tx.qr.payload, /\/sbp\/qr\/.+type=02.*sum=149900/);
      const image = await request(system.api).get(tx.qr.image_url).set('Authorization', buyer.token).buffer(true).parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => done(null, text));
      });
      assert.equal(image.status, 200);
      assert.match(String(image.headers['content-type']), /image\/svg\+xml/);
      assert.match(image.body as string, /<svg/);
      await sandbox.pay('tbank', tx.provider_payment_id!);
      await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'completed');
    });

    it('given a processing T-Bank transaction, when the buyer declines, then it fails (REJECTED)', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'tbank' });
      await sandbox.decline('tbank', tx.provider_payment_id!);
      const failed = await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'failed');
      assert.equal(failed.history.at(-1)!.provider_status, 'REJECTED');
    });

    it('given T-Bank made the payment but the Init answer was lost, when the client retries with the same Idempotency-Key, then the first payment is cancelled and exactly one live payment belongs to the transaction', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      sandbox.injectFault({ provider: 'tbank', operation: 'Init', kind: 'timeout', times: 1 });
      const key = `tbank-lost-${order.order_id}`;
      const body = { order_id: order.order_id, provider: 'tbank', success_url: 'https://shop.example/paid' };
      const first = await request(system.api).post(INITIATE).set('Authorization', buyer.token).set('Idempotency-Key', key).send(body);
      assert.equal(first.status, 503, JSON.stringify(first.body));
      const retry = await request(system.api).post(INITIATE).set('Authorization', buyer.token).set('Idempotency-Key', key).send(body);
      assert.equal(retry.status, 201, JSON.stringify(retry.body));
      const atBank = sandbox.payments('tbank').filter((p) => p.transactionId === retry.body.transaction_id);
      assert.equal(atBank.length, 2, 'the lost one and the new one');
      assert.deepEqual(atBank.filter((p) => ['NEW', 'FORM_SHOWED'].includes(p.status)).map((p) => p.id), [retry.body.provider_payment_id]);
      await sandbox.pay('tbank', retry.body.provider_payment_id);
      await transactionBecomes(system.api, buyer.token, retry.body.transaction_id, 'completed');
    });
  });

  describe('webhooks that must change nothing', () => {
    it('given a T-Bank notification with a forged Token, when it is posted, then 403 and the transaction is unchanged', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'tbank' });
      const forged = { TerminalKey: sandbox.tbank.terminalKey, OrderId: tx.transaction_id, Success: true, Status: 'CONFIRMED', PaymentId: Number(tx.provider_payment_id), ErrorCode: '0', Amount: 149900, Token: 'f'.repeat(64) };
      const answer = await request(system.api).post('/webhooks/tbank').send(forged);
      assert.equal(answer.status, 403);
      assert.equal((await transactionOf(system.api, buyer.token, tx.transaction_id)).status, 'processing');
    });

    it('given a genuine T-Bank notification, when its Amount is tampered with, then 403 and nothing changes', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'tbank' });
      await sandbox.pay('tbank', tx.provider_payment_id!);
      await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'completed');
      const genuine = sandbox.deliveries().find((d) => d.provider === 'tbank' && (d.body as { OrderId?: string }).OrderId === tx.transaction_id)!.body as Record<string, unknown>;
      const before = await eventsOf(tx.transaction_id);
      const answer = await request(system.api).post('/webhooks/tbank').send({ ...genuine, Amount: 100, Status: 'REFUNDED' });
      assert.equal(answer.status, 403);
      assert.deepEqual(await eventsOf(tx.transaction_id), before);
    });

    it('given a YooKassa notification claiming success for a payment nobody paid, when it is posted, then the re-fetch says pending and nothing changes', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'yookassa' });
      const claim = { type: 'notification', event: 'payment.succeeded', object: { id: tx.provider_payment_id, status: 'succeeded', paid: true, amount: { value: '1499.00', currency: 'RUB' }, metadata: { transaction_id: tx.transaction_id } } };
      const answer = await request(system.api).post('/webhooks/yookassa').send(claim);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal((await transactionOf(system.api, buyer.token, tx.transaction_id)).status, 'processing');
    });

    it('given a YooKassa notification from outside its address ranges, when it is posted through a proxy this API does not trust, then 403', async () => {
      const strict = await startPayingStore({ database, clock, sandbox, env: { YOOKASSA_WEBHOOK_SOURCES: '185.71.76.0/27,77.75.156.11' } });
      try {
        const answer = await request(strict.api).post('/webhooks/yookassa').set('X-Forwarded-For', '185.71.76.5').send({ type: 'notification', event: 'payment.succeeded', object: { id: 'x' } });
        assert.equal(answer.status, 403);
        assert.equal(answer.body.code, 'webhook.source_refused');
      } finally {
        await strict.stop();
        sandbox.setYookassaWebhookUrl(`${system.api}/webhooks/yookassa`);
      }
    });

    it('given a proxy that is trusted, when it forwards a notification from a published YooKassa address, then the source check passes (and junk is then a 400)', async () => {
      const proxied = await startPayingStore({ database, clock, sandbox, env: { YOOKASSA_WEBHOOK_SOURCES: '185.71.76.0/27', TRUSTED_PROXIES: '127.0.0.1,::1,::ffff:127.0.0.1' } });
      try {
        const answer = await request(proxied.api).post('/webhooks/yookassa').set('X-Forwarded-For', '185.71.76.5').send({ junk: true });
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
      } finally {
        await proxied.stop();
        sandbox.setYookassaWebhookUrl(`${system.api}/webhooks/yookassa`);
      }
    });

    for (const body of [null, [], 'OK', 42, { type: 'notification' }, { TerminalKey: 1 }, { object: { id: 5 } }]) {
      it(`given junk ${JSON.stringify(body)}, when it is posted to either webhook, then a 4xx problem and never a 500`, async () => {
        for (const provider of ['yookassa', 'tbank']) {
          const answer = await request(system.api).post(`/webhooks/${provider}`).set('Content-Type', 'application/json').send(JSON.stringify(body));
          assert.ok(answer.status >= 400 && answer.status < 500, `${provider}: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
      });
    }
  });

  describe('what initiation refuses', () => {
    it('given someone else’s order, when a buyer starts paying it, then 404', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const other = await aBuyer();
      const answer = await request(system.api).post(INITIATE).set('Authorization', other.token).send({ order_id: order.order_id, provider: 'yookassa', success_url: 'https://shop.example/paid' });
      assert.equal(answer.status, 404);
    });

    it('given T-Bank, when the buyer asks for SberPay, then 422 naming payment_method', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const answer = await request(system.api).post(INITIATE).set('Authorization', buyer.token).send({ order_id: order.order_id, provider: 'tbank', payment_method: 'sberpay', success_url: 'https://shop.example/paid' });
      assert.equal(answer.status, 422);
      assert.equal(answer.body.field, 'payment_method');
    });

    it('given an order of 5 ₽, when the buyer wants SBP at T-Bank (10 ₽ minimum), then 422', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token, { prices: { RU: '5.00' } });
      const answer = await request(system.api).post(INITIATE).set('Authorization', buyer.token).send({ order_id: order.order_id, provider: 'tbank', payment_method: 'sbp', success_url: 'https://shop.example/paid' });
      assert.equal(answer.status, 422);
      assert.equal(answer.body.code, 'payment.amount_below_minimum');
    });

    it('given a live transaction, when the buyer starts another for the same order, then 409 naming it; after the buyer cancels it, a new one starts', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const first = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'tbank' });
      const second = await request(system.api).post(INITIATE).set('Authorization', buyer.token).send({ order_id: order.order_id, provider: 'yookassa', success_url: 'https://shop.example/paid' });
      assert.equal(second.status, 409);
      assert.match(second.body.detail, new RegExp(first.transaction_id));
      const cancelled = await request(system.api).post(`/api/v1/payments/transactions/${first.transaction_id}/cancel`).set('Authorization', buyer.token).expect(200);
      assert.equal(cancelled.body.status, 'cancelled');
      assert.equal(sandbox.payments('tbank').find((p) => p.id === first.provider_payment_id)!.status, 'CANCELED');
      await transactionBecomes(system.api, buyer.token, first.transaction_id, 'cancelled');
      await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'yookassa' });
    });

    it('given a paid order, when the buyer starts paying it again, then 409 order.already_paid', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'yookassa' });
      await sandbox.pay('yookassa', tx.provider_payment_id!);
      await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'completed');
      const again = await request(system.api).post(INITIATE).set('Authorization', buyer.token).send({ order_id: order.order_id, provider: 'tbank', success_url: 'https://shop.example/paid' });
      assert.equal(again.status, 409);
      assert.equal(again.body.code, 'order.already_paid');
    });

    it('given a bad body, when it is posted, then 400 naming the field', async () => {
      const cases: [unknown, string][] = [
        [{ provider: 'yookassa', success_url: 'https://x.example' }, 'order_id'],
        [{ order_id: 'o1', provider: 'paypal', success_url: 'https://x.example' }, 'provider'],
        [{ order_id: 'o1', provider: 'yookassa', success_url: 'javascript:alert(1)' }, 'success_url'],
        [{ order_id: 'o1', provider: 'yookassa', success_url: 'https://x.example', amount: '1.00' }, 'amount'],
      ];
      for (const [body, field] of cases) {
        const answer = await request(system.api).post(INITIATE).set('Authorization', buyer.token).send(body as object);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.field, field, JSON.stringify(answer.body));
      }
    });

    it('given a transaction, when another buyer or an anonymous caller reads it, then 404 / 401; support reads it', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'yookassa' });
      await request(system.api).get(`/api/v1/payments/transactions/${tx.transaction_id}`).set('Authorization', (await aBuyer()).token).expect(404);
      await request(system.api).get(`/api/v1/payments/transactions/${tx.transaction_id}`).expect(401);
      await request(system.api).get(`/api/v1/payments/transactions/${tx.transaction_id}`).set('Authorization', (await anAdmin()).token).expect(200);
    });
  });

  describe('expiry', () => {
    it('given a T-Bank transaction nobody pays, when PAYMENT_EXPIRY_MINUTES pass, then it is cancelled at the bank and fails as expired', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'tbank' });
      clock.advance(31 * 60_000);
      const failed = await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'failed');
      assert.equal(failed.failure_reason, 'expired');
      // the bank's own deadline (RedirectDueDate) is the same moment: cancelled by us or expired there, it is dead
      await eventually(async () => ['CANCELED', 'DEADLINE_EXPIRED'].includes(sandbox.payments('tbank').find((p) => p.id === tx.provider_payment_id)?.status ?? ''));
    });

    it('given a YooKassa transaction that expired, when the buyer pays after all, then it stays failed and the late payment is recorded once', async () => {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'yookassa' });
      clock.advance(31 * 60_000);
      await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'failed');
      await sandbox.pay('yookassa', tx.provider_payment_id!);
      await sandbox.redeliver('yookassa', tx.provider_payment_id!, 3);
      const late = await eventually(async () => {
        const view = await transactionOf(system.api, buyer.token, tx.transaction_id);
        return view.late_payments > 0 ? view : undefined;
      });
      assert.equal(late.status, 'failed');
      assert.equal(late.late_payments, 1);
    });
  });
});
