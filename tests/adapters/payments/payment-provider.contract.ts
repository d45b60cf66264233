import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { PaymentSandbox } from '../../../adapters/payments/sandbox/payment-sandbox.js';
import { tbankToken } from '../../../adapters/payments/tbank/tbank-token.js';
import {
  ProviderRefusal,
  ProviderUnavailable,
  type CreatePaymentRequest,
  type NotificationVerdict,
  type PaymentMethod,
  type PaymentProvider,
  type ProviderName,
  type ProviderRefundState,
  type RefundRequest,
} from '../../../commands/game-store/ports/payment-provider.js';
import { eventually } from '../../support/eventually.js';

/**
 * The PaymentProvider contract, run for each real adapter against the REAL local sandbox
 * (adapters/payments/sandbox, an HTTP server on a free port): what the game store relies on
 * whichever provider it talks to, then each provider's own error modes (YooKassa's 500 / 202 /
 * timeout with the same Idempotence-Key; T-Bank's lost Init answer and `resume`), and refunds
 * (issue 13): whole, in parts, refused, repeated, lost, pending, turned down — each counted at
 * the sandbox (its refunds control), so "never paid back twice" is proven where the money is.
 * The adapters share no protocol code with the sandbox: only the test's own forging of a
 * T-Bank Token below uses the adapter's Token function.
 */
export interface ContractSubject {
  readonly provider: PaymentProvider;
  readonly sandbox: PaymentSandbox;
  /** Where the sandbox's notifications reach the test (T-Bank NotificationURL). */
  readonly notificationBaseUrl: string;
  /** The provider's `retries` (an unknown answer is repeated so often). */
  readonly retries: number;
}

export function paymentProviderContract(name: ProviderName, open: () => Promise<ContractSubject & { stop(): Promise<void> }>): void {
  describe(`${name}: the PaymentProvider contract against the sandbox`, function () {
    let subject: ContractSubject & { stop(): Promise<void> };
    let provider: PaymentProvider;
    let sandbox: PaymentSandbox;

    before(async () => {
      subject = await open();
      provider = subject.provider;
      sandbox = subject.sandbox;
    });
    after(async () => subject?.stop());

    const request = (overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest => {
      const transactionId = randomUUID();
      return {
        transactionId,
        orderId: randomUUID(),
        amountMinor: 149900n,
        currency: 'RUB',
        description: `Заказ: Игра X, ключ активации`,
        method: 'bank_card',
        successUrl: `https://shop.example/payments/${transactionId}/success`,
        failUrl: `https://shop.example/payments/${transactionId}/fail`,
        notificationUrl: `${subject.notificationBaseUrl}/webhooks/${name}`,
        expiresAt: new Date(Date.now() + 30 * 60_000),
        receipt: {
          customerEmail: 'buyer@example.com',
          lines: [{ name: 'Игра X — ключ активации', quantity: 1, unitPriceMinor: 149900n, lineTotalMinor: 149900n, vat: 'vat22', paymentSubject: 'intellectual_activity' }],
        },
        resume: false,
        ...overrides,
      };
    };
    const paymentsOf = (transactionId: string) => sandbox.payments(name).filter((p) => p.transactionId === transactionId);

    /** The sandbox's notification attempts about this payment, once there are `count`. */
    async function deliveriesAbout(providerPaymentId: string, count = 1): Promise<unknown[]> {
      for (let round = 0; round < 500; round++) {
        const bodies = sandbox
          .deliveries()
          .filter((d) => d.provider === name && paymentIdIn(d.body) === providerPaymentId)
          .map((d) => d.body);
        if (bodies.length >= count) return bodies;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.fail(`the sandbox sent no ${name} notification about ${providerPaymentId}`);
    }

    it('given a card payment, when created, then it is pending at the provider with our transaction id and the buyer is redirected to the hosted page', async () => {
      const wanted = request();
      const created = await provider.createPayment(wanted);
      assert.equal(created.next?.kind, 'redirect');
      assert.ok(created.next?.kind === 'redirect' && created.next.url.startsWith(`${sandbox.url}/pay/${name}/`), JSON.stringify(created.next));
      assert.deepEqual([created.state.provider, created.state.status, created.state.transactionId, created.state.amountMinor, created.state.currency], [name, 'pending', wanted.transactionId, 149900n, 'RUB']);
      assert.deepEqual(
        paymentsOf(wanted.transactionId).map((p) => [p.id, p.amountMinor]),
        [[created.state.providerPaymentId, 149900n]],
      );
    });

    it('given an SBP payment, when created, then the next step is a QR payload (the NSPK-shaped link of the sandbox)', async () => {
      const created = await provider.createPayment(request({ method: 'sbp' }));
      assert.equal(created.next?.kind, 'qr');
      assert.ok(created.next?.kind === 'qr' && created.next.payload.startsWith(`${sandbox.url}/sbp/qr/`), JSON.stringify(created.next));
      assert.match(created.next?.kind === 'qr' ? created.next.payload : '', /[?&]sum=149900(&|$)/);
      assert.equal(created.state.status, 'pending');
    });

    it('given a created payment, when fetched, then the provider says pending with its amount and our transaction id', async () => {
      const wanted = request({ amountMinor: 99_50n, receipt: { lines: [] } });
      const created = await provider.createPayment(wanted);
      const fetched = await provider.fetchPayment(created.state.providerPaymentId);
      assert.deepEqual([fetched.providerPaymentId, fetched.status, fetched.amountMinor, fetched.transactionId], [created.state.providerPaymentId, 'pending', 99_50n, wanted.transactionId]);
    });

    it('given the buyer pays on the sandbox, when fetched, then succeeded; and every notification the sandbox sent is verified, the last as succeeded', async () => {
      const created = await provider.createPayment(request());
      await sandbox.pay(name, created.state.providerPaymentId);
      const fetched = await provider.fetchPayment(created.state.providerPaymentId);
      assert.equal(fetched.status, 'succeeded');
      // T-Bank notifies each step (AUTHORIZED, then CONFIRMED); YooKassa payment.succeeded
      let verdicts: NotificationVerdict[] = [];
      for (let count = 1; count < 10 && !verdicts.some((v) => v.kind === 'verified' && v.payment.status === 'succeeded'); count++) {
        verdicts = await Promise.all((await deliveriesAbout(created.state.providerPaymentId, count)).map((body) => provider.verifyNotification({ body })));
      }
      for (const verdict of verdicts) assert.equal(verdict.kind, 'verified', verdict.kind === 'verified' ? '' : verdict.reason);
      const last = verdicts.at(-1)!;
      assert.deepEqual(last.kind === 'verified' && [last.payment.providerPaymentId, last.payment.status, last.payment.amountMinor], [created.state.providerPaymentId, 'succeeded', 149900n]);
    });

    it('given the buyer declines on the sandbox, when fetched, then failed with a reason', async () => {
      const created = await provider.createPayment(request());
      await sandbox.decline(name, created.state.providerPaymentId);
      const fetched = await provider.fetchPayment(created.state.providerPaymentId);
      assert.equal(fetched.status, 'failed');
      assert.ok(fetched.reason !== undefined && fetched.reason !== '');
    });

    it('given junk as a notification, then refused 400 (never thrown)', async () => {
      for (const body of [undefined, null, 'OK', 42, [], {}, { type: 'notification' }, { TerminalKey: 'x' }]) {
        const verdict = await provider.verifyNotification({ body });
        assert.deepEqual(refusal(verdict), ['refused', 400], JSON.stringify(body));
      }
    });

    describe('refunds', () => {
      /** A card payment the buyer paid at the sandbox. */
      async function paidPayment(amountMinor = 149900n): Promise<{ providerPaymentId: string; transactionId: string }> {
        const wanted = request({ amountMinor, receipt: { lines: [] } });
        const created = await provider.createPayment(wanted);
        await sandbox.pay(name, created.state.providerPaymentId);
        assert.equal((await provider.fetchPayment(created.state.providerPaymentId)).status, 'succeeded');
        return { providerPaymentId: created.state.providerPaymentId, transactionId: wanted.transactionId };
      }
      const refundOf = (payment: { providerPaymentId: string; transactionId: string }, amountMinor: bigint, refundId = randomUUID()): RefundRequest => ({
        refundId,
        transactionId: payment.transactionId,
        providerPaymentId: payment.providerPaymentId,
        amountMinor,
        currency: 'RUB',
        description: `Возврат по транзакции ${payment.transactionId}`,
      });
      /** What the sandbox returned of the payment: [amount, our refund id] per refund, once each. */
      const returned = (providerPaymentId: string) => sandbox.refunds(name, providerPaymentId).map((r) => [r.amountMinor, r.refundId]);
      const fetched = (state: ProviderRefundState, refund: RefundRequest) => provider.fetchRefund({ providerRefundId: state.providerRefundId, providerPaymentId: state.providerPaymentId, refundId: refund.refundId, amountMinor: refund.amountMinor });
      const outcomeFault = (kind: 'pending' | 'canceled', pendingMs: number) =>
        sandbox.injectFault(name === 'yookassa' ? { provider: 'yookassa', operation: 'refund', kind, pendingMs } : { provider: 'tbank', operation: 'Cancel', kind, pendingMs });

      it('given a paid payment, when refunded in full, then the refund succeeded, the sandbox returned the amount once, and the payment is refunded', async () => {
        const payment = await paidPayment();
        const refund = refundOf(payment, 149900n);
        const state = await provider.refundPayment(refund);
        assert.deepEqual([state.provider, state.providerPaymentId, state.status, state.amountMinor, state.currency], [name, payment.providerPaymentId, 'succeeded', 149900n, 'RUB']);
        assert.ok(state.providerRefundId !== '');
        if (name === 'tbank') assert.equal(state.providerRefundId, refund.refundId, 'T-Bank has no refund id: ours stands for it');
        assert.deepEqual(returned(payment.providerPaymentId), [[149900n, refund.refundId]]);
        assert.deepEqual(await fetched(state, refund).then((s) => [s.status, s.amountMinor]), ['succeeded', 149900n]);
        const after = await provider.fetchPayment(payment.providerPaymentId);
        assert.deepEqual([after.status, after.amountMinor], ['refunded', 149900n]);
      });

      it('given a paid payment, when refunded in two parts and then the rest, then each succeeded, the payment stays succeeded until the last and its notifications say so', async () => {
        const payment = await paidPayment();
        const parts = [refundOf(payment, 50000n), refundOf(payment, 50000n)];
        for (const part of parts) assert.equal((await provider.refundPayment(part)).status, 'succeeded');
        const between = await provider.fetchPayment(payment.providerPaymentId);
        assert.deepEqual([between.status, between.providerStatus, between.amountMinor], ['succeeded', name === 'tbank' ? 'PARTIAL_REFUNDED' : 'succeeded', 149900n]);
        const rest = refundOf(payment, 49900n);
        assert.equal((await provider.refundPayment(rest)).status, 'succeeded');
        assert.equal((await provider.fetchPayment(payment.providerPaymentId)).status, 'refunded');
        assert.deepEqual(returned(payment.providerPaymentId), [...parts, rest].map((r) => [r.amountMinor, r.refundId]));
        // YooKassa: three refund.succeeded, authentic but not a payment's news; T-Bank: PARTIAL_REFUNDED twice (still paid), then REFUNDED
        const count = name === 'yookassa' ? 4 : 5; // + payment.succeeded / AUTHORIZED, CONFIRMED
        const verdicts = await Promise.all((await deliveriesAbout(payment.providerPaymentId, count)).map((body) => provider.verifyNotification({ body })));
        const words = verdicts.map((v) => (v.kind === 'verified' ? `${v.payment.providerStatus}→${v.payment.status} ${v.payment.amountMinor}` : v.kind));
        assert.deepEqual(
          words,
          name === 'yookassa'
            ? ['succeeded→refunded 149900', 'ignored', 'ignored', 'ignored'] // payment.succeeded is re-fetched: refunded by now
            : ['AUTHORIZED→pending 149900', 'CONFIRMED→succeeded 149900', 'PARTIAL_REFUNDED→succeeded 149900', 'PARTIAL_REFUNDED→succeeded 149900', 'REFUNDED→refunded 149900'],
        );
      });

      it('given more than is left, then ProviderRefusal and nothing returned; what is left can still be refunded', async () => {
        const payment = await paidPayment();
        const first = refundOf(payment, 100000n);
        await provider.refundPayment(first);
        await assert.rejects(provider.refundPayment(refundOf(payment, 49901n)), (error: unknown) => error instanceof ProviderRefusal && error.provider === name);
        assert.deepEqual(returned(payment.providerPaymentId), [[100000n, first.refundId]]);
        const rest = refundOf(payment, 49900n);
        assert.equal((await provider.refundPayment(rest)).status, 'succeeded');
        assert.equal(sandbox.refunds(name, payment.providerPaymentId).length, 2);
      });

      it('given the same refund asked for again and again (three racing, then two more), then the same refund each time and the sandbox returned the money once', async () => {
        const payment = await paidPayment();
        const refund = refundOf(payment, 149900n);
        const racing = await Promise.all([provider.refundPayment(refund), provider.refundPayment(refund), provider.refundPayment(refund)]);
        const later = [await provider.refundPayment(refund), await provider.refundPayment(refund)];
        for (const state of [...racing, ...later]) assert.deepEqual([state.providerRefundId, state.status, state.amountMinor], [racing[0]!.providerRefundId, 'succeeded', 149900n]);
        assert.deepEqual(returned(payment.providerPaymentId), [[149900n, refund.refundId]]);
      });

      it('given a refund carried out whose answer was lost once, then the client repeats it and there is one refund', async () => {
        const payment = await paidPayment();
        sandbox.injectFault(name === 'yookassa' ? { provider: 'yookassa', operation: 'refund', kind: 'timeout', times: 1 } : { provider: 'tbank', operation: 'Cancel', kind: 'timeout', times: 1 });
        const refund = refundOf(payment, 149900n);
        assert.equal((await provider.refundPayment(refund)).status, 'succeeded');
        assert.deepEqual(returned(payment.providerPaymentId), [[149900n, refund.refundId]]);
      });

      it('given every answer lost (ProviderUnavailable), when the refund is asked for again later, then it is the same one: one refund', async () => {
        const payment = await paidPayment();
        sandbox.injectFault(name === 'yookassa' ? { provider: 'yookassa', operation: 'refund', kind: 'timeout', times: subject.retries + 1 } : { provider: 'tbank', operation: 'Cancel', kind: 'timeout', times: subject.retries + 1 });
        const refund = refundOf(payment, 49900n);
        await assert.rejects(provider.refundPayment(refund), ProviderUnavailable);
        assert.deepEqual(returned(payment.providerPaymentId), [[49900n, refund.refundId]], 'carried out once though answered never');
        const again = await provider.refundPayment(refund);
        assert.deepEqual([again.status, again.amountMinor], ['succeeded', 49900n]);
        assert.deepEqual(await fetched(again, refund).then((s) => s.status), 'succeeded');
        assert.deepEqual(returned(payment.providerPaymentId), [[49900n, refund.refundId]]);
      }).timeout(20_000);

      it('given a refund the provider keeps in processing, then pending, and fetchRefund later says succeeded; the money left once', async () => {
        const payment = await paidPayment();
        outcomeFault('pending', 400);
        const refund = refundOf(payment, 149900n);
        const state = await provider.refundPayment(refund);
        assert.deepEqual([state.status, state.providerStatus], ['pending', name === 'yookassa' ? 'pending' : 'REFUNDING']);
        const done = await eventually(async () => {
          const now = await fetched(state, refund);
          return now.status === 'pending' ? undefined : now;
        }, 10_000);
        assert.deepEqual([done.status, done.providerRefundId, done.amountMinor], ['succeeded', state.providerRefundId, 149900n]);
        assert.deepEqual(returned(payment.providerPaymentId), [[149900n, refund.refundId]]);
        assert.equal((await provider.fetchPayment(payment.providerPaymentId)).status, 'refunded');
      });

      it('given a refund the provider turns down after a while, then pending, then failed with a reason; the payment keeps its money and can be refunded anew', async () => {
        const payment = await paidPayment();
        outcomeFault('canceled', 300);
        const refund = refundOf(payment, 149900n);
        const state = await provider.refundPayment(refund);
        assert.equal(state.status, 'pending');
        const failed = await eventually(async () => {
          const now = await fetched(state, refund);
          return now.status === 'pending' ? undefined : now;
        }, 10_000);
        assert.equal(failed.status, 'failed');
        assert.ok(failed.reason !== undefined && failed.reason !== '', 'a reason');
        assert.deepEqual(sandbox.refunds(name, payment.providerPaymentId).map((r) => r.status), [name === 'yookassa' ? 'canceled' : 'REJECTED']);
        const after = await provider.fetchPayment(payment.providerPaymentId);
        assert.deepEqual([after.status, after.amountMinor], ['succeeded', 149900n]);
        const anew = refundOf(payment, 149900n);
        assert.equal((await provider.refundPayment(anew)).status, 'succeeded');
        assert.deepEqual(sandbox.refunds(name, payment.providerPaymentId).map((r) => [r.refundId, r.status]), [[refund.refundId, name === 'yookassa' ? 'canceled' : 'REJECTED'], [anew.refundId, name === 'yookassa' ? 'succeeded' : 'REFUNDED']]);
      });

      if (name === 'yookassa') {
        it('given a refund YooKassa cancels at once, then refundPayment says failed with cancellation_details.reason', async () => {
          const payment = await paidPayment();
          sandbox.injectFault({ provider: 'yookassa', operation: 'refund', kind: 'canceled', reason: 'insufficient_funds' });
          const state = await provider.refundPayment(refundOf(payment, 100n));
          assert.deepEqual([state.status, state.providerStatus, state.reason], ['failed', 'canceled', 'insufficient_funds']);
        });
      }

      if (name === 'tbank') {
        it('given a refund T-Bank turns down at once, then ProviderRefusal with its ErrorCode', async () => {
          const payment = await paidPayment();
          sandbox.injectFault({ provider: 'tbank', operation: 'Cancel', kind: 'canceled', errorCode: '11' });
          await assert.rejects(provider.refundPayment(refundOf(payment, 100n)), (error: unknown) => error instanceof ProviderRefusal && error.code === '11');
          assert.deepEqual(sandbox.refunds('tbank', payment.providerPaymentId).map((r) => r.status), ['REJECTED']);
        });
      }
    });

    it('answers the provider what it expects for a handled notification', () => {
      assert.deepEqual(provider.notificationReply, name === 'tbank' ? { status: 200, contentType: 'text/plain', body: 'OK' } : { status: 200, contentType: 'application/json', body: '{}' });
    });

    if (name === 'yookassa') {
      describe('YooKassa: the same Idempotence-Key after an unknown answer', () => {
        it('given HTTP 500 on create then success, then the repeat with the same key makes exactly one payment', async () => {
          const wanted = request();
          sandbox.injectFault({ provider: 'yookassa', operation: 'create', kind: 'http500', times: 1 });
          const created = await provider.createPayment(wanted);
          assert.deepEqual(paymentsOf(wanted.transactionId).map((p) => p.id), [created.state.providerPaymentId]);
        });

        it('given a 202 with retry_after on create, then the call is repeated after it and makes exactly one payment', async () => {
          const wanted = request({ method: 'sbp' });
          sandbox.injectFault({ provider: 'yookassa', operation: 'create', kind: 'http202', times: 2, retryAfterMs: 5 });
          const created = await provider.createPayment(wanted);
          assert.equal(created.next?.kind, 'qr');
          assert.deepEqual(paymentsOf(wanted.transactionId).map((p) => p.id), [created.state.providerPaymentId]);
        });

        it('given a create that was carried out but whose answer never came (timeout), then the repeat gets that payment: exactly one', async () => {
          const wanted = request();
          sandbox.injectFault({ provider: 'yookassa', operation: 'create', kind: 'timeout', times: 1 });
          const created = await provider.createPayment(wanted);
          assert.deepEqual(paymentsOf(wanted.transactionId).map((p) => p.id), [created.state.providerPaymentId]);
        });

        it('given a crash after create (the answer lost), when created again with resume, then the same payment comes back', async () => {
          const wanted = request();
          const first = await provider.createPayment(wanted);
          const again = await provider.createPayment({ ...wanted, resume: true });
          assert.equal(again.state.providerPaymentId, first.state.providerPaymentId);
          assert.deepEqual(again.next, first.next);
          assert.equal(paymentsOf(wanted.transactionId).length, 1);
        });

        it('given HTTP 500 on every try, then ProviderUnavailable after the retries', async () => {
          sandbox.injectFault({ provider: 'yookassa', operation: 'get', kind: 'http500', times: subject.retries + 1 });
          await assert.rejects(provider.fetchPayment(randomUUID()), ProviderUnavailable);
        });
      });

      describe('YooKassa: notifications are re-fetched', () => {
        it('given a notification claiming succeeded for a payment still pending, then verified with status pending (the re-fetch wins)', async () => {
          const created = await provider.createPayment(request());
          const forged = { type: 'notification', event: 'payment.succeeded', object: { id: created.state.providerPaymentId, status: 'succeeded', paid: true, amount: { value: '1.00', currency: 'RUB' } } };
          const verdict = await provider.verifyNotification({ body: forged });
          assert.deepEqual(verdict.kind === 'verified' && [verdict.payment.status, verdict.payment.amountMinor], ['pending', 149900n]);
        });

        it('given a notification about a payment YooKassa does not know, then refused 400', async () => {
          const verdict = await provider.verifyNotification({ body: { type: 'notification', event: 'payment.succeeded', object: { id: randomUUID(), status: 'succeeded' } } });
          assert.deepEqual(refusal(verdict), ['refused', 400]);
        });

        it('given an event that is not about a payment, then ignored', async () => {
          const verdict = await provider.verifyNotification({ body: { type: 'notification', event: 'payout.succeeded', object: { id: 'po-1' } } });
          assert.equal(verdict.kind, 'ignored');
        });
      });

      it('given a pending payment, when cancelled, then it is returned as it is (YooKassa cancels only waiting_for_capture)', async () => {
        const wanted = request();
        const created = await provider.createPayment(wanted);
        const after = await provider.cancelPayment(created.state.providerPaymentId, wanted.transactionId);
        assert.equal(after.status, 'pending');
      });

      it('offers bank card, SBP, SberPay and T-Pay, and SberPay / T-Pay redirect', async () => {
        assert.deepEqual([...provider.methods].sort(), ['bank_card', 'sberpay', 'sbp', 'tpay']);
        for (const method of ['sberpay', 'tpay'] as PaymentMethod[]) {
          const created = await provider.createPayment(request({ method }));
          assert.equal(created.next?.kind, 'redirect', method);
        }
      });
    }

    if (name === 'tbank') {
      describe('T-Bank: Init is never repeated blindly', () => {
        it('given a pending payment, when cancelled, then cancelled at T-Bank', async () => {
          const wanted = request();
          const created = await provider.createPayment(wanted);
          const after = await provider.cancelPayment(created.state.providerPaymentId, wanted.transactionId);
          assert.equal(after.status, 'cancelled');
          assert.equal((await provider.fetchPayment(created.state.providerPaymentId)).status, 'cancelled');
        });

        it('given an Init that succeeded but whose answer was lost, then ProviderUnavailable; with resume the first payment is cancelled and exactly one live payment remains', async () => {
          const wanted = request({ method: 'sbp' });
          sandbox.injectFault({ provider: 'tbank', operation: 'Init', kind: 'timeout', times: 1 });
          await assert.rejects(provider.createPayment(wanted), ProviderUnavailable);
          const [lost] = paymentsOf(wanted.transactionId);
          assert.ok(lost, 'the sandbox carried the lost Init out');
          const resumed = await provider.createPayment({ ...wanted, resume: true });
          assert.equal(resumed.next?.kind, 'qr');
          assert.notEqual(resumed.state.providerPaymentId, lost.id);
          assert.equal((await provider.fetchPayment(lost.id)).status, 'cancelled');
          const live = paymentsOf(wanted.transactionId).filter((p) => !['CANCELED', 'DEADLINE_EXPIRED', 'REJECTED', 'REVERSED'].includes(p.status));
          assert.deepEqual(live.map((p) => p.id), [resumed.state.providerPaymentId]);
        });

        it('given the order was already paid, when resumed, then the paid payment is returned without a next step and without a new Init', async () => {
          const wanted = request();
          const created = await provider.createPayment(wanted);
          await sandbox.pay('tbank', created.state.providerPaymentId);
          const resumed = await provider.createPayment({ ...wanted, resume: true });
          assert.equal(resumed.next, undefined);
          assert.deepEqual([resumed.state.providerPaymentId, resumed.state.status], [created.state.providerPaymentId, 'succeeded']);
          assert.equal(paymentsOf(wanted.transactionId).length, 1);
        });

        it('given resume for a transaction T-Bank never saw, then a plain Init', async () => {
          const wanted = request({ resume: true });
          const created = await provider.createPayment(wanted);
          assert.equal(created.next?.kind, 'redirect');
          assert.equal(paymentsOf(wanted.transactionId).length, 1);
        });

        it('given HTTP 500 on GetState then an answer, then the read is repeated', async () => {
          const created = await provider.createPayment(request());
          sandbox.injectFault({ provider: 'tbank', operation: 'GetState', kind: 'http500', times: 1 });
          assert.equal((await provider.fetchPayment(created.state.providerPaymentId)).status, 'pending');
        });

        it('given Success:false on Init, then ProviderRefusal with the ErrorCode', async () => {
          sandbox.injectFault({ provider: 'tbank', operation: 'Init', kind: 'error', errorCode: '3', message: 'Внутренняя ошибка системы', times: 1 });
          await assert.rejects(provider.createPayment(request()), (error: unknown) => error instanceof ProviderRefusal && error.code === '3');
        });
      });

      describe('T-Bank: notifications are trusted by their Token', () => {
        async function paidNotification(): Promise<Record<string, unknown>> {
          const created = await provider.createPayment(request());
          await sandbox.pay('tbank', created.state.providerPaymentId);
          const bodies = await deliveriesAbout(created.state.providerPaymentId);
          return bodies.at(-1) as Record<string, unknown>;
        }

        it('given a forged Token, then refused 403', async () => {
          const body = await paidNotification();
          assert.deepEqual(refusal(await provider.verifyNotification({ body: { ...body, Token: tbankToken(body, 'a guessed password') } })), ['refused', 403]);
        });

        it('given a tampered Amount (the Token kept), then refused 403', async () => {
          const body = await paidNotification();
          assert.deepEqual(refusal(await provider.verifyNotification({ body: { ...body, Amount: 100 } })), ['refused', 403]);
        });

        it('given a declined payment\'s notification, then verified as failed', async () => {
          const created = await provider.createPayment(request());
          await sandbox.decline('tbank', created.state.providerPaymentId);
          const [body] = await deliveriesAbout(created.state.providerPaymentId);
          const verdict = await provider.verifyNotification({ body });
          assert.deepEqual(verdict.kind === 'verified' && [verdict.payment.providerPaymentId, verdict.payment.status], [created.state.providerPaymentId, 'failed']);
        });
      });

      it('offers bank card and SBP', () => {
        assert.deepEqual(provider.methods, ['bank_card', 'sbp']);
      });
    }
  });
}

function refusal(verdict: NotificationVerdict): [string, number | undefined] {
  return [verdict.kind, verdict.kind === 'refused' ? verdict.status : undefined];
}

/** The payment a notification body is about (YooKassa object.id / T-Bank PaymentId). */
function paymentIdIn(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const fields = body as Record<string, unknown>;
  if (typeof fields.object === 'object' && fields.object !== null) {
    const object = fields.object as Record<string, unknown>;
    return typeof object.payment_id === 'string' ? object.payment_id : typeof object.id === 'string' ? object.id : undefined;
  }
  return fields.PaymentId === undefined ? undefined : String(fields.PaymentId);
}
