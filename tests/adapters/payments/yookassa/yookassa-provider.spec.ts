import assert from 'node:assert/strict';
import { formatRubles, parseRubles } from '../../../../adapters/payments/yookassa/yookassa-client.js';
import { YooKassaProvider } from '../../../../adapters/payments/yookassa/yookassa-provider.js';
import { ProviderRefusal, ProviderUnavailable, type CreatePaymentRequest } from '../../../../commands/game-store/ports/payment-provider.js';
import { aCreatePaymentRequest } from '../create-payment-request.js';
import { scriptedFetch, type RecordedRequest, type ScriptedAnswer } from './scripted-fetch.js';

// The request and response shapes below follow DOMAIN-FACTS B 1 and the official OpenAPI
// document (CreatePaymentRequest, Payment, ReceiptDataItem, Error); the fidelity against a
// server is the contract suite's (tests/adapters/payments/payment-provider.contract.ts).

const request = (overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest =>
  aCreatePaymentRequest({ notificationUrl: 'https://api.example/webhooks/yookassa', expiresAt: new Date('2026-05-01T12:00:00Z'), ...overrides });

const payment = (fields: Record<string, unknown> = {}) => ({
  id: '2f0a1b2c-000f-5000-a000-000000000009',
  status: 'pending',
  paid: false,
  amount: { value: '1499.00', currency: 'RUB' },
  confirmation: { type: 'redirect', confirmation_url: 'https://yoomoney.ru/api-pages/v2/payment-confirm/epl?orderId=2f0a1b2c-000f-5000-a000-000000000009' },
  created_at: '2026-05-01T11:00:00.000Z',
  metadata: { order_id: 'ord_01HZY3', transaction_id: 'tx_01HZY3' },
  recipient: { account_id: '100500', gateway_id: '100700' },
  refundable: false,
  test: true,
  ...fields,
});

function providerWith(answer: (request: RecordedRequest, index: number) => ScriptedAnswer, retries = 3) {
  const { fetch, requests } = scriptedFetch(answer);
  const sleeps: number[] = [];
  const provider = new YooKassaProvider({ shopId: '100500', secretKey: 'test_secret', apiUrl: 'https://api.yookassa.test/v3/', retries, retryMs: 100, fetch, sleep: async (ms) => void sleeps.push(ms) });
  return { provider, requests, sleeps };
}

describe('YooKassa adapter (v3, against a scripted server)', () => {
  describe('amounts', () => {
    it('given kopecks, then the decimal string has two decimals, integer arithmetic only, and parses back', () => {
      assert.equal(formatRubles(149900n), '1499.00');
      assert.equal(formatRubles(5n), '0.05');
      assert.equal(formatRubles(123456789012345n), '1234567890123.45');
      assert.equal(parseRubles('1499.00'), 149900n);
      assert.equal(parseRubles('0.5'), 50n);
      assert.equal(parseRubles('10'), 1000n);
      assert.equal(parseRubles('1e3'), undefined);
      assert.equal(parseRubles(1499), undefined);
    });
  });

  describe('createPayment', () => {
    it('given a card payment, when created, then one POST /payments with Basic auth, a key derived from the transaction, capture true, a redirect to the success URL and our ids in metadata; the next step is the confirmation URL', async () => {
      const { provider, requests } = providerWith(() => ({ status: 200, json: payment() }));
      const created = await provider.createPayment(request());
      assert.equal(requests.length, 1);
      const [sent] = requests;
      assert.equal(sent!.url, 'https://api.yookassa.test/v3/payments');
      assert.equal(sent!.method, 'POST');
      assert.equal(sent!.headers.authorization, `Basic ${Buffer.from('100500:test_secret').toString('base64')}`);
      assert.match(sent!.headers['idempotence-key']!, /^[0-9a-zA-Z+\-_.]{1,64}$/);
      assert.deepEqual(sent!.body, {
        amount: { value: '1499.00', currency: 'RUB' },
        capture: true,
        payment_method_data: { type: 'bank_card' },
        confirmation: { type: 'redirect', return_url: 'https://shop.example/return?tx=tx_01HZY3' },
        description: 'Заказ ord_01HZY3',
        metadata: { order_id: 'ord_01HZY3', transaction_id: 'tx_01HZY3' },
      });
      assert.deepEqual(created.next, { kind: 'redirect', url: payment().confirmation.confirmation_url });
      assert.deepEqual(created.state, {
        provider: 'yookassa',
        providerPaymentId: '2f0a1b2c-000f-5000-a000-000000000009',
        transactionId: 'tx_01HZY3',
        status: 'pending',
        providerStatus: 'pending',
        amountMinor: 149900n,
        currency: 'RUB',
      });
    });

    it('given the same transaction twice (a resume after a crash), then both calls carry the same Idempotence-Key; another transaction another one; a long transaction id still gives a valid key', async () => {
      const { provider, requests } = providerWith(() => ({ status: 200, json: payment() }));
      await provider.createPayment(request());
      await provider.createPayment(request({ resume: true }));
      await provider.createPayment(request({ transactionId: 'tx_other' }));
      await provider.createPayment(request({ transactionId: `tx_${'ü'.repeat(80)}` }));
      const keys = requests.map((r) => r.headers['idempotence-key']!);
      assert.equal(keys[0], keys[1]);
      assert.notEqual(keys[0], keys[2]);
      for (const key of keys) assert.match(key, /^[0-9a-zA-Z+\-_.]{1,64}$/);
    });

    it('given each method, then payment_method_data and the confirmation are SBP → sbp + qr (its confirmation_data is the QR payload), SberPay → sberbank + redirect, T-Pay → tinkoff_bank + redirect', async () => {
      const qr = 'https://qr.nspk.ru/AS1000670LSS7DN18SJQDNP4B05KLJL2?type=02&bank=100000000001&sum=149900&cur=RUB';
      const { provider, requests } = providerWith((sent) =>
        (sent.body as { confirmation: { type: string } }).confirmation.type === 'qr'
          ? { status: 200, json: payment({ confirmation: { type: 'qr', confirmation_data: qr } }) }
          : { status: 200, json: payment() },
      );
      const sbp = await provider.createPayment(request({ method: 'sbp' }));
      await provider.createPayment(request({ method: 'sberpay' }));
      await provider.createPayment(request({ method: 'tpay' }));
      assert.deepEqual(sbp.next, { kind: 'qr', payload: qr });
      const shapes = requests.map((r) => {
        const body = r.body as { payment_method_data: { type: string }; confirmation: { type: string } };
        return [body.payment_method_data.type, body.confirmation.type];
      });
      assert.deepEqual(shapes, [['sbp', 'qr'], ['sberbank', 'redirect'], ['tinkoff_bank', 'redirect']]);
    });

    it('given a customer e-mail, then a receipt goes with the unit price per item, the VAT code of the rate, full_payment, the payment subject, pieces and tax system 1; a description over 128 characters is cut', async () => {
      const { provider, requests } = providerWith(() => ({ status: 200, json: payment({ amount: { value: '3998.00', currency: 'RUB' } }) }));
      await provider.createPayment(
        request({
          amountMinor: 399800n,
          description: 'д'.repeat(200),
          receipt: {
            customerEmail: 'buyer@example.com',
            lines: [
              { name: 'Игра X — ключ активации', quantity: 2, unitPriceMinor: 149900n, lineTotalMinor: 299800n, vat: 'vat22', paymentSubject: 'intellectual_activity' },
              { name: 'Дополнение', quantity: 1, unitPriceMinor: 100000n, lineTotalMinor: 100000n, vat: 'none', paymentSubject: 'service' },
            ],
          },
        }),
      );
      const body = requests[0]!.body as Record<string, unknown>;
      assert.equal((body.description as string).length, 128);
      assert.deepEqual(body.receipt, {
        customer: { email: 'buyer@example.com' },
        items: [
          { description: 'Игра X — ключ активации', quantity: 2, amount: { value: '1499.00', currency: 'RUB' }, vat_code: 11, payment_mode: 'full_payment', payment_subject: 'intellectual_activity', measure: 'piece' },
          { description: 'Дополнение', quantity: 1, amount: { value: '1000.00', currency: 'RUB' }, vat_code: 1, payment_mode: 'full_payment', payment_subject: 'service', measure: 'piece' },
        ],
        tax_system_code: 1,
      });
    });

    it('given HTTP 500 twice and then the payment, then the same call (same key, same body) is made three times with doubling waits and the payment is returned', async () => {
      const { provider, requests, sleeps } = providerWith((_, index) => (index < 2 ? { status: 500, json: { type: 'error', id: 'e1', code: 'internal_server_error' } } : { status: 200, json: payment() }));
      const created = await provider.createPayment(request());
      assert.equal(created.state.providerPaymentId, payment().id);
      assert.equal(requests.length, 3);
      assert.equal(new Set(requests.map((r) => r.headers['idempotence-key'])).size, 1);
      assert.equal(new Set(requests.map((r) => JSON.stringify(r.body))).size, 1);
      assert.deepEqual(sleeps, [100, 200]);
    });

    it('given a 202 with retry_after, then the wait is retry_after (capped) and the same key is sent again', async () => {
      const { provider, requests, sleeps } = providerWith((_, index) =>
        index === 0 ? { status: 202, json: { type: 'error', id: 'e2', code: 'processing', retry_after: 1800 } } : index === 1 ? { status: 202, json: { type: 'error', retry_after: 3_600_000 } } : { status: 200, json: payment() },
      );
      await provider.createPayment(request());
      assert.deepEqual(sleeps, [1800, 10_000]);
      assert.equal(new Set(requests.map((r) => r.headers['idempotence-key'])).size, 1);
    });

    it('given timeouts and refused connections past the retries, then ProviderUnavailable (the outcome is unknown)', async () => {
      const { provider, requests } = providerWith((_, index) => (index % 2 === 0 ? 'timeout' : 'network-error'), 2);
      await assert.rejects(provider.createPayment(request()), (error: unknown) => error instanceof ProviderUnavailable && error.provider === 'yookassa');
      assert.equal(requests.length, 3);
    });

    it('given a 400 error body, then ProviderRefusal with its code, at once and never repeated; the message names no secret', async () => {
      const { provider, requests } = providerWith(() => ({ status: 400, json: { type: 'error', id: 'e3', code: 'invalid_request', description: 'Invalid amount', parameter: 'amount.value' } }));
      await assert.rejects(provider.createPayment(request()), (error: unknown) => error instanceof ProviderRefusal && error.code === 'invalid_request' && !error.message.includes('test_secret'));
      assert.equal(requests.length, 1);
    });

    it('given a currency other than RUB, then ProviderRefusal without a call', async () => {
      const { provider, requests } = providerWith(() => ({ status: 200, json: payment() }));
      await assert.rejects(provider.createPayment(request({ currency: 'USD' as 'RUB' })), ProviderRefusal);
      assert.equal(requests.length, 0);
    });
  });

  describe('status normalization', () => {
    const cases: [Record<string, unknown>, string, string | undefined][] = [
      [{ status: 'pending' }, 'pending', undefined],
      [{ status: 'waiting_for_capture' }, 'pending', undefined],
      [{ status: 'succeeded', paid: true }, 'succeeded', undefined],
      [{ status: 'succeeded', refunded_amount: { value: '100.00', currency: 'RUB' } }, 'succeeded', undefined],
      [{ status: 'succeeded', refunded_amount: { value: '1499.00', currency: 'RUB' } }, 'refunded', undefined],
      [{ status: 'canceled', cancellation_details: { party: 'merchant', reason: 'canceled_by_merchant' } }, 'cancelled', 'canceled_by_merchant'],
      [{ status: 'canceled', cancellation_details: { party: 'yoo_money', reason: 'expired_on_confirmation' } }, 'cancelled', 'expired_on_confirmation'],
      [{ status: 'canceled', cancellation_details: { party: 'yoo_money', reason: 'expired_on_capture' } }, 'cancelled', 'expired_on_capture'],
      [{ status: 'canceled', cancellation_details: { party: 'payment_network', reason: 'insufficient_funds' } }, 'failed', 'insufficient_funds'],
      [{ status: 'canceled', cancellation_details: { party: 'payment_network', reason: '3d_secure_failed' } }, 'failed', '3d_secure_failed'],
    ];
    for (const [fields, status, reason] of cases) {
      it(`given a payment ${JSON.stringify(fields)}, then it is ${status}${reason ? ` because ${reason}` : ''}`, async () => {
        const { provider, requests } = providerWith(() => ({ status: 200, json: payment(fields) }));
        const state = await provider.fetchPayment('2f0a1b2c-000f-5000-a000-000000000009');
        assert.equal(requests[0]!.method, 'GET');
        assert.equal(requests[0]!.url, 'https://api.yookassa.test/v3/payments/2f0a1b2c-000f-5000-a000-000000000009');
        assert.equal(state.status, status);
        assert.equal(state.providerStatus, fields.status);
        assert.equal(state.reason, reason);
      });
    }

    it('given an answer that is not a Payment, then ProviderUnavailable, never a guess', async () => {
      const { provider } = providerWith(() => ({ status: 200, json: { id: 'x', status: 'succeeded', amount: { value: 'lots', currency: 'RUB' } } }));
      await assert.rejects(provider.fetchPayment('x'), ProviderUnavailable);
    });
  });

  describe('cancelPayment', () => {
    it('given a waiting_for_capture payment, then POST …/cancel with its own key and no body, and the canceled state', async () => {
      const { provider, requests } = providerWith((sent) =>
        sent.method === 'GET' ? { status: 200, json: payment({ status: 'waiting_for_capture' }) } : { status: 200, json: payment({ status: 'canceled', cancellation_details: { party: 'merchant', reason: 'canceled_by_merchant' } }) },
      );
      const state = await provider.cancelPayment('2f0a1b2c-000f-5000-a000-000000000009', 'tx_01HZY3');
      assert.equal(state.status, 'cancelled');
      assert.equal(requests[1]!.url, 'https://api.yookassa.test/v3/payments/2f0a1b2c-000f-5000-a000-000000000009/cancel');
      assert.equal(requests[1]!.body, undefined);
      assert.match(requests[1]!.headers['idempotence-key']!, /^[0-9a-zA-Z+\-_.]{1,64}$/);
    });

    it('given a pending payment, then nothing is posted and it is returned as it is', async () => {
      const { provider, requests } = providerWith(() => ({ status: 200, json: payment() }));
      const state = await provider.cancelPayment('2f0a1b2c-000f-5000-a000-000000000009', 'tx_01HZY3');
      assert.equal(state.status, 'pending');
      assert.equal(requests.length, 1);
    });
  });

  describe('refundPayment and fetchRefund', () => {
    const PAYMENT_ID = '2f0a1b2c-000f-5000-a000-000000000009';
    const REFUND_ID = '0b5b6c2e-4c8f-4a57-9d3c-2f1a6e9b7c10';
    const refundRequest = (overrides: Partial<Parameters<YooKassaProvider['refundPayment']>[0]> = {}) => ({
      refundId: REFUND_ID,
      transactionId: 'tx_01HZY3',
      providerPaymentId: PAYMENT_ID,
      amountMinor: 49900n,
      currency: 'RUB' as const,
      description: 'Возврат по заказу ord_01HZY3',
      ...overrides,
    });
    // shaped as the OpenAPI Refund (required: id, payment_id, amount, status, created_at)
    const refund = (fields: Record<string, unknown> = {}) => ({
      id: '21b23b5b-000f-5061-a000-0674e49a8c10',
      payment_id: PAYMENT_ID,
      status: 'succeeded',
      amount: { value: '499.00', currency: 'RUB' },
      created_at: '2026-05-01T12:00:00.000Z',
      description: 'Возврат по заказу ord_01HZY3',
      metadata: { refund_id: REFUND_ID, transaction_id: 'tx_01HZY3' },
      ...fields,
    });

    const emptyList: ScriptedAnswer = { status: 200, json: { type: 'list', items: [] } };
    const isLookUp = (sent: RecordedRequest) => sent.method === 'GET' && sent.url.startsWith('https://api.yookassa.test/v3/refunds?');
    /** YooKassa with no refund of the payment yet (the look-up finds none); POSTs answered by `post`. */
    const withPost = (post: (sent: RecordedRequest, index: number) => ScriptedAnswer, retries = 3) => {
      let posts = 0;
      const subject = providerWith((sent) => (isLookUp(sent) ? emptyList : post(sent, posts++)), retries);
      return { ...subject, posts: () => subject.requests.filter((r) => r.method === 'POST') };
    };

    it('given a refund of 499.00, then the payment\'s refunds are looked up, then one POST /refunds with Basic auth, a key derived from the refund id alone, the amount as a string, our ids in metadata; the Refund as its state', async () => {
      const { provider, requests } = withPost(() => ({ status: 200, json: refund() }));
      const state = await provider.refundPayment(refundRequest());
      assert.deepEqual(requests.map((r) => [r.method, r.url]), [
        ['GET', `https://api.yookassa.test/v3/refunds?payment_id=${PAYMENT_ID}&limit=100`],
        ['POST', 'https://api.yookassa.test/v3/refunds'],
      ]);
      const sent = requests[1]!;
      assert.equal(sent.headers.authorization, `Basic ${Buffer.from('100500:test_secret').toString('base64')}`);
      assert.equal(sent.headers['idempotence-key'], `refund.${REFUND_ID}`);
      assert.deepEqual(sent.body, { payment_id: PAYMENT_ID, amount: { value: '499.00', currency: 'RUB' }, description: 'Возврат по заказу ord_01HZY3', metadata: { refund_id: REFUND_ID, transaction_id: 'tx_01HZY3' } });
      assert.deepEqual(state, { provider: 'yookassa', providerRefundId: '21b23b5b-000f-5061-a000-0674e49a8c10', providerPaymentId: PAYMENT_ID, status: 'succeeded', providerStatus: 'succeeded', amountMinor: 49900n, currency: 'RUB' });
    });

    it('given YooKassa already has our refund (made more than the 24 h a key lives ago), then it is answered as it is now and nothing is posted; other refunds on later pages are read through', async () => {
      const others = (n: number) => Array.from({ length: n }, (_, i) => refund({ id: `21b23b5b-000f-5061-a000-${String(i).padStart(12, '0')}`, metadata: { refund_id: `other-${i}` } }));
      const { provider, requests } = providerWith((sent) =>
        sent.url.includes('cursor=page2') ? { status: 200, json: { type: 'list', items: [...others(3), refund({ status: 'succeeded' })] } } : { status: 200, json: { type: 'list', items: others(100), next_cursor: 'page2' } },
      );
      const state = await provider.refundPayment(refundRequest());
      assert.deepEqual(requests.map((r) => r.method), ['GET', 'GET']);
      assert.match(requests[1]!.url, /[?&]cursor=page2(&|$)/);
      assert.deepEqual([state.providerRefundId, state.status, state.amountMinor], ['21b23b5b-000f-5061-a000-0674e49a8c10', 'succeeded', 49900n]);
    });

    it('given the look-up cannot be made (500s, a 4xx, not a list), then ProviderUnavailable and nothing is posted', async () => {
      for (const answer of [{ status: 500 }, { status: 403, json: { type: 'error', code: 'forbidden' } }, { status: 200, json: refund() }] as ScriptedAnswer[]) {
        const { provider, requests } = providerWith(() => answer, 1);
        await assert.rejects(provider.refundPayment(refundRequest()), ProviderUnavailable, JSON.stringify(answer));
        assert.equal(requests.filter((r) => r.method === 'POST').length, 0);
      }
    });

    it('given the same refund twice, then the same key and body both times; another refund id another key; a long refund id still a valid key of at most 64 characters', async () => {
      const { provider, posts } = withPost(() => ({ status: 200, json: refund() }));
      await provider.refundPayment(refundRequest());
      await provider.refundPayment(refundRequest());
      await provider.refundPayment(refundRequest({ refundId: 'another-refund' }));
      await provider.refundPayment(refundRequest({ refundId: `rf_${'ü'.repeat(80)}` }));
      const keys = posts().map((r) => r.headers['idempotence-key']!);
      assert.equal(keys[0], keys[1]);
      assert.deepEqual(posts()[0]!.body, posts()[1]!.body);
      assert.notEqual(keys[0], keys[2]);
      for (const key of keys) assert.match(key, /^[0-9a-zA-Z+\-_.]{1,64}$/);
    });

    it('given HTTP 500, a 202 with retry_after and a timeout before the Refund, then the same call (same key, same body) is repeated until it answers', async () => {
      const script: ScriptedAnswer[] = [{ status: 500, json: { type: 'error', code: 'internal_server_error' } }, { status: 202, json: { type: 'error', retry_after: 300 } }, 'timeout', { status: 200, json: refund({ status: 'pending' }) }];
      const { provider, posts, sleeps } = withPost((_, index) => script[index]!);
      const state = await provider.refundPayment(refundRequest());
      assert.deepEqual([state.status, state.providerStatus], ['pending', 'pending']);
      assert.equal(posts().length, 4);
      assert.equal(new Set(posts().map((r) => r.headers['idempotence-key'])).size, 1);
      assert.equal(new Set(posts().map((r) => JSON.stringify(r.body))).size, 1);
      assert.deepEqual(sleeps, [100, 300, 400]);
    });

    it('given no answer past the retries, then ProviderUnavailable (the refund may have been made: repeat it with the same refund id)', async () => {
      const { provider, posts } = withPost(() => 'timeout', 2);
      await assert.rejects(provider.refundPayment(refundRequest()), (error: unknown) => error instanceof ProviderUnavailable && error.provider === 'yookassa');
      assert.equal(posts().length, 3);
    });

    it('given more than is left (400 invalid_request on amount.value), then ProviderRefusal with YooKassa\'s code and description, never repeated', async () => {
      const { provider, posts } = withPost(() => ({ status: 400, json: { type: 'error', id: 'e5', code: 'invalid_request', description: 'The refund amount must be at most what is left of the payment', parameter: 'amount.value' } }));
      await assert.rejects(provider.refundPayment(refundRequest()), (error: unknown) => error instanceof ProviderRefusal && error.code === 'invalid_request' && /at most what is left/.test(error.message) && /amount\.value/.test(error.message));
      assert.equal(posts().length, 1);
    });

    it('given a canceled Refund, then failed because of its cancellation_details.reason', async () => {
      const { provider } = withPost(() => ({ status: 200, json: refund({ status: 'canceled', cancellation_details: { party: 'refund_network', reason: 'rejected_by_payee' } }) }));
      const state = await provider.refundPayment(refundRequest());
      assert.deepEqual([state.status, state.providerStatus, state.reason], ['failed', 'canceled', 'rejected_by_payee']);
    });

    it('given a currency other than RUB or no amount, then ProviderRefusal without a call; an empty description is left out', async () => {
      const { provider, requests, posts } = withPost(() => ({ status: 200, json: refund() }));
      await assert.rejects(provider.refundPayment(refundRequest({ currency: 'USD' as 'RUB' })), ProviderRefusal);
      await assert.rejects(provider.refundPayment(refundRequest({ amountMinor: 0n })), ProviderRefusal);
      assert.equal(requests.length, 0);
      await provider.refundPayment(refundRequest({ description: '' }));
      assert.equal('description' in (posts()[0]!.body as object), false);
    });

    it('given an answer that is not a Refund of that payment, then ProviderUnavailable, never a guess', async () => {
      for (const json of [refund({ payment_id: 'another-payment' }), refund({ amount: { value: 'much', currency: 'RUB' } }), refund({ status: undefined }), { type: 'list' }]) {
        const { provider } = withPost(() => ({ status: 200, json }));
        await assert.rejects(provider.refundPayment(refundRequest()), ProviderUnavailable, JSON.stringify(json));
      }
    });

    const refundStatuses: [Record<string, unknown>, string, string | undefined][] = [
      [{ status: 'pending' }, 'pending', undefined],
      [{ status: 'succeeded' }, 'succeeded', undefined],
      [{ status: 'canceled', cancellation_details: { party: 'yoo_money', reason: 'insufficient_funds' } }, 'failed', 'insufficient_funds'],
      [{ status: 'canceled' }, 'failed', 'canceled'],
      [{ status: 'something_new' }, 'pending', undefined],
    ];
    for (const [fields, status, reason] of refundStatuses) {
      it(`given GET /refunds/{id} answers ${JSON.stringify(fields)}, then fetchRefund says ${status}${reason ? ` because ${reason}` : ''}`, async () => {
        const { provider, requests } = providerWith(() => ({ status: 200, json: refund(fields) }));
        const state = await provider.fetchRefund({ providerRefundId: '21b23b5b-000f-5061-a000-0674e49a8c10', providerPaymentId: PAYMENT_ID, refundId: REFUND_ID, amountMinor: 49900n });
        assert.deepEqual([requests[0]!.method, requests[0]!.url, requests[0]!.headers['idempotence-key']], ['GET', 'https://api.yookassa.test/v3/refunds/21b23b5b-000f-5061-a000-0674e49a8c10', undefined]);
        assert.deepEqual([state.status, state.providerStatus, state.reason, state.amountMinor], [status, fields.status, reason, 49900n]);
      });
    }

    it('given GET /refunds/{id} answers 404 or YooKassa is down, then fetchRefund throws ProviderUnavailable (its only error)', async () => {
      const unknown = providerWith(() => ({ status: 404, json: { type: 'error', id: 'e6', code: 'not_found', description: 'Refund not found' } }));
      await assert.rejects(unknown.provider.fetchRefund({ providerRefundId: 'nope', providerPaymentId: PAYMENT_ID, refundId: REFUND_ID, amountMinor: 1n }), (error: unknown) => error instanceof ProviderUnavailable && /not_found/.test(error.message));
      const down = providerWith(() => ({ status: 500 }), 1);
      await assert.rejects(down.provider.fetchRefund({ providerRefundId: 'x', providerPaymentId: PAYMENT_ID, refundId: REFUND_ID, amountMinor: 1n }), ProviderUnavailable);
      assert.equal(down.requests.length, 2);
    });
  });

  describe('verifyNotification', () => {
    const notification = (event: string, object: Record<string, unknown>) => ({ body: { type: 'notification', event, object } });

    it('given payment.succeeded whose payment YooKassa still has pending, then verified with the fetched state (pending), never the body\'s', async () => {
      const { provider, requests } = providerWith(() => ({ status: 200, json: payment() }));
      const verdict = await provider.verifyNotification(notification('payment.succeeded', payment({ status: 'succeeded', paid: true, amount: { value: '1.00', currency: 'RUB' } })));
      assert.equal(verdict.kind, 'verified');
      assert.equal(verdict.kind === 'verified' && verdict.payment.status, 'pending');
      assert.equal(verdict.kind === 'verified' && verdict.payment.amountMinor, 149900n);
      assert.equal(requests[0]!.method, 'GET');
    });

    it('given refund.succeeded (the SDK fixture pair), then ignored without a call: a refund is followed by fetchRefund, and its payment is not news (YooKassa keeps it succeeded)', async () => {
      const { provider, requests } = providerWith(() => ({ status: 200, json: payment({ status: 'succeeded', refunded_amount: { value: '1499.00', currency: 'RUB' } }) }));
      const verdict = await provider.verifyNotification(
        notification('refund.succeeded', { id: '21b23b5b-000f-5061-a000-0674e49a8c10', payment_id: '21b23365-000f-500b-9000-070fa3554403', status: 'succeeded', amount: { value: '2.00', currency: 'RUB' }, created_at: '2017-10-04T19:27:51.407Z' }),
      );
      assert.equal(verdict.kind, 'ignored');
      assert.match(verdict.kind === 'ignored' ? verdict.reason : '', /refund 21b23b5b-000f-5061-a000-0674e49a8c10/);
      assert.equal(requests.length, 0);
    });

    it('given an event about something else, then ignored without a call', async () => {
      const { provider, requests } = providerWith(() => ({ status: 200, json: payment() }));
      assert.equal((await provider.verifyNotification(notification('payout.succeeded', { id: 'po_1' }))).kind, 'ignored');
      assert.equal(requests.length, 0);
    });

    it('given junk, then refused 400 without a call', async () => {
      const { provider, requests } = providerWith(() => ({ status: 200, json: payment() }));
      for (const body of [null, 'hello', [], {}, { type: 'notification', event: 'payment.succeeded' }, { type: 'notification', event: 7, object: { id: 'x' } }, { type: 'other', event: 'payment.succeeded', object: { id: 'x' } }, { type: 'notification', event: 'refund.succeeded', object: { id: 'r' } }]) {
        const verdict = await provider.verifyNotification({ body });
        assert.deepEqual([verdict.kind, verdict.kind === 'refused' && verdict.status], ['refused', 400], JSON.stringify(body));
      }
      assert.equal(requests.length, 0);
    });

    it('given a payment YooKassa does not know (forged), then refused 400; given YooKassa down, then ProviderUnavailable', async () => {
      const unknown = providerWith(() => ({ status: 404, json: { type: 'error', id: 'e4', code: 'not_found', description: 'Payment not found' } }));
      const verdict = await unknown.provider.verifyNotification(notification('payment.succeeded', { id: '2f0a1b2c-000f-5000-a000-00000000dead' }));
      assert.deepEqual([verdict.kind, verdict.kind === 'refused' && verdict.status], ['refused', 400]);
      const down = providerWith(() => ({ status: 500 }), 1);
      await assert.rejects(down.provider.verifyNotification(notification('payment.succeeded', { id: 'x' })), ProviderUnavailable);
    });

    it('answers notifications with 200 and an empty JSON object', () => {
      const { provider } = providerWith(() => ({ status: 200 }));
      assert.deepEqual(provider.notificationReply, { status: 200, contentType: 'application/json', body: '{}' });
    });
  });
});
