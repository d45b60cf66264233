import assert from 'node:assert/strict';
import { TBankProvider } from '../../../../adapters/payments/tbank/tbank-provider.js';
import { tbankToken } from '../../../../adapters/payments/tbank/tbank-token.js';
import { ProviderRefusal, ProviderUnavailable, type CreatePaymentRequest } from '../../../../commands/game-store/ports/payment-provider.js';
import { aCreatePaymentRequest } from '../create-payment-request.js';
import { scriptedFetch, type RecordedRequest, type ScriptedAnswer } from '../yookassa/scripted-fetch.js';

// Shapes per DOMAIN-FACTS B 2.3 (T-Bank EACQ protocol examples); the fidelity against a server
// is the contract suite's (tests/adapters/payments/payment-provider.contract.ts).

const TERMINAL = '1510572937960DEMO';
const PASSWORD = 'test-password';

const request = (overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest =>
  aCreatePaymentRequest({ notificationUrl: 'https://api.example/webhooks/tbank', expiresAt: new Date('2026-05-01T12:00:00.250Z'), ...overrides });

const ok = (fields: Record<string, unknown>): ScriptedAnswer => ({ status: 200, json: { Success: true, ErrorCode: '0', TerminalKey: TERMINAL, ...fields } });
const refused = (code: string, message = 'Неверный статус транзакции'): ScriptedAnswer => ({ status: 200, json: { Success: false, ErrorCode: code, Message: message, Details: '' } });
const methodOf = (sent: RecordedRequest) => sent.url.slice(sent.url.lastIndexOf('/') + 1);

function providerWith(answer: (request: RecordedRequest, index: number) => ScriptedAnswer, retries = 3) {
  const { fetch, requests } = scriptedFetch(answer);
  const sleeps: number[] = [];
  const provider = new TBankProvider({ terminalKey: TERMINAL, password: PASSWORD, apiUrl: 'https://securepay.tbank.test/v2/', retries, retryMs: 100, fetch, sleep: async (ms) => void sleeps.push(ms) });
  return { provider, requests, sleeps, methods: () => requests.map(methodOf) };
}

const init = (fields: Record<string, unknown> = {}) => ok({ Status: 'NEW', PaymentId: '7277900132', OrderId: 'tx_01HZY3', Amount: 149900, PaymentURL: 'https://pay.tbank.test/kwVvZY9L', ...fields });

describe('T-Bank adapter (EACQ v2, against a scripted server)', () => {
  describe('createPayment', () => {
    it('given a card payment, then one signed Init (OrderId = transaction, kopecks, URLs, RedirectDueDate with an offset) and the PaymentURL as the redirect', async () => {
      const { provider, requests } = providerWith(() => init());
      const created = await provider.createPayment(request());
      assert.equal(requests.length, 1);
      const sent = requests[0]!.body as Record<string, unknown>;
      assert.equal(requests[0]!.url, 'https://securepay.tbank.test/v2/Init');
      assert.deepEqual({ ...sent, Token: undefined }, {
        TerminalKey: TERMINAL,
        Amount: 149900,
        OrderId: 'tx_01HZY3',
        Description: 'Заказ ord_01HZY3',
        NotificationURL: 'https://api.example/webhooks/tbank',
        SuccessURL: 'https://shop.example/return?tx=tx_01HZY3',
        FailURL: 'https://shop.example/fail?tx=tx_01HZY3',
        RedirectDueDate: '2026-05-01T12:00:00+00:00',
        Token: undefined,
      });
      assert.equal(sent.Token, tbankToken(sent, PASSWORD));
      assert.equal('Password' in sent, false);
      assert.deepEqual(created, {
        state: { provider: 'tbank', providerPaymentId: '7277900132', transactionId: 'tx_01HZY3', status: 'pending', providerStatus: 'NEW', amountMinor: 149900n, currency: 'RUB' },
        next: { kind: 'redirect', url: 'https://pay.tbank.test/kwVvZY9L' },
      });
    });

    it('given SBP, then Init with DATA {QR:"true"} (outside the Token) and GetQr of the payment; its Data is the QR payload; a numeric PaymentId becomes a string', async () => {
      const payload = 'https://qr.nspk.ru/AS1000670LSS7DN18SJQDNP4B05KLJL2?type=02&bank=100000000001&sum=149900&cur=RUB';
      const { provider, requests, methods } = providerWith((sent) => (methodOf(sent) === 'Init' ? init({ PaymentId: 10063 }) : ok({ OrderId: 'tx_01HZY3', PaymentId: 10063, Data: payload })));
      const created = await provider.createPayment(request({ method: 'sbp' }));
      assert.deepEqual(methods(), ['Init', 'GetQr']);
      const initBody = requests[0]!.body as Record<string, unknown>;
      assert.deepEqual(initBody.DATA, { QR: 'true' });
      assert.equal(initBody.Token, tbankToken({ ...initBody, DATA: undefined }, PASSWORD));
      assert.deepEqual({ ...(requests[1]!.body as object), Token: undefined }, { TerminalKey: TERMINAL, PaymentId: '10063', DataType: 'PAYLOAD', Token: undefined });
      assert.deepEqual(created.next, { kind: 'qr', payload });
      assert.equal(created.state.providerPaymentId, '10063');
    });

    it('given a customer e-mail, then a FFD 1.2 Receipt whose items carry the unit Price and the line total Amount in kopecks', async () => {
      const { provider, requests } = providerWith(() => init());
      await provider.createPayment(
        request({ amountMinor: 299800n, receipt: { customerEmail: 'buyer@example.com', lines: [{ name: 'Игра X', quantity: 2, unitPriceMinor: 149900n, lineTotalMinor: 299800n, vat: 'vat22', paymentSubject: 'intellectual_activity' }] } }),
      );
      assert.deepEqual((requests[0]!.body as Record<string, unknown>).Receipt, {
        FfdVersion: '1.2',
        Taxation: 'osn',
        Email: 'buyer@example.com',
        Items: [{ Name: 'Игра X', Price: 149900, Quantity: 2, Amount: 299800, Tax: 'vat22', PaymentMethod: 'full_payment', PaymentObject: 'intellectual_activity', MeasurementUnit: 'шт' }],
      });
    });

    it('given an Init without an answer (HTTP 500, timeout), then it is NOT repeated: ProviderUnavailable at once', async () => {
      for (const answer of [{ status: 500 }, 'timeout', 'network-error'] as const) {
        const { provider, requests } = providerWith(() => answer);
        await assert.rejects(provider.createPayment(request()), ProviderUnavailable);
        assert.equal(requests.length, 1, String(answer));
      }
    });

    it('given Success:false with an ErrorCode, then ProviderRefusal with that code', async () => {
      const { provider } = providerWith(() => refused('12', 'Неверный RedirectDueDate'));
      await assert.rejects(provider.createPayment(request()), (error: unknown) => error instanceof ProviderRefusal && error.code === '12');
    });

    it('given SberPay or T-Pay, then refused without a call (T-Bank offers card and SBP here)', async () => {
      const { provider, requests } = providerWith(() => init());
      assert.deepEqual(provider.methods, ['bank_card', 'sbp']);
      await assert.rejects(provider.createPayment(request({ method: 'tpay' })), ProviderRefusal);
      assert.equal(requests.length, 0);
    });
  });

  describe('createPayment with resume: true (an Init whose answer was lost)', () => {
    it('given the order has a live NEW payment and a dead one, then CheckOrder, Cancel of the live one (with ExternalRequestId), then a new Init', async () => {
      const { provider, requests, methods } = providerWith((sent) => {
        switch (methodOf(sent)) {
          case 'CheckOrder':
            return ok({ OrderId: 'tx_01HZY3', Payments: [{ PaymentId: 111, Amount: 149900, Status: 'REJECTED', Success: false, ErrorCode: '1051' }, { PaymentId: '222', Amount: 149900, Status: 'NEW', Success: true, ErrorCode: '0' }] });
          case 'Cancel':
            return ok({ OrderId: 'tx_01HZY3', PaymentId: '222', Status: 'CANCELED', OriginalAmount: 149900, NewAmount: 0 });
          default:
            return init({ PaymentId: '333' });
        }
      });
      const created = await provider.createPayment(request({ resume: true }));
      assert.deepEqual(methods(), ['CheckOrder', 'Cancel', 'Init']);
      assert.equal((requests[1]!.body as Record<string, unknown>).PaymentId, '222');
      assert.equal(typeof (requests[1]!.body as Record<string, unknown>).ExternalRequestId, 'string');
      assert.equal(created.state.providerPaymentId, '333');
    });

    it('given the order has a paid payment, then it is returned with no next step and no Init', async () => {
      const { provider, methods } = providerWith(() => ok({ OrderId: 'tx_01HZY3', Payments: [{ PaymentId: 222, Amount: 149900, Status: 'CONFIRMED', Success: true, ErrorCode: '0' }] }));
      const created = await provider.createPayment(request({ resume: true }));
      assert.deepEqual(methods(), ['CheckOrder']);
      assert.equal(created.next, undefined);
      assert.deepEqual([created.state.providerPaymentId, created.state.status], ['222', 'succeeded']);
    });

    it('given a live payment whose Cancel is refused and it is still live, then ProviderUnavailable and no Init (never two live payments)', async () => {
      const { provider, methods } = providerWith((sent) =>
        methodOf(sent) === 'CheckOrder'
          ? ok({ OrderId: 'tx_01HZY3', Payments: [{ PaymentId: '222', Amount: 149900, Status: '3DS_CHECKING' }] })
          : methodOf(sent) === 'Cancel'
            ? refused('8')
            : ok({ OrderId: 'tx_01HZY3', PaymentId: '222', Status: '3DS_CHECKING', Amount: 149900 }),
      );
      await assert.rejects(provider.createPayment(request({ resume: true })), ProviderUnavailable);
      assert.deepEqual(methods(), ['CheckOrder', 'Cancel', 'GetState']);
    });

    it('given CheckOrder without an answer, then it is repeated (a read), and Init is not called while the order is unknown', async () => {
      const { provider, methods } = providerWith(() => ({ status: 503 }), 2);
      await assert.rejects(provider.createPayment(request({ resume: true })), ProviderUnavailable);
      assert.deepEqual(methods(), ['CheckOrder', 'CheckOrder', 'CheckOrder']);
    });
  });

  describe('fetchPayment and status normalization', () => {
    const cases: [string, string][] = [
      ['NEW', 'pending'],
      ['FORM_SHOWED', 'pending'],
      ['AUTHORIZED', 'pending'],
      ['CONFIRMING', 'pending'],
      ['CONFIRMED', 'succeeded'],
      ['PARTIAL_REFUNDED', 'succeeded'],
      ['REFUNDED', 'refunded'],
      ['REJECTED', 'failed'],
      ['AUTH_FAIL', 'failed'],
      ['ATTEMPTS_EXPIRED', 'failed'],
      ['CANCELED', 'cancelled'],
      ['DEADLINE_EXPIRED', 'cancelled'],
      ['REVERSED', 'cancelled'],
    ];
    for (const [providerStatus, status] of cases) {
      it(`given GetState says ${providerStatus}, then ${status}`, async () => {
        const { provider, methods } = providerWith(() => ok({ OrderId: 'tx_01HZY3', PaymentId: '7277900132', Status: providerStatus, Amount: 149900 }));
        const state = await provider.fetchPayment('7277900132');
        assert.deepEqual(methods(), ['GetState']);
        assert.deepEqual([state.status, state.providerStatus, state.transactionId, state.amountMinor], [status, providerStatus, 'tx_01HZY3', 149900n]);
      });
    }

    it('given GetState HTTP 500 then an answer, then it is repeated with a doubling wait', async () => {
      const { provider, sleeps, methods } = providerWith((_, index) => (index < 2 ? { status: 500 } : ok({ OrderId: 'tx', PaymentId: '1', Status: 'NEW', Amount: 100 })));
      assert.equal((await provider.fetchPayment('1')).status, 'pending');
      assert.deepEqual(methods(), ['GetState', 'GetState', 'GetState']);
      assert.deepEqual(sleeps, [100, 200]);
    });
  });

  describe('cancelPayment', () => {
    it('given a NEW payment, then Cancel with an ExternalRequestId derived from the transaction and payment (the same on a repeat), and cancelled', async () => {
      const { provider, requests, methods } = providerWith((sent) =>
        methodOf(sent) === 'GetState' ? ok({ OrderId: 'tx_01HZY3', PaymentId: '222', Status: 'NEW', Amount: 149900 }) : ok({ OrderId: 'tx_01HZY3', PaymentId: '222', Status: 'CANCELED', OriginalAmount: 149900, NewAmount: 0 }),
      );
      const first = await provider.cancelPayment('222', 'tx_01HZY3');
      await provider.cancelPayment('222', 'tx_01HZY3');
      assert.deepEqual(methods(), ['GetState', 'Cancel', 'GetState', 'Cancel']);
      assert.equal(first.status, 'cancelled');
      assert.equal(first.amountMinor, 149900n);
      const ids = requests.filter((r) => methodOf(r) === 'Cancel').map((r) => (r.body as Record<string, unknown>).ExternalRequestId);
      assert.equal(ids[0], ids[1]);
    });

    it('given a CONFIRMED payment, then no Cancel (it would refund it): returned as it is', async () => {
      const { provider, methods } = providerWith(() => ok({ OrderId: 'tx_01HZY3', PaymentId: '222', Status: 'CONFIRMED', Amount: 149900 }));
      assert.equal((await provider.cancelPayment('222', 'tx_01HZY3')).status, 'succeeded');
      assert.deepEqual(methods(), ['GetState']);
    });
  });

  describe('refundPayment and fetchRefund (Cancel with Amount and ExternalRequestId)', () => {
    const REFUND_ID = '0b5b6c2e-4c8f-4a57-9d3c-2f1a6e9b7c10';
    const refundRequest = (overrides: Partial<Parameters<TBankProvider['refundPayment']>[0]> = {}) => ({
      refundId: REFUND_ID,
      transactionId: 'tx_01HZY3',
      providerPaymentId: '7277900132',
      amountMinor: 49900n,
      currency: 'RUB' as const,
      description: 'Возврат по заказу ord_01HZY3',
      ...overrides,
    });
    const cancelled = (fields: Record<string, unknown> = {}) => ok({ OrderId: 'tx_01HZY3', PaymentId: '7277900132', Status: 'PARTIAL_REFUNDED', OriginalAmount: 149900, NewAmount: 100000, ExternalRequestId: REFUND_ID, ...fields });
    const asFetched = { providerRefundId: REFUND_ID, providerPaymentId: '7277900132', refundId: REFUND_ID, amountMinor: 49900n };

    it('given a refund of 499.00, then one signed Cancel with PaymentId, Amount in kopecks and ExternalRequestId = our refund id (all in the Token); our refund id stands for T-Bank\'s', async () => {
      const { provider, requests, methods } = providerWith(() => cancelled());
      const state = await provider.refundPayment(refundRequest());
      assert.deepEqual(methods(), ['Cancel']);
      const sent = requests[0]!.body as Record<string, unknown>;
      assert.deepEqual({ ...sent, Token: undefined }, { TerminalKey: TERMINAL, PaymentId: '7277900132', Amount: 49900, ExternalRequestId: REFUND_ID, Token: undefined });
      assert.equal(sent.Token, tbankToken(sent, PASSWORD));
      assert.notEqual(sent.Token, tbankToken({ ...sent, Amount: 149900 }, PASSWORD), 'Amount is signed');
      assert.deepEqual(state, { provider: 'tbank', providerRefundId: REFUND_ID, providerPaymentId: '7277900132', status: 'succeeded', providerStatus: 'PARTIAL_REFUNDED', amountMinor: 49900n, currency: 'RUB' });
    });

    const outcomes: [string, string, string | undefined][] = [
      ['PARTIAL_REFUNDED', 'succeeded', undefined],
      ['REFUNDED', 'succeeded', undefined],
      ['PARTIAL_REVERSED', 'succeeded', undefined],
      ['REVERSED', 'succeeded', undefined],
      ['REFUNDING', 'pending', undefined],
      ['ASYNC_REFUNDING', 'pending', undefined],
      ['REVERSING', 'pending', undefined],
      ['CONFIRMED', 'pending', undefined],
      ['CANCELED', 'failed', 'CANCELED: the payment was not paid, it was cancelled and nothing was returned'],
    ];
    for (const [providerStatus, status, reason] of outcomes) {
      it(`given Cancel answers ${providerStatus}, then the refund is ${status}`, async () => {
        const { provider } = providerWith(() => cancelled({ Status: providerStatus }));
        const state = await provider.refundPayment(refundRequest());
        assert.deepEqual([state.status, state.providerStatus, state.reason], [status, providerStatus, reason]);
      });
    }

    it('given HTTP 500 and a timeout, then the same Cancel (same ExternalRequestId, same body) is repeated — T-Bank answers a known id without a second refund', async () => {
      const { provider, requests, sleeps } = providerWith((_, index) => (index === 0 ? { status: 500 } : index === 1 ? 'timeout' : cancelled()));
      assert.equal((await provider.refundPayment(refundRequest())).status, 'succeeded');
      assert.equal(requests.length, 3);
      assert.equal(new Set(requests.map((r) => JSON.stringify(r.body))).size, 1);
      assert.deepEqual(sleeps, [100, 200]);
    });

    it('given no answer past the retries, then ProviderUnavailable', async () => {
      const { provider, requests } = providerWith(() => 'timeout', 1);
      await assert.rejects(provider.refundPayment(refundRequest()), ProviderUnavailable);
      assert.equal(requests.length, 2);
    });

    it('given Success:false (more than is left), then ProviderRefusal with the ErrorCode and Message, never repeated', async () => {
      const { provider, requests } = providerWith(() => refused('9999', 'Неверная сумма'));
      await assert.rejects(provider.refundPayment(refundRequest()), (error: unknown) => error instanceof ProviderRefusal && error.code === '9999' && /Неверная сумма/.test(error.message));
      assert.equal(requests.length, 1);
    });

    it('given a currency other than RUB or no amount, then ProviderRefusal without a call', async () => {
      const { provider, requests } = providerWith(() => cancelled());
      await assert.rejects(provider.refundPayment(refundRequest({ currency: 'USD' as 'RUB' })), ProviderRefusal);
      await assert.rejects(provider.refundPayment(refundRequest({ amountMinor: 0n })), ProviderRefusal);
      assert.equal(requests.length, 0);
    });

    it('given fetchRefund, then the same Cancel as the refund (T-Bank answers the operation\'s state), not GetState', async () => {
      const { provider, requests, methods } = providerWith((_, index) => cancelled({ Status: index === 0 ? 'REFUNDING' : 'REFUNDED', NewAmount: 0 }));
      const first = await provider.refundPayment(refundRequest());
      const later = await provider.fetchRefund(asFetched);
      assert.deepEqual(methods(), ['Cancel', 'Cancel']);
      assert.deepEqual(requests[1]!.body, requests[0]!.body);
      assert.deepEqual([first.status, later.status, later.providerStatus, later.providerRefundId, later.amountMinor], ['pending', 'succeeded', 'REFUNDED', REFUND_ID, 49900n]);
    });

    it('given fetchRefund and the repeat is refused (the refund was turned down), then failed with the ErrorCode as the reason — returned, not thrown', async () => {
      const { provider } = providerWith(() => refused('11', 'Невозможно провести операцию'));
      const state = await provider.fetchRefund(asFetched);
      assert.deepEqual([state.status, state.providerStatus, state.providerRefundId], ['failed', 'ErrorCode 11', REFUND_ID]);
      assert.match(state.reason ?? '', /11.*Невозможно провести операцию/);
    });

    it('given fetchRefund and no answer, then ProviderUnavailable', async () => {
      const { provider } = providerWith(() => ({ status: 502 }), 1);
      await assert.rejects(provider.fetchRefund(asFetched), ProviderUnavailable);
    });
  });

  describe('verifyNotification', () => {
    const signed = (fields: Record<string, unknown>, password = PASSWORD) => ({ ...fields, Token: tbankToken(fields, password) });
    const genuine = { TerminalKey: TERMINAL, OrderId: 'tx_01HZY3', Success: true, Status: 'CONFIRMED', PaymentId: 2006896, ErrorCode: '0', Amount: 149900, CardId: 867911, Pan: '430000**0777', ExpDate: '1122' };

    it('given a genuine notification, then verified with the signed body\'s state', async () => {
      const { provider, requests } = providerWith(() => ({ status: 500 }));
      const verdict = await provider.verifyNotification({ body: signed(genuine) });
      assert.deepEqual(verdict, {
        kind: 'verified',
        payment: { provider: 'tbank', providerPaymentId: '2006896', transactionId: 'tx_01HZY3', status: 'succeeded', providerStatus: 'CONFIRMED', amountMinor: 149900n, currency: 'RUB' },
      });
      assert.equal(requests.length, 0);
    });

    it('given a rejected one, then failed with the ErrorCode and Message as the reason', async () => {
      const { provider } = providerWith(() => ({ status: 500 }));
      const verdict = await provider.verifyNotification({ body: signed({ ...genuine, Success: false, Status: 'REJECTED', ErrorCode: '1051', Message: 'Недостаточно средств' }) });
      assert.equal(verdict.kind === 'verified' && verdict.payment.status, 'failed');
      assert.equal(verdict.kind === 'verified' && verdict.payment.reason, '1051: Недостаточно средств');
    });

    it('given a forged Token, a tampered Amount, another password or another terminal, then refused 403', async () => {
      const { provider } = providerWith(() => ({ status: 500 }));
      const forged = [
        { ...genuine, Token: 'f'.repeat(64) },
        { ...signed(genuine), Amount: 100 },
        { ...signed(genuine), Status: 'CONFIRMED', OrderId: 'tx_other' },
        signed(genuine, 'guessed'),
        signed({ ...genuine, TerminalKey: 'OtherTerminalDEMO' }),
      ];
      for (const body of forged) {
        const verdict = await provider.verifyNotification({ body });
        assert.deepEqual([verdict.kind, verdict.kind === 'refused' && verdict.status], ['refused', 403], JSON.stringify(body));
      }
    });

    it('given junk or a signed body without the payment fields, then refused 400', async () => {
      const { provider } = providerWith(() => ({ status: 500 }));
      for (const body of [null, 'OK', [1], {}, { TerminalKey: TERMINAL }, signed({ TerminalKey: TERMINAL, Status: 'CONFIRMED' }), signed({ ...genuine, Amount: '14.99' })]) {
        const verdict = await provider.verifyNotification({ body });
        assert.deepEqual([verdict.kind, verdict.kind === 'refused' && verdict.status], ['refused', 400], JSON.stringify(body));
      }
    });

    it('given refund notifications, then PARTIAL_REFUNDED keeps the payment succeeded (part of it is still paid) and REFUNDED makes it refunded', async () => {
      const { provider } = providerWith(() => ({ status: 500 }));
      const partly = await provider.verifyNotification({ body: signed({ ...genuine, Status: 'PARTIAL_REFUNDED' }) });
      assert.deepEqual(partly.kind === 'verified' && [partly.payment.status, partly.payment.providerStatus, partly.payment.amountMinor], ['succeeded', 'PARTIAL_REFUNDED', 149900n]);
      const wholly = await provider.verifyNotification({ body: signed({ ...genuine, Status: 'REFUNDED' }) });
      assert.deepEqual(wholly.kind === 'verified' && [wholly.payment.status, wholly.payment.providerStatus], ['refunded', 'REFUNDED']);
      const tampered = { ...signed({ ...genuine, Status: 'PARTIAL_REFUNDED' }), Status: 'REFUNDED' };
      assert.deepEqual((await provider.verifyNotification({ body: tampered })).kind, 'refused');
    });

    it('given a signed card-binding notification (LINKCARD), then ignored', async () => {
      const { provider } = providerWith(() => ({ status: 500 }));
      const verdict = await provider.verifyNotification({ body: signed({ TerminalKey: TERMINAL, NotificationType: 'LINKCARD', CustomerKey: 'c1', RequestKey: 'r1', Success: true, Status: 'COMPLETED', ErrorCode: '0' }) });
      assert.equal(verdict.kind, 'ignored');
    });

    it('answers notifications with 200 text/plain OK', () => {
      const { provider } = providerWith(() => ({ status: 500 }));
      assert.deepEqual(provider.notificationReply, { status: 200, contentType: 'text/plain', body: 'OK' });
    });
  });
});
