import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  paymentTransactionDecider as d,
  type Observation,
  type PaymentTransactionCommand,
  type PaymentTransactionEvent,
  type PaymentTransactionState,
} from '../../../domain/game-store/payment-transaction.js';

const AT = '2030-01-01T00:00:00.000Z';
const initiated: PaymentTransactionCommand = {
  type: 'InitiateTransaction',
  transaction: {
    transactionId: 't1',
    orderId: 'o1',
    buyerId: 'b1',
    provider: 'tbank',
    method: 'bank_card',
    amountMinor: '149900',
    currency: 'RUB',
    productIds: ['p1'],
    successUrl: 'https://shop.example/ok',
    failUrl: 'https://shop.example/fail',
    expiresAt: AT,
    initiatedAt: AT,
    by: 'b1',
  },
};

const paymentId = fc.constantFrom('pay-A', 'pay-B');
const observation: fc.Arbitrary<Observation> = fc.record({
  providerPaymentId: paymentId,
  status: fc.constantFrom('pending', 'succeeded', 'failed', 'cancelled', 'refunded'),
  providerStatus: fc.constantFrom('NEW', 'FORM_SHOWED', 'AUTHORIZED', 'CONFIRMED', 'REJECTED', 'CANCELED', 'REFUNDED'),
  amountMinor: fc.oneof({ weight: 9, arbitrary: fc.constant('149900') }, { weight: 1, arbitrary: fc.constantFrom('100', '149901') }),
});
const command: fc.Arbitrary<PaymentTransactionCommand> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(observation, fc.boolean()).map(([payment, qr]) => ({ type: 'RecordProviderPayment', payment, next: qr ? { kind: 'qr', payload: 'https://qr.example/1' } : { kind: 'redirect', url: 'https://pay.example/1' }, at: AT }) as PaymentTransactionCommand) },
  { weight: 1, arbitrary: fc.constant({ type: 'RecordProviderRefusal', code: '99', message: 'no', at: AT } as PaymentTransactionCommand) },
  { weight: 8, arbitrary: fc.tuple(observation, fc.constantFrom('webhook', 'expiry', 'cancel') as fc.Arbitrary<'webhook' | 'expiry' | 'cancel'>).map(([payment, source]) => ({ type: 'ObservePayment', payment, source, at: AT }) as PaymentTransactionCommand) },
  { weight: 1, arbitrary: fc.constant({ type: 'ExpireTransaction', at: AT } as PaymentTransactionCommand) },
  { weight: 1, arbitrary: fc.constant({ type: 'CancelTransaction', reason: 'buyer', by: 'b1', at: AT } as PaymentTransactionCommand) },
  { weight: 1, arbitrary: fc.constant(initiated) },
);

/** How far along a status is: a transaction only ever moves up this order. */
const RANK: Record<string, number> = { none: 0, created: 1, processing: 2, completed: 3, failed: 3, cancelled: 3, refunded: 4 };

function run(commands: readonly PaymentTransactionCommand[]) {
  let state: PaymentTransactionState = d.initialState;
  const events: PaymentTransactionEvent[] = [];
  const statuses: string[] = [];
  for (const c of [initiated, ...commands]) {
    const decided = d.decide(c, state);
    if (decided._tag === 'Left') continue;
    for (const e of decided.right) {
      events.push(e);
      state = d.evolve(state, e);
      statuses.push(state.status);
    }
  }
  return { state, events, statuses };
}

describe('payment transaction decider (P-4, fast-check): whatever the providers say, in any order and any number of times', () => {
  it('given any sequence of provider answers, webhooks (duplicated, out of order, about a replaced payment), expiries and cancels, then the status only moves forward, completes at most once, ends in at most one final status, and a wrong amount never completes it', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        const { events, statuses } = run(commands);
        for (let i = 1; i < statuses.length; i++) {
          const from = statuses[i - 1]!;
          const to = statuses[i]!;
          assert.ok(RANK[to]! >= RANK[from]!, `moved backwards ${from} → ${to}`);
          if (RANK[from] === 3 && from !== to) assert.ok(from === 'completed' && to === 'refunded', `a final ${from} became ${to}`);
        }
        assert.ok(events.filter((e) => e.type === 'PaymentTransactionCompleted').length <= 1, 'completed twice');
        const finals = events.filter((e) => ['PaymentTransactionFailed', 'PaymentTransactionCancelled'].includes(e.type)).length + events.filter((e) => e.type === 'PaymentTransactionCompleted').length;
        assert.ok(finals <= 1, 'more than one outcome');
        for (const e of events) if (e.type === 'PaymentTransactionCompleted') assert.equal(e.data.amountMinor, '149900');
        assert.equal(events.filter((e) => e.type === 'PaymentTransactionInitiated').length, 1);
      }),
      { numRuns: 2000 },
    );
  });

  it('given any sequence, when it is replayed a second time on the final state, then nothing new happens except what the first pass left open', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        const first = run(commands);
        if (!['completed', 'failed', 'cancelled', 'refunded'].includes(first.state.status)) return;
        // a duplicate delivery of every word again: only a refund or a late-payment record may follow a final status
        let state = first.state;
        for (const c of commands) {
          const decided = d.decide(c, state);
          if (decided._tag === 'Left') continue;
          for (const e of decided.right) {
            assert.ok(['PaymentTransactionRefunded', 'LatePaymentObserved'].includes(e.type), `${e.type} after ${state.status}`);
            state = d.evolve(state, e);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('given a success reported after the transaction failed, when it is reported again and again, then it is recorded once as a late payment', () => {
    const { state } = run([
      { type: 'RecordProviderPayment', payment: { providerPaymentId: 'pay-A', status: 'pending', providerStatus: 'NEW', amountMinor: '149900' }, next: undefined, at: AT },
      { type: 'ExpireTransaction', at: AT },
    ]);
    assert.equal(state.status, 'failed');
    let s: PaymentTransactionState = state;
    let late = 0;
    for (let i = 0; i < 5; i++) {
      const decided = d.decide({ type: 'ObservePayment', payment: { providerPaymentId: 'pay-A', status: 'succeeded', providerStatus: 'CONFIRMED', amountMinor: '149900' }, source: 'webhook', at: AT }, s);
      assert.equal(decided._tag, 'Right');
      if (decided._tag === 'Right') for (const e of decided.right) {
        if (e.type === 'LatePaymentObserved') late++;
        s = d.evolve(s, e);
      }
    }
    assert.equal(late, 1);
    assert.equal(s.status, 'failed');
  });

  it('given a crash left the created payment unrecorded, when the provider’s notification names it, then the transaction adopts it and completes', () => {
    const { state, events } = run([{ type: 'ObservePayment', payment: { providerPaymentId: 'pay-A', status: 'succeeded', providerStatus: 'CONFIRMED', amountMinor: '149900' }, source: 'webhook', at: AT }]);
    assert.equal(state.status, 'completed');
    assert.deepEqual(events.map((e) => e.type), ['PaymentTransactionInitiated', 'ProviderPaymentCreated', 'PaymentTransactionCompleted']);
  });

  it('given a paid amount that differs from the transaction, when it is observed, then it is refused naming the amounts', () => {
    const { state } = run([{ type: 'RecordProviderPayment', payment: { providerPaymentId: 'pay-A', status: 'pending', providerStatus: 'NEW', amountMinor: '149900' }, next: undefined, at: AT }]);
    const decided = d.decide({ type: 'ObservePayment', payment: { providerPaymentId: 'pay-A', status: 'succeeded', providerStatus: 'CONFIRMED', amountMinor: '100' }, source: 'webhook', at: AT }, state);
    assert.equal(decided._tag, 'Left');
    if (decided._tag === 'Left') assert.equal(decided.left.code, 'payment.amount_mismatch');
  });
});
