import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CompleteRefundForOrder,
  IssueCertificateForOrder,
  RedeemForOrder,
  ReleaseHoldOfVoidedOrder,
  RequestRefundForOrder,
} from '../../../commands/gift-certificates/order-effect-kinds.js';
import { ChannelMessageEvent, streamOfMessage, type PaymentReceived, type SalesOrderReceived } from '../../../domain/gift-certificates/channel-messages.js';
import type { Effect } from '../../../sagas/outbox.js';
import { orderMatchingSaga, type OrderMatchingState } from '../../../sagas/gift-certificates/order-matching-saga.js';

/** The order-matching saga is pure: fed decoded events in any order, without a database (G-3, G-5, G-6). */
describe('order-matching saga', () => {
  const saga = orderMatchingSaga();
  const now = new Date('2030-01-01T10:00:00.000Z');
  let position = 0n;

  /** A recorded event as the saga runtime hands it over: decoded by the saga's own codec. */
  const recorded = <E extends SalesOrderReceived | PaymentReceived>(event: E, correlationId = 'corr-1') => {
    const decoded = ChannelMessageEvent.decode(event);
    assert.equal(decoded._tag, 'Right');
    position++;
    const stream = event.type === 'SalesOrderReceived' ? streamOfMessage('All_SalesOrder', event.data.source, event.data.messageId) : streamOfMessage('All_Payments', event.data.source, event.data.messageId);
    return { ...event, streamName: stream, revision: 0n, position: { commit: position, prepare: position }, eventId: `e-${position}`, metadata: { correlationId }, createdAt: now };
  };
  const common = (source: string, messageId: string) => ({ source, messageId, fingerprint: `fp-${messageId}`, receivedAt: now.toISOString(), occurredAt: now.toISOString() });
  const order = (kind: SalesOrderReceived['data']['kind'], messageId = 'so-1', orderId = 'o-1'): SalesOrderReceived => ({
    type: 'SalesOrderReceived',
    data: {
      ...common('web-shop', messageId),
      orderId,
      kind,
      certificateId: 'cert-1',
      certificateNumber: 'ABCD-0001',
      amount: '1000.00',
      currency: 'RUB',
      channel: 'web',
      notificationChannel: kind === 'certificate_purchase' ? 'email' : null,
      clientId: 'client-1',
      bankDetails: kind === 'certificate_refund' ? '{"account_number":"1","bik":"2","holder_name":"A"}' : null,
    },
  });
  const pay = (kind: PaymentReceived['data']['kind'], messageId = 'pay-1', paymentId = 'p-1', orderId = 'o-1'): PaymentReceived => ({
    type: 'PaymentReceived',
    data: { ...common('psp', messageId), paymentId, orderId, kind, amount: '1000', currency: 'RUB', method: 'card' },
  });

  /** Runs the events through the saga as the runtime does: the state survives as JSON between events. */
  const run = (events: readonly ReturnType<typeof recorded>[]) => {
    let state: OrderMatchingState = saga.initialState;
    const effects: Effect[] = [];
    for (const event of events) {
      assert.equal(saga.flowId(event as never), event.data.orderId);
      const reaction = saga.react(state, event as never, now);
      effects.push(...(reaction.effects ?? []));
      state = JSON.parse(JSON.stringify(reaction.state)) as OrderMatchingState;
    }
    return { state, effects };
  };
  const ofKind = (effects: readonly Effect[], kind: string) => effects.filter((e) => e.kind === kind);

  it('property: for any interleaving of a purchase order, its authorization and duplicates of each (repeats and resends under new message ids), exactly one issue effect is emitted, carrying both', () => {
    const duplicate = fc.constantFrom('same', 'resent');
    /** Every interleaving is reachable: the messages, then a permutation of them. */
    const interleavings = fc.tuple(fc.array(duplicate, { maxLength: 4 }), fc.array(duplicate, { maxLength: 4 })).chain(([orderCopies, paymentCopies]) => {
      const events = [
        recorded(order('certificate_purchase')),
        ...orderCopies.map((copy, i) => recorded(copy === 'same' ? order('certificate_purchase') : order('certificate_purchase', `so-1-resent-${i}`))),
        recorded(pay('authorization')),
        ...paymentCopies.map((copy, i) => recorded(copy === 'same' ? pay('authorization') : pay('authorization', `pay-1-resent-${i}`))),
      ];
      return fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length });
    });
    fc.assert(
      fc.property(interleavings, (shuffled) => {
        const { effects } = run(shuffled);
        const issue = ofKind(effects, IssueCertificateForOrder.kind);
        assert.equal(issue.length, 1, shuffled.map((e) => e.type).join(' → '));
        assert.equal(effects.length, 1);
        assert.equal(issue[0]!.idempotencyKey, 'gcp-order-issue:o-1');
        const payload = IssueCertificateForOrder.payload.decode(issue[0]!.payload);
        assert.equal(payload._tag, 'Right');
        if (payload._tag === 'Right') {
          assert.deepEqual(
            { ...payload.right, decidedAt: undefined },
            { orderId: 'o-1', certificateId: 'cert-1', channel: 'web', notificationChannel: 'email', clientId: 'client-1', order: { amount: '1000.00', currency: 'RUB' }, paymentId: 'p-1', payment: { amount: '1000', currency: 'RUB' }, correlationId: 'corr-1', decidedAt: undefined },
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('given only the order, or only payments, then nothing is emitted', () => {
    assert.deepEqual(run([recorded(order('certificate_purchase')), recorded(order('certificate_purchase', 'so-2'))]).effects, []);
    assert.deepEqual(run([recorded(pay('authorization')), recorded(pay('capture', 'pay-2', 'p-2'))]).effects, []);
  });

  it('given a purchase and a capture (not an authorization), then nothing is issued', () => {
    assert.deepEqual(run([recorded(order('certificate_purchase')), recorded(pay('capture'))]).effects, []);
  });

  it('property: for any interleaving of a redemption order, its capture and duplicates, exactly one redeem effect', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).chain(([orders, payments]) => {
          const events = [
            ...Array.from({ length: orders + 1 }, (_, i) => recorded(order('certificate_redemption', `so-${i}`))),
            ...Array.from({ length: payments + 1 }, (_, i) => recorded(pay('capture', `pay-${i}`))),
          ];
          return fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length });
        }),
        (shuffled) => {
        const { effects } = run(shuffled);
        assert.deepEqual(effects.map((e) => e.kind), [RedeemForOrder.kind]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('given a redemption order whose payment is voided, then its hold is released and nothing is redeemed, whichever comes first', () => {
    for (const events of [
      [recorded(order('certificate_redemption')), recorded(pay('void'))],
      [recorded(pay('void')), recorded(order('certificate_redemption'))],
      [recorded(pay('void')), recorded(pay('void', 'pay-again')), recorded(order('certificate_redemption')), recorded(pay('capture', 'pay-c', 'p-c'))],
    ]) {
      const { effects } = run(events);
      assert.deepEqual(effects.map((e) => e.kind), [ReleaseHoldOfVoidedOrder.kind]);
    }
  });

  it('given a refund order, then the refund is requested (the bank details stay out of the saga and the effect); its refund payment completes it', () => {
    const { effects, state } = run([recorded(order('certificate_refund')), recorded(pay('refund', 'pay-r', 'p-r')), recorded(pay('refund', 'pay-r2', 'p-r'))]);
    assert.deepEqual(effects.map((e) => e.kind), [RequestRefundForOrder.kind, CompleteRefundForOrder.kind]);
    assert.ok(!JSON.stringify({ effects, state }).includes('account_number'));
    assert.equal((effects[0]!.payload as { orderStream: string }).orderStream, streamOfMessage('All_SalesOrder', 'web-shop', 'so-1'));
    // the payout before the order: both once the order arrives
    assert.deepEqual(run([recorded(pay('refund', 'pay-r', 'p-r')), recorded(order('certificate_refund'))]).effects.map((e) => e.kind), [RequestRefundForOrder.kind, CompleteRefundForOrder.kind]);
  });
});
