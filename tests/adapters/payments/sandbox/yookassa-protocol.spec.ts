import assert from 'node:assert/strict';
import { startPaymentSandbox, type PaymentSandbox } from '../../../../adapters/payments/sandbox/payment-sandbox.js';
import { eventually } from '../../../support/eventually.js';
import { openApiViolations, startWebhookReceiver, yookassaClient, yookassaOpenApiPresent, YOOKASSA_OPENAPI_PATH, type WebhookReceiver } from './sandbox-test-kit.js';

describe('Payment sandbox: the local YooKassa API v3, raw HTTP', () => {
  let sandbox: PaymentSandbox;
  let shop: WebhookReceiver;
  let yookassa: ReturnType<typeof yookassaClient>;
  let clock = new Date('2026-03-01T10:00:00.000Z');
  let keys = 0;
  const key = () => `spec-key-${++keys}`;

  before(async () => {
    shop = await startWebhookReceiver();
    sandbox = await startPaymentSandbox({ port: 0, now: () => clock, delivery: { firstRetryMs: 10, attempts: 4 }, yookassaPaymentTtlMs: 60 * 60 * 1000 });
    sandbox.setYookassaWebhookUrl(`${shop.url}/webhooks/yookassa`);
    yookassa = yookassaClient(sandbox);
  });
  after(async () => {
    await sandbox.stop();
    await shop.close();
  });
  beforeEach(() => {
    shop.reply = () => ({ status: 200, body: '' });
  });

  const cardPayment = (over: Record<string, unknown> = {}) => ({
    amount: { value: '1499.00', currency: 'RUB' },
    capture: true,
    confirmation: { type: 'redirect', return_url: 'https://shop.example/return?tx=tx_1' },
    description: 'Заказ ord_1',
    metadata: { order_id: 'ord_1', transaction_id: 'tx_1' },
    ...over,
  });
  const create = (body: unknown, idempotenceKey = key()) => yookassa.call('POST', '/payments', { body, key: idempotenceKey });
  const eventsFor = (id: string) => shop.received.filter((n) => (n.body.object as { id: string }).id === id).map((n) => n.body.event);

  describe('authentication and the Idempotence-Key', () => {
    it('given no or wrong Basic credentials, when any call is made, then 401 invalid_credentials', async () => {
      const none = await yookassa.call('POST', '/payments', { body: cardPayment(), key: key(), auth: '' });
      assert.equal(none.status, 401);
      assert.equal(none.body.code, 'invalid_credentials');
      const wrong = await yookassa.call('GET', '/payments/whatever', { auth: yookassa.basic(sandbox.yookassa.shopId, 'not-the-secret') });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.type, 'error');
    });

    it('given a POST without Idempotence-Key, when sent, then 400 invalid_request naming the header, and no payment', async () => {
      const before = sandbox.payments('yookassa').length;
      const res = await yookassa.call('POST', '/payments', { body: cardPayment() });
      assert.equal(res.status, 400);
      assert.deepEqual([res.body.type, res.body.code, res.body.parameter], ['error', 'invalid_request', 'Idempotence-Key']);
      assert.equal(sandbox.payments('yookassa').length, before);
    });

    it('given a key already answered, when the same request comes again (keys in another order), then the same answer and one payment', async () => {
      const k = key();
      const first = await create(cardPayment(), k);
      assert.equal(first.status, 200);
      const { metadata, amount, ...rest } = cardPayment();
      const again = await create({ metadata, ...rest, amount }, k);
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, first.body);
      assert.equal(sandbox.payments('yookassa').filter((p) => p.id === first.body.id).length, 1);
    });

    it('given a key already answered, when another body comes with it, then 400 invalid_request and nothing new', async () => {
      const k = key();
      await create(cardPayment(), k);
      const before = sandbox.payments('yookassa').length;
      const res = await create(cardPayment({ amount: { value: '1.00', currency: 'RUB' } }), k);
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'invalid_request');
      assert.equal(sandbox.payments('yookassa').length, before);
    });
  });

  describe('creating payments', () => {
    it('given a card payment with capture true, when created, then pending with amount as a string, the sandbox confirmation_url, metadata kept', async () => {
      const res = await create(cardPayment());
      assert.equal(res.status, 200);
      const p = res.body;
      assert.equal(p.id.length, 36);
      assert.equal(p.status, 'pending');
      assert.equal(p.paid, false);
      assert.deepEqual(p.amount, { value: '1499.00', currency: 'RUB' });
      assert.deepEqual(p.metadata, { order_id: 'ord_1', transaction_id: 'tx_1' });
      assert.deepEqual(p.confirmation, { type: 'redirect', return_url: 'https://shop.example/return?tx=tx_1', confirmation_url: `${sandbox.url}/pay/yookassa/${p.id}` });
      const fetched = await yookassa.call('GET', `/payments/${p.id}`);
      assert.deepEqual(fetched.body, p);
    });

    it('given an SBP payment with confirmation qr, when created, then confirmation_data is an NSPK-shaped payload (type 02, sum in kopecks)', async () => {
      const res = await create({ amount: { value: '1499.00', currency: 'RUB' }, capture: true, payment_method_data: { type: 'sbp' }, confirmation: { type: 'qr' } });
      assert.equal(res.status, 200);
      assert.equal(res.body.confirmation.type, 'qr');
      assert.match(res.body.confirmation.confirmation_data, new RegExp(`^${sandbox.url}/sbp/qr/[A-Z0-9]{32}\\?type=02&bank=100000000001&sum=149900&cur=RUB$`));
      assert.deepEqual(res.body.payment_method, { type: 'sbp', id: res.body.id, saved: false, status: 'inactive' });
    });

    it('given an embedded confirmation and SberPay / T-Pay methods, when created, then a confirmation_token and the method are returned', async () => {
      const embedded = await create(cardPayment({ confirmation: { type: 'embedded' } }));
      assert.match(embedded.body.confirmation.confirmation_token, /^ct-/);
      for (const type of ['sberbank', 'tinkoff_bank', 'bank_card']) {
        const res = await create(cardPayment({ payment_method_data: { type } }));
        assert.equal(res.status, 200);
        assert.equal(res.body.payment_method.type, type);
      }
    });

    const invalid: [string, Record<string, unknown>, string][] = [
      ['an amount as a number', { amount: { value: 1499, currency: 'RUB' } }, 'amount.value'],
      ['a zero amount', { amount: { value: '0.00', currency: 'RUB' } }, 'amount.value'],
      ['another currency', { amount: { value: '10.00', currency: 'USD' } }, 'amount.currency'],
      ['a description over 128 characters', { description: 'x'.repeat(129) }, 'description'],
      ['no confirmation', { confirmation: undefined }, 'confirmation'],
      ['a redirect without return_url', { confirmation: { type: 'redirect' } }, 'confirmation.return_url'],
      ['an unknown method', { payment_method_data: { type: 'cash' } }, 'payment_method_data.type'],
      ['card data', { payment_method_data: { type: 'bank_card', card: { number: '5555555555554444' } } }, 'payment_method_data.card'],
      ['a two-stage SBP payment', { capture: false, payment_method_data: { type: 'sbp' } }, 'capture'],
      ['a metadata value that is not a string', { metadata: { order_id: 5 } }, 'metadata.order_id'],
      [
        'receipt items adding up to another sum (line totals sent as unit prices)',
        { receipt: { customer: { email: 'u@example.com' }, items: [{ description: 'Игра', quantity: 2, amount: { value: '1499.00', currency: 'RUB' }, vat_code: 11 }] } },
        'receipt',
      ],
    ];
    for (const [what, change, parameter] of invalid) {
      it(`given ${what}, when created, then 400 invalid_request with parameter ${parameter}`, async () => {
        const res = await create(cardPayment(change));
        assert.equal(res.status, 400);
        assert.deepEqual([res.body.type, res.body.code, res.body.parameter], ['error', 'invalid_request', parameter]);
        assert.equal(typeof res.body.id, 'string');
        assert.equal(typeof res.body.description, 'string');
      });
    }

    it('given a receipt whose unit price × quantity is the amount, when created, then accepted', async () => {
      const receipt = { customer: { email: 'u@example.com' }, items: [{ description: 'Игра X — ключ', quantity: 2, amount: { value: '749.50', currency: 'RUB' }, vat_code: 11, payment_mode: 'full_payment', payment_subject: 'intellectual_activity', measure: 'piece' }] };
      const res = await create(cardPayment({ receipt }));
      assert.equal(res.status, 200);
      assert.equal(res.body.receipt_registration, 'pending');
    });

    it('given an unknown payment id, when fetched, then 404 not_found', async () => {
      const res = await yookassa.call('GET', '/payments/00000000-000f-5000-8000-000000000000');
      assert.equal(res.status, 404);
      assert.equal(res.body.code, 'not_found');
    });
  });

  describe('paying, declining, capture and cancel', () => {
    it('given capture true, when the buyer pays, then succeeded and payment.succeeded reaches the shop with the payment as GET shows it', async () => {
      const { body: created } = await create(cardPayment());
      await sandbox.pay('yookassa', created.id);
      const { body: paid } = await yookassa.call('GET', `/payments/${created.id}`);
      assert.deepEqual([paid.status, paid.paid, paid.refundable], ['succeeded', true, true]);
      assert.equal(paid.confirmation, undefined);
      assert.equal(paid.payment_method.card.last4, '4444');
      const note = shop.received.find((n) => (n.body.object as { id: string }).id === created.id)!;
      assert.equal(note.path, '/webhooks/yookassa');
      assert.deepEqual(note.body, { type: 'notification', event: 'payment.succeeded', object: paid });
    });

    it('given capture false, when paid, then waiting_for_capture (webhook); cancel then gives canceled by the merchant', async () => {
      const { body: created } = await create(cardPayment({ capture: false }));
      const early = await yookassa.call('POST', `/payments/${created.id}/cancel`, { key: key() });
      assert.equal(early.status, 400, 'a pending payment cannot be cancelled');
      assert.equal(early.body.code, 'invalid_request');
      await sandbox.pay('yookassa', created.id);
      const { body: waiting } = await yookassa.call('GET', `/payments/${created.id}`);
      assert.deepEqual([waiting.status, waiting.paid], ['waiting_for_capture', true]);
      assert.ok(waiting.expires_at);
      const cancelKey = key();
      const cancelled = await yookassa.call('POST', `/payments/${created.id}/cancel`, { key: cancelKey });
      assert.equal(cancelled.status, 200);
      assert.deepEqual([cancelled.body.status, cancelled.body.cancellation_details], ['canceled', { party: 'merchant', reason: 'canceled_by_merchant' }]);
      const replayed = await yookassa.call('POST', `/payments/${created.id}/cancel`, { key: cancelKey });
      assert.deepEqual(replayed.body, cancelled.body);
      assert.equal((await yookassa.call('POST', `/payments/${created.id}/cancel`, { key: key() })).status, 400, 'a canceled payment cannot be cancelled again');
      assert.deepEqual(eventsFor(created.id), ['payment.waiting_for_capture', 'payment.canceled']);
    });

    it('given capture false and paid, when captured with a body, then succeeded; without a body, then 400', async () => {
      const { body: created } = await create(cardPayment({ capture: false }));
      await sandbox.pay('yookassa', created.id);
      assert.equal((await yookassa.call('POST', `/payments/${created.id}/capture`, { key: key() })).status, 400);
      const captured = await yookassa.call('POST', `/payments/${created.id}/capture`, { key: key(), body: {} });
      assert.equal(captured.status, 200);
      assert.equal(captured.body.status, 'succeeded');
      assert.ok(captured.body.captured_at);
    });

    it('given a pending payment, when the buyer declines, then canceled by the payment network (general_decline) and payment.canceled', async () => {
      const { body: created } = await create(cardPayment());
      await sandbox.decline('yookassa', created.id);
      const { body } = await yookassa.call('GET', `/payments/${created.id}`);
      assert.deepEqual([body.status, body.paid, body.cancellation_details], ['canceled', false, { party: 'payment_network', reason: 'general_decline' }]);
      assert.deepEqual(eventsFor(created.id), ['payment.canceled']);
      await assert.rejects(sandbox.pay('yookassa', created.id), /no longer be paid/);
    });

    it('given a pending payment, when the TTL passes unpaid, then canceled expired_on_confirmation and payment.canceled is sent', async () => {
      const { body: created } = await create(cardPayment());
      clock = new Date(clock.getTime() + 60 * 60 * 1000);
      const { body } = await yookassa.call('GET', `/payments/${created.id}`);
      assert.deepEqual([body.status, body.cancellation_details], ['canceled', { party: 'yoo_money', reason: 'expired_on_confirmation' }]);
      await eventually(async () => eventsFor(created.id).includes('payment.canceled'));
    });
  });

  describe('refunds', () => {
    it('given a succeeded payment, when refunded in two parts, then refunded_amount grows, refund.succeeded is sent, and more than is left is refused', async () => {
      const { body: created } = await create(cardPayment());
      await sandbox.pay('yookassa', created.id);
      const refund = await yookassa.call('POST', '/refunds', { key: key(), body: { payment_id: created.id, amount: { value: '499.00', currency: 'RUB' }, description: 'Возврат' } });
      assert.equal(refund.status, 200);
      assert.deepEqual([refund.body.payment_id, refund.body.status, refund.body.amount], [created.id, 'succeeded', { value: '499.00', currency: 'RUB' }]);
      assert.deepEqual((await yookassa.call('GET', `/refunds/${refund.body.id}`)).body, refund.body);
      assert.deepEqual((await yookassa.call('GET', `/payments/${created.id}`)).body.refunded_amount, { value: '499.00', currency: 'RUB' });
      const tooMuch = await yookassa.call('POST', '/refunds', { key: key(), body: { payment_id: created.id, amount: { value: '1000.01', currency: 'RUB' } } });
      assert.deepEqual([tooMuch.status, tooMuch.body.parameter], [400, 'amount.value']);
      await yookassa.call('POST', '/refunds', { key: key(), body: { payment_id: created.id, amount: { value: '1000.00', currency: 'RUB' } } });
      const { body: after } = await yookassa.call('GET', `/payments/${created.id}`);
      assert.deepEqual([after.status, after.refundable, after.refunded_amount.value], ['succeeded', false, '1499.00']);
      assert.deepEqual(shop.received.filter((n) => n.body.event === 'refund.succeeded' && (n.body.object as { payment_id: string }).payment_id === created.id).length, 2);
    });

    it('given a pending payment, when a refund is asked, then 400', async () => {
      const { body: created } = await create(cardPayment());
      const res = await yookassa.call('POST', '/refunds', { key: key(), body: { payment_id: created.id, amount: { value: '1.00', currency: 'RUB' } } });
      assert.deepEqual([res.status, res.body.code], [400, 'invalid_request']);
    });

    const paidPayment = async (over: Record<string, unknown> = {}) => {
      const { body: created } = await create(cardPayment(over));
      await sandbox.pay('yookassa', created.id);
      return created as { id: string };
    };
    const refundBody = (paymentId: string, value: string, over: Record<string, unknown> = {}) => ({ payment_id: paymentId, amount: { value, currency: 'RUB' }, description: 'Возврат по заказу ord_1', metadata: { refund_id: 'rf_1' }, ...over });
    const refund = (body: unknown, idempotenceKey = key()) => yookassa.call('POST', '/refunds', { body, key: idempotenceKey });
    const refundsAt = (paymentId: string) => sandbox.refunds('yookassa', paymentId).map((r) => [r.amountMinor, r.status]);
    const refundNotes = (paymentId: string) => shop.received.filter((n) => n.body.event === 'refund.succeeded' && (n.body.object as { payment_id: string }).payment_id === paymentId).map((n) => n.body);

    it('given a key already answered, when the same refund comes again (keys in another order), then the same Refund and one refund; with another body, 400 and nothing new', async () => {
      const payment = await paidPayment();
      const k = key();
      const first = await refund(refundBody(payment.id, '100.00'), k);
      assert.equal(first.status, 200);
      const { metadata, amount, ...rest } = refundBody(payment.id, '100.00');
      const again = await refund({ amount, metadata, ...rest }, k);
      assert.deepEqual([again.status, again.body], [200, first.body]);
      const other = await refund(refundBody(payment.id, '200.00'), k);
      assert.deepEqual([other.status, other.body.code, other.body.parameter], [400, 'invalid_request', 'Idempotence-Key']);
      assert.deepEqual(refundsAt(payment.id), [[10000n, 'succeeded']]);
      assert.equal(refundNotes(payment.id).length, 1);
    });

    it('given a POST /refunds without Idempotence-Key, then 400 naming the header and nothing refunded', async () => {
      const payment = await paidPayment();
      const res = await yookassa.call('POST', '/refunds', { body: refundBody(payment.id, '1.00') });
      assert.deepEqual([res.status, res.body.parameter], [400, 'Idempotence-Key']);
      assert.deepEqual(refundsAt(payment.id), []);
    });

    const badRefunds: [string, (paymentId: string) => unknown, string][] = [
      ['no payment_id', () => ({ amount: { value: '1.00', currency: 'RUB' } }), 'payment_id'],
      ['a payment the shop does not have', () => refundBody('00000000-000f-5000-8000-000000000000', '1.00'), 'payment_id'],
      ['no amount', (id) => ({ payment_id: id }), 'amount'],
      ['an amount as a number', (id) => ({ payment_id: id, amount: { value: 100, currency: 'RUB' } }), 'amount.value'],
      ['an amount with a comma', (id) => refundBody(id, '100,00'), 'amount.value'],
      ['a zero amount', (id) => refundBody(id, '0.00'), 'amount.value'],
      ['another currency', (id) => ({ payment_id: id, amount: { value: '1.00', currency: 'USD' } }), 'amount.currency'],
      ['more than the payment', (id) => refundBody(id, '1499.01'), 'amount.value'],
      ['a description over 250 characters', (id) => refundBody(id, '1.00', { description: 'x'.repeat(251) }), 'description'],
      ['a metadata value that is not a string', (id) => refundBody(id, '1.00', { metadata: { refund_id: 7 } }), 'metadata.refund_id'],
      ['a receipt adding up to another sum', (id) => refundBody(id, '1.00', { receipt: { customer: { email: 'u@example.com' }, items: [{ description: 'Игра', quantity: 1, amount: { value: '2.00', currency: 'RUB' }, vat_code: 11 }] } }), 'receipt'],
    ];
    for (const [what, body, parameter] of badRefunds) {
      it(`given a refund with ${what}, then 400 invalid_request with parameter ${parameter} in YooKassa's error shape, and nothing refunded`, async () => {
        const payment = await paidPayment();
        const res = await refund(body(payment.id));
        assert.deepEqual([res.status, res.body.type, res.body.code, res.body.parameter], [400, 'error', 'invalid_request', parameter]);
        assert.equal(typeof res.body.id, 'string');
        assert.equal(typeof res.body.description, 'string');
        assert.deepEqual(refundsAt(payment.id), []);
      });
    }

    it('given a refund with a receipt, then receipt_registration goes with it', async () => {
      const payment = await paidPayment();
      const receipt = { customer: { email: 'u@example.com' }, items: [{ description: 'Игра X — ключ', quantity: 1, amount: { value: '1499.00', currency: 'RUB' }, vat_code: 11, payment_mode: 'full_payment', payment_subject: 'intellectual_activity', measure: 'piece' }] };
      const res = await refund(refundBody(payment.id, '1499.00', { receipt }));
      assert.deepEqual([res.status, res.body.status, res.body.receipt_registration], [200, 'succeeded', 'succeeded']);
    });

    it('given a pending fault (over POST /sandbox/faults), then the refund is pending and holds its part; refund.succeeded and refunded_amount come when it is decided', async () => {
      const payment = await paidPayment();
      const injected = await fetch(`${sandbox.url}/sandbox/faults`, { method: 'POST', body: JSON.stringify({ provider: 'yookassa', operation: 'refund', kind: 'pending', pendingMs: 60_000 }) });
      assert.equal(injected.status, 204);
      const held = await refund(refundBody(payment.id, '1000.00'));
      assert.deepEqual([held.status, held.body.status, held.body.refund_authorization_details], [200, 'pending', undefined]);
      const { body: meanwhile } = await yookassa.call('GET', `/payments/${payment.id}`);
      assert.deepEqual([meanwhile.refunded_amount, meanwhile.refundable], [undefined, true]);
      assert.equal((await refund(refundBody(payment.id, '499.01'))).body.parameter, 'amount.value', 'the pending refund holds its part');
      assert.equal(refundNotes(payment.id).length, 0);
      clock = new Date(clock.getTime() + 60_000);
      const { body: decided } = await yookassa.call('GET', `/refunds/${held.body.id}`);
      assert.deepEqual([decided.status, decided.amount], ['succeeded', { value: '1000.00', currency: 'RUB' }]);
      assert.equal(typeof decided.refund_authorization_details.rrn, 'string');
      assert.deepEqual((await yookassa.call('GET', `/payments/${payment.id}`)).body.refunded_amount, { value: '1000.00', currency: 'RUB' });
      const [note] = await eventually(async () => (refundNotes(payment.id).length === 1 ? refundNotes(payment.id) : undefined));
      assert.deepEqual(note, { type: 'notification', event: 'refund.succeeded', object: decided });
      assert.deepEqual(refundsAt(payment.id), [[100000n, 'succeeded']]);
    });

    it('given a canceled fault, then the refund is canceled (cancellation_details from the OpenAPI reasons), nothing is refunded, no notification, and the amount is free again', async () => {
      const payment = await paidPayment();
      sandbox.injectFault({ provider: 'yookassa', operation: 'refund', kind: 'canceled', reason: 'rejected_by_payee' });
      const res = await refund(refundBody(payment.id, '1499.00'));
      assert.deepEqual([res.status, res.body.status, res.body.cancellation_details], [200, 'canceled', { party: 'refund_network', reason: 'rejected_by_payee' }]);
      sandbox.injectFault({ provider: 'yookassa', operation: 'refund', kind: 'canceled', reason: 'insufficient_funds', pendingMs: 1000 });
      const later = await refund(refundBody(payment.id, '1.00'));
      assert.equal(later.body.status, 'pending');
      clock = new Date(clock.getTime() + 1000);
      assert.deepEqual((await yookassa.call('GET', `/refunds/${later.body.id}`)).body.cancellation_details, { party: 'yoo_money', reason: 'insufficient_funds' });
      assert.equal((await yookassa.call('GET', `/payments/${payment.id}`)).body.refunded_amount, undefined);
      assert.equal((await refund(refundBody(payment.id, '1499.00'))).body.status, 'succeeded');
      assert.deepEqual(refundsAt(payment.id), [[149900n, 'canceled'], [100n, 'canceled'], [149900n, 'succeeded']]);
      assert.equal(refundNotes(payment.id).length, 1);
    });

    it('given an http500 fault on the refund, then 500 and nothing refunded; the same key then refunds once', async () => {
      const payment = await paidPayment();
      sandbox.injectFault({ provider: 'yookassa', operation: 'refund', kind: 'http500' });
      const k = key();
      assert.equal((await refund(refundBody(payment.id, '1.00'), k)).status, 500);
      assert.deepEqual(refundsAt(payment.id), []);
      assert.equal((await refund(refundBody(payment.id, '1.00'), k)).status, 200);
      assert.equal((await refund(refundBody(payment.id, '1.00'), k)).status, 200);
      assert.deepEqual(refundsAt(payment.id), [[100n, 'succeeded']]);
    });

    it('given a timeout fault on the refund, when the client gives up, then it was refunded anyway and the same key returns that refund (one)', async () => {
      const payment = await paidPayment();
      sandbox.injectFault({ provider: 'yookassa', operation: 'refund', kind: 'timeout' });
      const k = key();
      await assert.rejects(yookassa.call('POST', '/refunds', { body: refundBody(payment.id, '1.00'), key: k, signal: AbortSignal.timeout(300) }), /abort|timeout/i);
      assert.deepEqual(refundsAt(payment.id), [[100n, 'succeeded']], 'made while the answer was held back');
      const again = await refund(refundBody(payment.id, '1.00'), k);
      assert.deepEqual([again.status, again.body.id], [200, sandbox.refunds('yookassa', payment.id)[0]!.id]);
      assert.equal(sandbox.refunds('yookassa', payment.id).length, 1);
    }).timeout(60_000);

    it('given an unknown refund id, when fetched, then 404 not_found; an http500 fault on getRefund answers 500 once', async () => {
      const missing = await yookassa.call('GET', '/refunds/00000000-0015-5000-a000-000000000000');
      assert.deepEqual([missing.status, missing.body.code], [404, 'not_found']);
      const payment = await paidPayment();
      const { body: made } = await refund(refundBody(payment.id, '1.00'));
      sandbox.injectFault({ provider: 'yookassa', operation: 'getRefund', kind: 'http500' });
      assert.equal((await yookassa.call('GET', `/refunds/${made.id}`)).status, 500);
      assert.equal((await yookassa.call('GET', `/refunds/${made.id}`)).status, 200);
    });

    it('given refunds, when GET /sandbox/yookassa/payments/{id}/refunds, then each once with its amount, status and our refund id; an unknown payment is 404', async () => {
      const payment = await paidPayment();
      const { body: made } = await refund(refundBody(payment.id, '12.34', { metadata: { refund_id: 'rf_control' } }));
      const res = await fetch(`${sandbox.url}/sandbox/yookassa/payments/${payment.id}/refunds`);
      assert.deepEqual(await res.json(), [{ id: made.id, paymentId: payment.id, status: 'succeeded', amountMinor: '1234', refundId: 'rf_control', createdAt: made.created_at }]);
      assert.equal((await fetch(`${sandbox.url}/sandbox/yookassa/payments/nope/refunds`)).status, 404);
    });

    it('given refunds of two payments, when GET /refunds by payment_id (and status, limit, cursor), then that payment\'s refunds newest first, page by page; bad filters are 400', async () => {
      const payment = await paidPayment();
      const other = await paidPayment();
      const made = [];
      for (const value of ['1.00', '2.00', '3.00']) made.push((await refund(refundBody(payment.id, value))).body);
      await refund(refundBody(other.id, '9.00'));
      const list = await yookassa.call('GET', `/refunds?payment_id=${payment.id}`);
      assert.deepEqual([list.status, list.body.type, list.body.items.map((r: { id: string }) => r.id), list.body.next_cursor], [200, 'list', made.map((r) => r.id).reverse(), undefined]);
      const firstPage = (await yookassa.call('GET', `/refunds?payment_id=${payment.id}&limit=2`)).body;
      assert.equal(firstPage.items.length, 2);
      const secondPage = (await yookassa.call('GET', `/refunds?payment_id=${payment.id}&limit=2&cursor=${firstPage.next_cursor}`)).body;
      assert.deepEqual([secondPage.items.map((r: { id: string }) => r.id), secondPage.next_cursor], [[made[0].id], undefined]);
      assert.deepEqual((await yookassa.call('GET', `/refunds?payment_id=${payment.id}&status=canceled`)).body.items, []);
      for (const query of ['limit=0', 'limit=101', 'status=refunded', 'cursor=not-a-cursor']) {
        const bad = await yookassa.call('GET', `/refunds?payment_id=${payment.id}&${query}`);
        assert.deepEqual([bad.status, bad.body.code], [400, 'invalid_request'], query);
      }
    });

    it('given a malformed refund fault, when posted, then 400 with the reason', async () => {
      for (const fault of [{ provider: 'yookassa', operation: 'create', kind: 'pending' }, { provider: 'yookassa', operation: 'refund', kind: 'canceled', reason: 'bored' }, { provider: 'yookassa', operation: 'refund', kind: 'pending', pendingMs: -1 }]) {
        const res = await fetch(`${sandbox.url}/sandbox/faults`, { method: 'POST', body: JSON.stringify(fault) });
        assert.equal(res.status, 400, JSON.stringify(fault));
      }
    });
  });

  describe('webhook delivery', () => {
    it('given a shop answering 500 twice, when a payment succeeds, then the notification is redelivered until HTTP 200', async () => {
      const { body: created } = await create(cardPayment());
      let failures = 2;
      shop.reply = (_, body) => ((body.object as { id: string }).id === created.id && failures-- > 0 ? { status: 500, body: 'busy' } : { status: 200, body: '' });
      await sandbox.pay('yookassa', created.id);
      await eventually(async () => sandbox.deliveries().filter((d) => (d.body as { object: { id: string } }).object.id === created.id && d.status === 200).length === 1);
      const tries = sandbox.deliveries().filter((d) => (d.body as { object: { id: string } }).object.id === created.id);
      assert.deepEqual(tries.map((d) => d.status), [500, 500, 200]);
      assert.deepEqual(tries.map((d) => d.reply), ['busy', 'busy', '']);
    });

    it('given a delivered notification, when redelivered 3 times, then the shop gets the same body 3 more times', async () => {
      const { body: created } = await create(cardPayment());
      await sandbox.pay('yookassa', created.id);
      await sandbox.redeliver('yookassa', created.id, 3);
      const bodies = shop.received.filter((n) => (n.body.object as { id: string }).id === created.id).map((n) => n.body);
      assert.equal(bodies.length, 4);
      for (const body of bodies) assert.deepEqual(body, bodies[0]);
    });
  });

  describe('faults on demand', () => {
    it('given an http500 fault on create, when created, then 500 and nothing made; the same key again creates the payment once', async () => {
      sandbox.injectFault({ provider: 'yookassa', operation: 'create', kind: 'http500' });
      const k = key();
      const before = sandbox.payments('yookassa').length;
      const failed = await create(cardPayment(), k);
      assert.deepEqual([failed.status, failed.body.type, failed.body.code], [500, 'error', 'internal_server_error']);
      assert.equal(sandbox.payments('yookassa').length, before);
      const ok = await create(cardPayment(), k);
      assert.equal(ok.status, 200);
      assert.deepEqual((await create(cardPayment(), k)).body, ok.body);
      assert.equal(sandbox.payments('yookassa').length, before + 1);
    });

    it('given an http202 fault (over POST /sandbox/faults), when created, then 202 with retry_after; the repeat succeeds', async () => {
      const injected = await fetch(`${sandbox.url}/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'yookassa', operation: 'create', kind: 'http202', retryAfterMs: 250 }) });
      assert.equal(injected.status, 204);
      const k = key();
      const accepted = await create(cardPayment(), k);
      assert.deepEqual([accepted.status, accepted.body.type, accepted.body.retry_after], [202, 'error', 250]);
      assert.equal((await create(cardPayment(), k)).status, 200);
    });

    it('given a timeout fault, when the client gives up, then the payment was made anyway and the same key returns it (one payment)', async () => {
      sandbox.injectFault({ provider: 'yookassa', operation: 'create', kind: 'timeout' });
      const k = key();
      const before = sandbox.payments('yookassa').length;
      await assert.rejects(yookassa.call('POST', '/payments', { body: cardPayment(), key: k, signal: AbortSignal.timeout(300) }), /abort|timeout/i);
      assert.equal(sandbox.payments('yookassa').length, before + 1, 'made while the answer was held back');
      const again = await create(cardPayment(), k);
      assert.equal(again.status, 200);
      assert.equal(sandbox.payments('yookassa').length, before + 1);
    }).timeout(60_000);

    it('given an http500 fault on get with times 2, when fetched three times, then exactly two calls fail', async () => {
      const { body: created } = await create(cardPayment());
      sandbox.injectFault({ provider: 'yookassa', operation: 'get', kind: 'http500', times: 2 });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await yookassa.call('GET', `/payments/${created.id}`)).status);
      assert.deepEqual(statuses, [500, 500, 200]);
    });

    it('given a malformed fault, when posted to /sandbox/faults, then 400 with the reason', async () => {
      const res = await fetch(`${sandbox.url}/sandbox/faults`, { method: 'POST', body: JSON.stringify({ provider: 'yookassa', operation: 'Init', kind: 'http500' }) });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, /operation/);
    });
  });

  describe('shapes against the official OpenAPI document', function () {
    before(function () {
      if (!yookassaOpenApiPresent()) {
        if (process.env.CI) throw new Error(`the YooKassa OpenAPI document is missing at ${YOOKASSA_OPENAPI_PATH}`);
        console.warn(`    (skipped: no YooKassa OpenAPI document at ${YOOKASSA_OPENAPI_PATH}; set YOOKASSA_OPENAPI)`);
        this.skip();
      }
    });

    const assertShape = (name: Parameters<typeof openApiViolations>[0], value: unknown) => assert.deepEqual(openApiViolations(name, value), [], `${name}: ${JSON.stringify(value)}`);

    it('given payments in every status and with every confirmation and method, when read, then each is a documented Payment', async () => {
      const seen: unknown[] = [];
      const variants = [
        cardPayment(),
        cardPayment({ capture: false }),
        cardPayment({ payment_method_data: { type: 'bank_card' }, receipt: { customer: { email: 'u@example.com' }, items: [{ description: 'Игра', quantity: 1, amount: { value: '1499.00', currency: 'RUB' }, vat_code: 11 }] } }),
        { amount: { value: '1499.00', currency: 'RUB' }, capture: true, payment_method_data: { type: 'sbp' }, confirmation: { type: 'qr' } },
        cardPayment({ payment_method_data: { type: 'sberbank' }, confirmation: { type: 'embedded' } }),
        cardPayment({ payment_method_data: { type: 'tinkoff_bank' } }),
      ];
      for (const variant of variants) {
        const { body } = await create(variant);
        seen.push(body);
        await sandbox.pay('yookassa', body.id);
        seen.push((await yookassa.call('GET', `/payments/${body.id}`)).body);
      }
      const { body: declined } = await create(cardPayment());
      await sandbox.decline('yookassa', declined.id);
      seen.push((await yookassa.call('GET', `/payments/${declined.id}`)).body);
      for (const payment of seen) assertShape('Payment', payment);
      const paidCard = seen[1] as Record<string, any>;
      assert.notDeepEqual(openApiViolations('Payment', { ...paidCard, surprise: 1 }), [], 'the check sees an undocumented field');
      assert.notDeepEqual(openApiViolations('Payment', { ...paidCard, payment_method: { ...paidCard.payment_method, card: { last4: '4444' } } }), [], 'and a card without its required fields');
      assert.deepEqual(new Set(seen.map((p) => (p as { status: string }).status)), new Set(['pending', 'succeeded', 'waiting_for_capture', 'canceled']));
    });

    it('given refunds of card and SBP payments — succeeded, pending, canceled, with a receipt — and a refund.succeeded notification, when read, then each is a documented Refund', async () => {
      const seen: unknown[] = [];
      const { body: card } = await create(cardPayment({ payment_method_data: { type: 'bank_card' } }));
      await sandbox.pay('yookassa', card.id);
      const { body: sbp } = await create({ amount: { value: '1499.00', currency: 'RUB' }, capture: true, payment_method_data: { type: 'sbp' }, confirmation: { type: 'qr' } });
      await sandbox.pay('yookassa', sbp.id);
      const receipt = { customer: { email: 'u@example.com' }, items: [{ description: 'Игра', quantity: 1, amount: { value: '100.00', currency: 'RUB' }, vat_code: 11 }] };
      for (const payment of [card, sbp]) {
        seen.push((await yookassa.call('POST', '/refunds', { key: key(), body: { payment_id: payment.id, amount: { value: '100.00', currency: 'RUB' }, description: 'Возврат', receipt, metadata: { refund_id: 'rf_shape' } } })).body);
        sandbox.injectFault({ provider: 'yookassa', operation: 'refund', kind: 'pending', pendingMs: 60_000 });
        seen.push((await yookassa.call('POST', '/refunds', { key: key(), body: { payment_id: payment.id, amount: { value: '1.00', currency: 'RUB' } } })).body);
        sandbox.injectFault({ provider: 'yookassa', operation: 'refund', kind: 'canceled' });
        seen.push((await yookassa.call('POST', '/refunds', { key: key(), body: { payment_id: payment.id, amount: { value: '1.00', currency: 'RUB' } } })).body);
      }
      const note = await eventually(async () => shop.received.find((n) => n.body.event === 'refund.succeeded' && (n.body.object as { payment_id: string }).payment_id === sbp.id));
      seen.push(note.body.object);
      for (const refund of seen) assertShape('Refund', refund);
      assert.deepEqual(seen.map((r) => (r as { status: string }).status), ['succeeded', 'pending', 'canceled', 'succeeded', 'pending', 'canceled', 'succeeded']);
      const sbpRefund = seen[3] as Record<string, any>;
      assert.equal(sbpRefund.refund_method.type, 'sbp');
      assert.equal(typeof sbpRefund.refund_method.sbp_operation_id, 'string', 'required for a succeeded SBP refund');
      assert.equal(typeof (seen[0] as Record<string, any>).refund_authorization_details.rrn, 'string');
      const list = (await yookassa.call('GET', `/refunds?payment_id=${card.id}`)).body;
      assert.deepEqual(openApiViolations('RefundList', { ...list, items: [] }), []);
      for (const item of list.items) assertShape('Refund', item);
      assert.notDeepEqual(openApiViolations('Refund', { ...sbpRefund, status: 'refunded' }), [], 'the check sees an undocumented status');
      assert.notDeepEqual(openApiViolations('Refund', { ...sbpRefund, cancellation_details: { reason: 'bored' } }), [], 'and cancellation_details without its party or with another reason');
    });

    it('given a refund and the error answers, when read, then a documented Refund, BadRequest, InvalidCredentials and NotFound', async () => {
      const { body: created } = await create(cardPayment());
      await sandbox.pay('yookassa', created.id);
      assertShape('Refund', (await yookassa.call('POST', '/refunds', { key: key(), body: { payment_id: created.id, amount: { value: '1.00', currency: 'RUB' }, metadata: { refund_id: 'rf_1' } } })).body);
      assertShape('BadRequest', (await create({ amount: { value: 'x', currency: 'RUB' } })).body);
      assertShape('InvalidCredentials', (await yookassa.call('GET', `/payments/${created.id}`, { auth: 'Basic eDp5' })).body);
      assertShape('NotFound', (await yookassa.call('GET', '/payments/nope')).body);
    });
  });
});
