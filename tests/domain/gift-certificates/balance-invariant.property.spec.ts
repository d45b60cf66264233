import assert from 'node:assert/strict';
import fc from 'fast-check';
import { availableBalance, giftCertificateDecider, type GiftCertificateCommand, type GiftCertificateEvent, type GiftCertificateState } from '../../../domain/gift-certificates/gift-certificate.js';
import { fromMinorUnits, toMinorUnits } from '../../../domain/money.js';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const EXPIRES = START + 30 * 86_400_000;
const HASH = 'a'.repeat(64);
const WRONG = 'b'.repeat(64);

const amount = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 1n, max: 150_000n }).map(fromMinorUnits) },
  { weight: 1, arbitrary: fc.constantFrom('0', '-1.00', '1.001', 'abc', '0.00') },
);
const order = fc.integer({ min: 0, max: 7 }).map((n) => `o${n}`);
const hold = fc.integer({ min: 0, max: 7 }).map((n) => `h${n}`);

type Step = { readonly hours: number; readonly command: (now: Date, state: GiftCertificateState) => GiftCertificateCommand };
const stamp = (now: Date) => ({ now, by: 'system:property' });
const step = fc.tuple(
  fc.integer({ min: 0, max: 24 * 10 }),
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ holdId: hold, orderId: order, amount, right: fc.boolean() }).map((h) => (now: Date) => ({ type: 'HoldRedemption', holdId: h.holdId, orderId: h.orderId, amount: h.amount, cvcHash: h.right ? HASH : WRONG, heldUntil: new Date(now.getTime() + 15 * 60_000).toISOString(), maxCvcFailures: 3, ...stamp(now) }) as GiftCertificateCommand) },
    { weight: 6, arbitrary: fc.record({ orderId: order, amount }).map((r) => (now: Date) => ({ type: 'RedeemCertificate', orderId: r.orderId, paymentId: `pay-${r.orderId}`, amount: r.amount, ...stamp(now) }) as GiftCertificateCommand) },
    { weight: 3, arbitrary: hold.map((holdId) => (now: Date) => ({ type: 'ReleaseHold', holdId, reason: 'timeout', ...stamp(now) }) as GiftCertificateCommand) },
    { weight: 1, arbitrary: fc.boolean().map((withDetails) => (now: Date) => ({ type: 'RequestRefund', refundId: 'rf1', orderId: 'o0', bankDetails: withDetails ? '{}' : null, ...stamp(now) }) as GiftCertificateCommand) },
    { weight: 1, arbitrary: fc.constant((now: Date) => ({ type: 'ProvideRefundDetails', refundId: 'rf1', bankDetails: '{}', ...stamp(now) }) as GiftCertificateCommand) },
    { weight: 1, arbitrary: fc.option(amount).map((a) => (now: Date, state: GiftCertificateState) => ({ type: 'CompleteRefund', refundId: 'rf1', paymentId: 'rp1', amount: a ?? state.refund?.amount ?? '1.00', ...stamp(now) }) as GiftCertificateCommand) },
    { weight: 2, arbitrary: fc.constant((now: Date) => ({ type: 'LockCertificate', reason: 'support', ...stamp(now) }) as GiftCertificateCommand) },
    { weight: 2, arbitrary: fc.constant((now: Date) => ({ type: 'UnlockCertificate', reason: 'support', ...stamp(now) }) as GiftCertificateCommand) },
    { weight: 1, arbitrary: fc.constant((now: Date) => ({ type: 'ExpireCertificate', ...stamp(now) }) as GiftCertificateCommand) },
  ),
).map(([hours, command]): Step => ({ hours, command }));

describe('the certificate balance invariant (G-5, fast-check)', () => {
  it('given any sequence of holds, captures, releases, refunds, locks/unlocks and expiries with arbitrary amounts, then the balance never goes below 0, equals the nominal less what was captured (and refunded), pending holds never exceed it, and no order is captured twice', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 100_000n }), fc.array(step, { maxLength: 60 }), (nominalMinor, steps) => {
        const d = giftCertificateDecider;
        const nominal = fromMinorUnits(nominalMinor);
        const history: GiftCertificateEvent[] = [
          { type: 'CertificateIssued', data: { certificateId: 'c1', number: 'N1', nominal, currency: 'RUB', channel: 'web', expiresAt: new Date(EXPIRES).toISOString(), orderId: 'issue', paymentId: 'pay', clientId: null, issuedAt: new Date(START).toISOString(), by: 'system:property' } },
          { type: 'CertificateNotificationRequested', data: { notificationChannel: 'email', correlationId: 'c', cvcGeneration: 1, requestedAt: new Date(START).toISOString(), by: 'system:property' } },
          { type: 'CertificateCvcHandedOut', data: { cvcGeneration: 1, cvcHash: HASH, handedOutAt: new Date(START).toISOString(), by: 'system:property' } },
        ];
        let state = history.reduce(d.evolve, d.initialState);
        let time = START;
        for (const { hours, command } of steps) {
          time += hours * 3_600_000;
          const decided = d.decide(command(new Date(time), state), state);
          if (decided._tag === 'Left') continue;
          for (const event of decided.right) {
            history.push(event);
            state = d.evolve(state, event);
          }
          const captured = history.filter((e) => e.type === 'CertificateRedeemed').reduce((sum, e) => sum + toMinorUnits((e.data as { amount: string }).amount), 0n);
          const refunded = history.filter((e) => e.type === 'CertificateRefunded').reduce((sum, e) => sum + toMinorUnits((e.data as { amount: string }).amount), 0n);
          assert.ok(state.balance >= 0n, `balance ${state.balance}`);
          assert.equal(state.balance, nominalMinor - captured - refunded);
          assert.ok(availableBalance(state) >= 0n, `holds ${availableBalance(state)} over the balance`);
          const orders = history.filter((e) => e.type === 'CertificateRedeemed').map((e) => (e.data as { orderId: string }).orderId);
          assert.equal(new Set(orders).size, orders.length, `an order captured twice: ${orders.join(',')}`);
          if (state.status === 'REDEEMED') assert.equal(state.balance, 0n);
          if (state.status === 'EXPIRED') assert.equal(state.holds.size, 0);
        }
      }),
      { numRuns: Number(process.env.FAST_CHECK_RUNS ?? 1000) },
    );
  });
});
