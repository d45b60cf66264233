import assert from 'node:assert/strict';
import { isRight } from 'fp-ts/Either';
import { giftCertificateDecider, type GiftCertificateCommand, type GiftCertificateEvent } from '../../../domain/gift-certificates/gift-certificate.js';
import { given } from '../../support/decider-spec.js';

const NOW = new Date('2030-01-01T12:00:00.000Z');
const AT = NOW.toISOString();
const BY = 'user:sup-1';
const EXPIRES = '2031-01-01T00:00:00.000Z';
const HASH = 'a'.repeat(64);
const WRONG = 'b'.repeat(64);
const HELD_UNTIL = '2030-01-01T12:15:00.000Z';

type WithoutStamp<C> = C extends unknown ? Omit<C, 'now' | 'by'> : never;
const cmd = (command: WithoutStamp<GiftCertificateCommand>, now = NOW): GiftCertificateCommand => ({ ...command, now, by: BY }) as GiftCertificateCommand;

const issueCommand = cmd({ type: 'IssueCertificate', certificateId: 'c1', number: 'N1', nominal: '1000', currency: 'RUB', channel: 'web', expiresAt: EXPIRES, orderId: 'o1', paymentId: 'p1', clientId: null, notificationChannel: 'email', correlationId: 'corr-1' });
const issued: GiftCertificateEvent = { type: 'CertificateIssued', data: { certificateId: 'c1', number: 'N1', nominal: '1000.00', currency: 'RUB', channel: 'web', expiresAt: EXPIRES, orderId: 'o1', paymentId: 'p1', clientId: null, issuedAt: AT, by: BY } };
const requested = (generation = 1, correlationId = 'corr-1'): GiftCertificateEvent => ({ type: 'CertificateNotificationRequested', data: { notificationChannel: 'email', correlationId, cvcGeneration: generation, requestedAt: AT, by: BY } });
const handedOut = (generation = 1, hash = HASH): GiftCertificateEvent => ({ type: 'CertificateCvcHandedOut', data: { cvcGeneration: generation, cvcHash: hash, handedOutAt: AT, by: BY } });
const sent: GiftCertificateEvent = { type: 'CertificateNotificationSent', data: { cvcGeneration: 1, sentAt: AT, by: BY } };
const failed: GiftCertificateEvent = { type: 'CertificateNotificationFailed', data: { cvcGeneration: 1, reason: 'bounced', failedAt: AT, by: BY } };
const held = (holdId: string, orderId: string, amount: string, available: string): GiftCertificateEvent => ({ type: 'RedemptionHeld', data: { holdId, orderId, amount, heldUntil: HELD_UNTIL, availableBalance: available, heldAt: AT, by: BY } });
const redeemed = (orderId: string, amount: string, remaining: string, holdId: string | null = null): GiftCertificateEvent => ({
  type: 'CertificateRedeemed',
  data: { orderId, paymentId: `pay-${orderId}`, holdId, amount, remainingBalance: remaining, status: remaining === '0.00' ? 'REDEEMED' : 'PARTIALLY_REDEEMED', redeemedAt: AT, by: BY },
});
const locked = (previousStatus: 'NOTIFICATION_REQUESTED' | 'NOTIFICATION_SENT' | 'PARTIALLY_REDEEMED', reason = 'suspicious', by = BY): GiftCertificateEvent => ({ type: 'CertificateLocked', data: { reason, previousStatus, lockedAt: AT, by } });
const refundRequested = (bankDetails: string | null, amount = '1000.00'): GiftCertificateEvent => ({
  type: 'CertificateRefundRequested',
  data: { refundId: 'rf1', orderId: 'o1', amount, status: bankDetails === null ? 'REFUND_PENDING_DETAILS' : 'REFUND_PENDING', bankDetails, requestedAt: AT, by: BY },
});
const ready = [issued, requested(), handedOut()];
const hold = (holdId: string, orderId: string, amount: string, cvcHash = HASH, maxCvcFailures = 5, now = NOW) => cmd({ type: 'HoldRedemption', holdId, orderId, amount, cvcHash, heldUntil: HELD_UNTIL, maxCvcFailures }, now);
const redeem = (orderId: string, amount: string) => cmd({ type: 'RedeemCertificate', orderId, paymentId: `pay-${orderId}`, amount });
const d = giftCertificateDecider;

describe('GiftCertificate decider (G-3 … G-7, expiry)', () => {
  describe('IssueCertificate / RefuseIssue', () => {
    it('given nothing, when issued, then ISSUED with the normalized nominal and NOTIFICATION_REQUESTED of generation 1', () => {
      const state = given(d).when(issueCommand).then([issued, requested()]);
      assert.deepEqual([state.status, state.balance, state.cvcGeneration], ['NOTIFICATION_REQUESTED', 100_000n, 1]);
    });
    it('given issued, when issued again for the same order, then nothing; for another order, then gcp.already_issued', () => {
      given(d, [issued, requested()]).when(issueCommand).then([]);
      given(d, [issued, requested()]).when({ ...issueCommand, orderId: 'o2' } as GiftCertificateCommand).thenFails('gcp.already_issued');
    });
    it('given nothing, when an issue is refused, then CertificateIssueRefused; once issued a refusal changes nothing', () => {
      given(d).when(cmd({ type: 'RefuseIssue', orderId: 'o1', reason: 'amounts differ' })).then([{ type: 'CertificateIssueRefused', data: { orderId: 'o1', reason: 'amounts differ', refusedAt: AT, by: BY } }]);
      given(d, [issued]).when(cmd({ type: 'RefuseIssue', orderId: 'o1', reason: 'late' })).then([]);
    });
  });

  describe('HandOutCvc / RecordNotification / ReissueCvc', () => {
    it('given issued, when the CVC is handed out, then its hash is kept; a second time gcp.cvc_already_handed_out', () => {
      const state = given(d, [issued, requested()]).when(cmd({ type: 'HandOutCvc', cvcHash: HASH })).then([handedOut()]);
      assert.equal(state.cvcHash, HASH);
      given(d, ready).when(cmd({ type: 'HandOutCvc', cvcHash: WRONG })).thenFails('gcp.cvc_already_handed_out');
    });
    it('refuses a CVC for a certificate not issued, locked or closed', () => {
      given(d).when(cmd({ type: 'HandOutCvc', cvcHash: HASH })).thenFails('gcp.certificate_not_issued', { kind: 'not_found' });
      given(d, [issued, requested(), locked('NOTIFICATION_REQUESTED')]).when(cmd({ type: 'HandOutCvc', cvcHash: HASH })).thenFails('gcp.certificate_locked');
      given(d, [issued, requested(), redeemed('o9', '1000.00', '0.00')]).when(cmd({ type: 'HandOutCvc', cvcHash: HASH })).thenFails('gcp.certificate_not_spendable');
    });
    it('given the CVC handed out, when the CRM reports sent or failed, then NOTIFICATION_SENT / NOTIFICATION_FAILED; the same report again changes nothing', () => {
      given(d, ready).when(cmd({ type: 'RecordNotification', outcome: 'sent' })).then([sent]);
      given(d, [...ready, sent]).when(cmd({ type: 'RecordNotification', outcome: 'sent' })).then([]);
      assert.equal(given(d, ready).when(cmd({ type: 'RecordNotification', outcome: 'failed', reason: 'bounced' })).then([failed]).status, 'NOTIFICATION_FAILED');
      given(d, [...ready, failed]).when(cmd({ type: 'RecordNotification', outcome: 'failed', reason: 'bounced' })).then([]);
    });
    it('refuses a report before the CVC was handed out, for an unknown certificate, or when no delivery is awaited', () => {
      given(d, [issued, requested()]).when(cmd({ type: 'RecordNotification', outcome: 'sent' })).thenFails('gcp.cvc_not_handed_out');
      given(d).when(cmd({ type: 'RecordNotification', outcome: 'sent' })).thenFails('gcp.certificate_not_issued');
      given(d, [...ready, redeemed('o9', '10.00', '990.00')]).when(cmd({ type: 'RecordNotification', outcome: 'sent' })).thenFails('gcp.notification_not_expected');
    });
    it('given a failed delivery, when reissued, then generation 2 starts: the old hash no longer holds and a new CVC can be handed out', () => {
      const state = given(d, [...ready, failed]).when(cmd({ type: 'ReissueCvc', correlationId: 'corr-2' })).then([requested(2, 'corr-2')]);
      assert.deepEqual([state.cvcGeneration, state.cvcHandedOut, state.cvcHash, state.status], [2, false, undefined, 'NOTIFICATION_REQUESTED']);
      given(d, [...ready, failed, requested(2, 'corr-2')]).when(cmd({ type: 'HandOutCvc', cvcHash: WRONG })).then([handedOut(2, WRONG)]);
      given(d, [...ready, failed, requested(2, 'corr-2'), handedOut(2, WRONG)]).when(hold('h1', 'o1', '1.00', HASH)).then([{ type: 'CertificateCvcRejected', data: { failures: 1, rejectedAt: AT, by: BY } }]);
    });
    it('refuses a reissue unless the last delivery failed', () => {
      given(d, [...ready, sent]).when(cmd({ type: 'ReissueCvc', correlationId: 'c' })).thenFails('gcp.reissue_not_allowed');
      given(d).when(cmd({ type: 'ReissueCvc', correlationId: 'c' })).thenFails('gcp.certificate_not_issued');
    });
  });

  describe('HoldRedemption / ReleaseHold', () => {
    it('given the right CVC, when a hold is placed, then its amount is set aside; the same hold again changes nothing', () => {
      const state = given(d, ready).when(hold('h1', 'o1', '300.5')).then([held('h1', 'o1', '300.50', '699.50')]);
      assert.equal(state.holds.size, 1);
      given(d, [...ready, held('h1', 'o1', '300.50', '699.50')]).when(hold('h1', 'o1', '300.50')).then([]);
    });
    it('given a wrong CVC, then CertificateCvcRejected; at maxCvcFailures also LOCKED "too many CVC failures"', () => {
      const rejected = (failures: number): GiftCertificateEvent => ({ type: 'CertificateCvcRejected', data: { failures, rejectedAt: AT, by: BY } });
      given(d, ready).when(hold('h1', 'o1', '1.00', WRONG, 3)).then([rejected(1)]);
      given(d, [...ready, rejected(1), rejected(2)]).when(hold('h1', 'o1', '1.00', WRONG, 3)).then([rejected(3), locked('NOTIFICATION_REQUESTED', 'too many CVC failures', 'system:gcp-cvc-guard')]);
      given(d, [issued, requested()]).when(hold('h1', 'o1', '1.00', HASH)).then([rejected(1)]); // no CVC handed out yet: nothing matches
    });
    it('refuses more than the available balance, bad amounts, locked, expired, redeemed, refunding or unknown certificates', () => {
      given(d, [...ready, held('h1', 'o1', '900.00', '100.00')]).when(hold('h2', 'o2', '100.01')).thenFails('gcp.insufficient_balance', { field: 'amount' });
      for (const amount of ['0', '-1', '1.001', 'abc', '1e3']) given(d, ready).when(hold('h1', 'o1', amount)).thenFails('gcp.bad_amount');
      given(d, [...ready, locked('NOTIFICATION_REQUESTED')]).when(hold('h1', 'o1', '1.00')).thenFails('gcp.certificate_locked');
      given(d, ready).when(hold('h1', 'o1', '1.00', HASH, 5, new Date(EXPIRES))).thenFails('gcp.certificate_expired');
      given(d, [...ready, { type: 'CertificateExpired', data: { unredeemedBalance: '1000.00', expiredAt: AT, by: BY } }]).when(hold('h1', 'o1', '1.00')).thenFails('gcp.certificate_expired');
      given(d, [...ready, redeemed('o9', '1000.00', '0.00')]).when(hold('h1', 'o1', '1.00')).thenFails('gcp.insufficient_balance');
      given(d, [...ready, refundRequested(null)]).when(hold('h1', 'o1', '1.00')).thenFails('gcp.certificate_not_spendable');
      given(d).when(hold('h1', 'o1', '1.00')).thenFails('gcp.certificate_not_issued');
    });
    it('given a hold, when released, then its amount is available again; an unknown hold changes nothing', () => {
      const state = given(d, [...ready, held('h1', 'o1', '300.00', '700.00')])
        .when(cmd({ type: 'ReleaseHold', holdId: 'h1', reason: 'timeout' }))
        .then([{ type: 'RedemptionReleased', data: { holdId: 'h1', orderId: 'o1', amount: '300.00', reason: 'timeout', availableBalance: '1000.00', releasedAt: AT, by: BY } }]);
      assert.equal(state.holds.size, 0);
      given(d, ready).when(cmd({ type: 'ReleaseHold', holdId: 'h9', reason: 'timeout' })).then([]);
    });
  });

  describe('RedeemCertificate', () => {
    it('given a hold, when its order is paid, then the hold is captured: PARTIALLY_REDEEMED with the remaining balance; the rest REDEEMED with 0', () => {
      const state = given(d, [...ready, held('h1', 'o1', '300.00', '700.00')]).when(redeem('o1', '300.00')).then([redeemed('o1', '300.00', '700.00', 'h1')]);
      assert.deepEqual([state.status, state.balance, state.holds.size], ['PARTIALLY_REDEEMED', 70_000n, 0]);
      const full = given(d, [...ready, redeemed('o1', '300.00', '700.00')]).when(redeem('o2', '700')).then([redeemed('o2', '700.00', '0.00')]);
      assert.deepEqual([full.status, full.balance], ['REDEEMED', 0n]);
    });
    it('given an order already redeemed, then a repeated capture changes nothing', () => {
      given(d, [...ready, redeemed('o1', '300.00', '700.00')]).when(redeem('o1', '300.00')).then([]);
    });
    it('given more than the hold or the available balance, or a locked certificate, then RedemptionRefused explained for support', () => {
      const refused = (orderId: string, amount: string, reason: RegExp) => {
        const outcome = d.decide(redeem(orderId, amount), [...ready, held('h1', 'o1', '300.00', '700.00'), ...(reason.source.includes('locked') ? [locked('NOTIFICATION_REQUESTED')] : [])].reduce(d.evolve, d.initialState));
        assert.ok(isRight(outcome) && outcome.right.length === 1 && outcome.right[0]!.type === 'RedemptionRefused');
        assert.match((outcome.right[0]!.data as { reason: string }).reason, reason);
      };
      refused('o1', '300.01', /more than the 300.00 held/);
      refused('o2', '700.01', /only 700.00 RUB can be spent/);
      refused('o2', '1.00', /locked/);
    });
    it('refuses a bad amount and an unknown certificate', () => {
      given(d, ready).when(redeem('o1', '0')).thenFails('gcp.bad_amount');
      given(d).when(redeem('o1', '1.00')).thenFails('gcp.certificate_not_issued');
    });
  });

  describe('RequestRefund / ProvideRefundDetails / CompleteRefund', () => {
    it('given a working certificate, when a refund is asked without bank details, then REFUND_PENDING_DETAILS; with them REFUND_PENDING; the same refund again changes nothing', () => {
      assert.equal(given(d, ready).when(cmd({ type: 'RequestRefund', refundId: 'rf1', orderId: 'o1', bankDetails: null })).then([refundRequested(null)]).status, 'REFUND_PENDING_DETAILS');
      assert.equal(given(d, ready).when(cmd({ type: 'RequestRefund', refundId: 'rf1', orderId: 'o1', bankDetails: '{}' })).then([refundRequested('{}')]).status, 'REFUND_PENDING');
      given(d, [...ready, refundRequested(null)]).when(cmd({ type: 'RequestRefund', refundId: 'rf1', orderId: 'o1', bankDetails: null })).then([]);
    });
    it('refuses a second refund, a locked, expired, spent, holding or unknown certificate', () => {
      const request = cmd({ type: 'RequestRefund', refundId: 'rf2', orderId: 'o1', bankDetails: null });
      given(d, [...ready, refundRequested(null)]).when(request).thenFails('gcp.refund_in_progress');
      given(d, [...ready, locked('NOTIFICATION_REQUESTED')]).when(request).thenFails('gcp.certificate_locked');
      given(d, [...ready, { type: 'CertificateExpired', data: { unredeemedBalance: '1000.00', expiredAt: AT, by: BY } }]).when(request).thenFails('gcp.certificate_expired');
      given(d, [...ready, redeemed('o9', '1000.00', '0.00')]).when(request).thenFails('gcp.nothing_to_refund');
      given(d, [...ready, held('h1', 'o1', '1.00', '999.00')]).when(request).thenFails('gcp.redemption_pending');
      given(d).when(request).thenFails('gcp.certificate_not_issued');
    });
    it('given REFUND_PENDING_DETAILS, when the details arrive, then REFUND_PENDING; another refund id, details not awaited or a lock are refused', () => {
      const provide = (refundId = 'rf1') => cmd({ type: 'ProvideRefundDetails', refundId, bankDetails: '{"bik":"044525225"}' });
      assert.equal(given(d, [...ready, refundRequested(null)]).when(provide()).then([{ type: 'CertificateRefundDetailsProvided', data: { refundId: 'rf1', bankDetails: '{"bik":"044525225"}', providedAt: AT, by: BY } }]).status, 'REFUND_PENDING');
      given(d, [...ready, refundRequested(null)]).when(provide('rf9')).thenFails('gcp.refund_not_found', { kind: 'not_found' });
      given(d, [...ready, refundRequested('{}')]).when(provide()).thenFails('gcp.refund_details_not_awaited');
      given(d, [...ready, refundRequested(null), locked('NOTIFICATION_REQUESTED')]).when(provide()).thenFails('gcp.certificate_locked');
    });
    it('given REFUND_PENDING, when the refund payment arrives, then REFUNDED with balance 0; missing details, another amount or refund id are refused; a repeat changes nothing', () => {
      const complete = (amount = '1000.00', refundId = 'rf1') => cmd({ type: 'CompleteRefund', refundId, paymentId: 'rp1', amount });
      const state = given(d, [...ready, refundRequested('{}')]).when(complete()).then([{ type: 'CertificateRefunded', data: { refundId: 'rf1', paymentId: 'rp1', amount: '1000.00', refundedAt: AT, by: BY } }]);
      assert.deepEqual([state.status, state.balance], ['REFUNDED', 0n]);
      given(d, [...ready, refundRequested('{}'), { type: 'CertificateRefunded', data: { refundId: 'rf1', paymentId: 'rp1', amount: '1000.00', refundedAt: AT, by: BY } }]).when(complete()).then([]);
      given(d, [...ready, refundRequested(null)]).when(complete()).thenFails('gcp.refund_details_missing');
      given(d, [...ready, refundRequested('{}')]).when(complete('999.99')).thenFails('gcp.refund_amount_mismatch');
      given(d, [...ready, refundRequested('{}')]).when(complete('1000.00', 'rf9')).thenFails('gcp.refund_not_found');
      given(d, [...ready, refundRequested('{}'), locked('NOTIFICATION_REQUESTED')]).when(complete()).thenFails('gcp.certificate_locked');
    });
  });

  describe('LockCertificate / UnlockCertificate', () => {
    it('given a working certificate, when locked, then LOCKED remembering the previous status; locking again changes nothing', () => {
      const state = given(d, [...ready, sent]).when(cmd({ type: 'LockCertificate', reason: 'suspicious' })).then([locked('NOTIFICATION_SENT')]);
      assert.deepEqual([state.status, state.lock?.previousStatus, state.lock?.by], ['LOCKED', 'NOTIFICATION_SENT', BY]);
      given(d, [...ready, sent, locked('NOTIFICATION_SENT')]).when(cmd({ type: 'LockCertificate', reason: 'again' })).then([]);
    });
    it('refuses to lock a closed or unknown certificate', () => {
      given(d, [...ready, redeemed('o9', '1000.00', '0.00')]).when(cmd({ type: 'LockCertificate', reason: 'x' })).thenFails('gcp.certificate_closed');
      given(d).when(cmd({ type: 'LockCertificate', reason: 'x' })).thenFails('gcp.certificate_not_issued');
    });
    it('given LOCKED, when unlocked, then the previous status is back and the wrong CVCs are forgiven; unlocking an unlocked one is gcp.not_locked', () => {
      const rejected: GiftCertificateEvent = { type: 'CertificateCvcRejected', data: { failures: 4, rejectedAt: AT, by: BY } };
      const state = given(d, [...ready, redeemed('o1', '1.00', '999.00'), rejected, locked('PARTIALLY_REDEEMED')])
        .when(cmd({ type: 'UnlockCertificate', reason: 'verified' }))
        .then([{ type: 'CertificateUnlocked', data: { reason: 'verified', restoredStatus: 'PARTIALLY_REDEEMED', unlockedAt: AT, by: BY } }]);
      assert.deepEqual([state.status, state.cvcFailures, state.lock], ['PARTIALLY_REDEEMED', 0, undefined]);
      given(d, ready).when(cmd({ type: 'UnlockCertificate', reason: 'x' })).thenFails('gcp.not_locked');
      given(d).when(cmd({ type: 'UnlockCertificate', reason: 'x' })).thenFails('gcp.certificate_not_issued');
    });
  });

  describe('ExpireCertificate', () => {
    it('given a certificate past its expiry, then EXPIRED with the unredeemed balance, its holds gone; again (or closed, or never issued) nothing', () => {
      const after = new Date(EXPIRES);
      const expired: GiftCertificateEvent = { type: 'CertificateExpired', data: { unredeemedBalance: '700.00', expiredAt: EXPIRES, by: BY } };
      const state = given(d, [...ready, redeemed('o1', '300.00', '700.00'), held('h1', 'o2', '10.00', '690.00')]).when(cmd({ type: 'ExpireCertificate' }, after)).then([expired]);
      assert.deepEqual([state.status, state.holds.size], ['EXPIRED', 0]);
      given(d, [...ready, expired]).when(cmd({ type: 'ExpireCertificate' }, after)).then([]);
      given(d, [...ready, redeemed('o1', '1000.00', '0.00')]).when(cmd({ type: 'ExpireCertificate' }, after)).then([]);
      given(d).when(cmd({ type: 'ExpireCertificate' }, after)).then([]);
    });
    it('refuses to expire before the expiry', () => {
      given(d, ready).when(cmd({ type: 'ExpireCertificate' })).thenFails('gcp.not_yet_expired');
    });
  });
});
