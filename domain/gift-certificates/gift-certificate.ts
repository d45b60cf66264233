import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { DomainError, EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';
import { fromMinorUnits, toMinorUnits } from '../money.js';

/**
 * One gift certificate after it left the pool (G-3 … G-7, expiry): its stream
 * `GiftCertificate-<id>` IS the ledger (pretix / Square style). The balance is the nominal
 * minus every captured redemption; a pending hold (a POS authorization) takes its amount out
 * of what can be spent until it is captured or released. "Never more than the balance" is
 * decided here and nowhere else, under the stream's expected revision.
 *
 * Amounts in events are decimal strings of minor-unit precision ("1000.00"); the state keeps
 * whole minor units (bigint) so sums never round. The CVC never reaches this module: callers
 * pass its keyed hash (HMAC), and a hash is all an event keeps.
 */

export const CERTIFICATE_STATUSES = [
  'ISSUED',
  'NOTIFICATION_REQUESTED',
  'NOTIFICATION_SENT',
  'NOTIFICATION_FAILED',
  'PARTIALLY_REDEEMED',
  'REDEEMED',
  'REFUND_PENDING',
  'REFUND_PENDING_DETAILS',
  'REFUNDED',
  'LOCKED',
  'EXPIRED',
] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];
const Status = t.keyof(Object.fromEntries(CERTIFICATE_STATUSES.map((s) => [s, null])) as Record<CertificateStatus, null>);

/** Statuses a certificate can be spent (or refunded) in. */
const WORKING: readonly CertificateStatus[] = ['ISSUED', 'NOTIFICATION_REQUESTED', 'NOTIFICATION_SENT', 'NOTIFICATION_FAILED', 'PARTIALLY_REDEEMED'];
export const isWorking = (status: CertificateStatus | 'NONE'): boolean => (WORKING as readonly string[]).includes(status);

/** Who did it: `user:<id>`, `service:<id>`, `system:<process>`. */
const By = t.string;

export const GiftCertificateEvent = t.union([
  /** ISSUED (G-3): the order and the payment authorization of a reserved certificate agreed. */
  eventCodec(
    'CertificateIssued',
    t.type({
      certificateId: t.string,
      number: t.string,
      nominal: t.string,
      currency: t.string,
      channel: t.string,
      expiresAt: t.string,
      orderId: t.string,
      paymentId: t.string,
      clientId: t.union([t.string, t.null]),
      issuedAt: t.string,
      by: By,
    }),
  ),
  /** NOTIFICATION_REQUESTED (G-3): the CRM is to deliver the CVC through `notificationChannel`. */
  eventCodec('CertificateNotificationRequested', t.type({ notificationChannel: t.string, correlationId: t.string, cvcGeneration: t.number, requestedAt: t.string, by: By })),
  /** An issue that could not happen, explained for support (G-3: order and payment disagree, reservation lapsed …). */
  eventCodec('CertificateIssueRefused', t.type({ orderId: t.string, reason: t.string, refusedAt: t.string, by: By })),
  /** The one-time CVC of this generation was handed to the CRM (G-4); only its keyed hash is kept. */
  eventCodec('CertificateCvcHandedOut', t.type({ cvcGeneration: t.number, cvcHash: t.string, handedOutAt: t.string, by: By })),
  eventCodec('CertificateNotificationSent', t.type({ cvcGeneration: t.number, sentAt: t.string, by: By })),
  eventCodec('CertificateNotificationFailed', t.type({ cvcGeneration: t.number, reason: t.string, failedAt: t.string, by: By })),
  /** A wrong CVC was presented (G-5); `failures` counts them since issue or the last unlock. */
  eventCodec('CertificateCvcRejected', t.type({ failures: t.number, rejectedAt: t.string, by: By })),
  /** A pending redemption (Square's PENDING REDEEM): the amount is set aside until captured or released. */
  eventCodec('RedemptionHeld', t.type({ holdId: t.string, orderId: t.string, amount: t.string, heldUntil: t.string, availableBalance: t.string, heldAt: t.string, by: By })),
  eventCodec('RedemptionReleased', t.type({ holdId: t.string, orderId: t.string, amount: t.string, reason: t.string, availableBalance: t.string, releasedAt: t.string, by: By })),
  /** PARTIALLY_REDEEMED / REDEEMED (G-5): money left the certificate; `remainingBalance` is the balance after. */
  eventCodec(
    'CertificateRedeemed',
    t.type({ orderId: t.string, paymentId: t.string, holdId: t.union([t.string, t.null]), amount: t.string, remainingBalance: t.string, status: Status, redeemedAt: t.string, by: By }),
  ),
  /** A matched redemption that could not be spent (insufficient balance, locked …), explained for support. */
  eventCodec('RedemptionRefused', t.type({ orderId: t.string, amount: t.string, reason: t.string, refusedAt: t.string, by: By })),
  /** REFUND_PENDING or REFUND_PENDING_DETAILS (G-6). The bank details, when sent, are personal data (sealed in the log). */
  eventCodec(
    'CertificateRefundRequested',
    t.type({ refundId: t.string, orderId: t.string, amount: t.string, status: t.keyof({ REFUND_PENDING: null, REFUND_PENDING_DETAILS: null }), bankDetails: t.union([t.string, t.null]), requestedAt: t.string, by: By }),
    { personal: { subject: (d) => `gift-refund:${d.refundId}`, fields: ['bankDetails'] } },
  ),
  eventCodec('CertificateRefundDetailsProvided', t.type({ refundId: t.string, bankDetails: t.string, providedAt: t.string, by: By }), {
    personal: { subject: (d) => `gift-refund:${d.refundId}`, fields: ['bankDetails'] },
  }),
  eventCodec('CertificateRefunded', t.type({ refundId: t.string, paymentId: t.string, amount: t.string, refundedAt: t.string, by: By })),
  /** LOCKED (G-7): nothing can be redeemed or refunded; `previousStatus` is what unlock restores. */
  eventCodec('CertificateLocked', t.type({ reason: t.string, previousStatus: Status, lockedAt: t.string, by: By })),
  eventCodec('CertificateUnlocked', t.type({ reason: t.string, restoredStatus: Status, unlockedAt: t.string, by: By })),
  /** EXPIRED: past its expiry; `unredeemedBalance` stays visible to BI, it can no longer be spent. */
  eventCodec('CertificateExpired', t.type({ unredeemedBalance: t.string, expiredAt: t.string, by: By })),
]);
export type GiftCertificateEvent = t.TypeOf<typeof GiftCertificateEvent>;
export type GiftCertificateEventOf<K extends GiftCertificateEvent['type']> = Extract<GiftCertificateEvent, { type: K }>;

export interface Hold {
  readonly holdId: string;
  readonly orderId: string;
  readonly amount: bigint;
  readonly heldUntil: string;
}

export interface GiftCertificateState {
  readonly status: CertificateStatus | 'NONE';
  readonly issued?: GiftCertificateEventOf<'CertificateIssued'>['data'];
  /** Whole minor units left on the certificate (captured redemptions taken off). */
  readonly balance: bigint;
  /** Pending holds by hold id. */
  readonly holds: ReadonlyMap<string, Hold>;
  /** Orders already redeemed (a repeated capture changes nothing). */
  readonly redeemedOrders: ReadonlySet<string>;
  readonly notificationChannel?: string;
  readonly correlationId?: string;
  /** The CVC generation in force; a reissue starts the next one and the old CVC stops working. */
  readonly cvcGeneration: number;
  readonly cvcHash?: string;
  readonly cvcHandedOut: boolean;
  readonly cvcFailures: number;
  readonly lock?: { readonly reason: string; readonly previousStatus: CertificateStatus; readonly by: string };
  readonly refund?: { readonly refundId: string; readonly orderId: string; readonly amount: string; readonly detailsProvided: boolean };
  readonly issueRefusals: number;
}

export const initialCertificateState: GiftCertificateState = {
  status: 'NONE',
  balance: 0n,
  holds: new Map(),
  redeemedOrders: new Set(),
  cvcGeneration: 1,
  cvcHandedOut: false,
  cvcFailures: 0,
  issueRefusals: 0,
};

/** Minor units that can still be spent: the balance less every pending hold. */
export const availableBalance = (state: GiftCertificateState): bigint => {
  let held = 0n;
  for (const hold of state.holds.values()) held += hold.amount;
  return state.balance - held;
};

export const streamOfCertificate = (certificateId: string): string => `GiftCertificate-${certificateId}`;
export const certificateOfStream = (stream: string): string | undefined => (stream.startsWith('GiftCertificate-') ? stream.slice('GiftCertificate-'.length) : undefined);

interface Stamp {
  readonly now: Date;
  /** `user:<id>`, `service:<id>` or `system:<process>`. */
  readonly by: string;
}

export type GiftCertificateCommand =
  | ({ readonly type: 'IssueCertificate'; readonly certificateId: string; readonly number: string; readonly nominal: string; readonly currency: string; readonly channel: string; readonly expiresAt: string; readonly orderId: string; readonly paymentId: string; readonly clientId: string | null; readonly notificationChannel: string; readonly correlationId: string } & Stamp)
  | ({ readonly type: 'RefuseIssue'; readonly orderId: string; readonly reason: string } & Stamp)
  | ({ readonly type: 'HandOutCvc'; readonly cvcHash: string } & Stamp)
  | ({ readonly type: 'RecordNotification'; readonly outcome: 'sent' | 'failed'; readonly reason?: string } & Stamp)
  | ({ readonly type: 'ReissueCvc'; readonly correlationId: string } & Stamp)
  | ({ readonly type: 'HoldRedemption'; readonly holdId: string; readonly orderId: string; readonly amount: string; readonly cvcHash: string; readonly heldUntil: string; readonly maxCvcFailures: number } & Stamp)
  | ({ readonly type: 'ReleaseHold'; readonly holdId: string; readonly reason: string } & Stamp)
  | ({ readonly type: 'RedeemCertificate'; readonly orderId: string; readonly paymentId: string; readonly amount: string } & Stamp)
  /** A matched redemption that is not to be spent (its order and payment disagree): recorded for support, the balance is untouched. */
  | ({ readonly type: 'RefuseRedemption'; readonly orderId: string; readonly amount: string; readonly reason: string } & Stamp)
  | ({ readonly type: 'RequestRefund'; readonly refundId: string; readonly orderId: string; readonly bankDetails: string | null } & Stamp)
  | ({ readonly type: 'ProvideRefundDetails'; readonly refundId: string; readonly bankDetails: string } & Stamp)
  | ({ readonly type: 'CompleteRefund'; readonly refundId: string; readonly paymentId: string; readonly amount: string } & Stamp)
  | ({ readonly type: 'LockCertificate'; readonly reason: string } & Stamp)
  | ({ readonly type: 'UnlockCertificate'; readonly reason: string } & Stamp)
  | ({ readonly type: 'ExpireCertificate' } & Stamp);

const err = domainError;
const notIssued = () => err('not_found', 'gcp.certificate_not_issued', 'the certificate has not been issued');
const locked = (state: GiftCertificateState) => err('conflict', 'gcp.certificate_locked', `the certificate is locked: ${state.lock?.reason ?? 'by support'}`);

/** Why this certificate cannot be spent now, or undefined when it can. */
function unspendable(state: GiftCertificateState, now: Date): DomainError | undefined {
  if (state.status === 'NONE') return notIssued();
  if (state.status === 'LOCKED') return locked(state);
  if (state.status === 'EXPIRED' || (state.issued && now.getTime() >= Date.parse(state.issued.expiresAt))) return err('conflict', 'gcp.certificate_expired', 'the certificate has expired');
  if (state.status === 'REDEEMED') return err('conflict', 'gcp.insufficient_balance', 'the certificate is fully redeemed', 'amount');
  if (!isWorking(state.status)) return err('conflict', 'gcp.certificate_not_spendable', `a certificate in status ${state.status} cannot be spent`);
  return undefined;
}

/** An amount as the certificate's minor units, or why it is not one. */
function amountOf(text: string): Either<DomainError, bigint> {
  if (!/^(0|[1-9]\d{0,11})(\.\d{1,2})?$/.test(text)) return left(err('rule_violated', 'gcp.bad_amount', 'an amount is a decimal string with at most two decimals', 'amount'));
  const minor = toMinorUnits(text);
  return minor > 0n ? right(minor) : left(err('rule_violated', 'gcp.bad_amount', 'the amount must be more than zero', 'amount'));
}

const statusAfterSpending = (balance: bigint): CertificateStatus => (balance === 0n ? 'REDEEMED' : 'PARTIALLY_REDEEMED');

export const giftCertificateDecider: EventSourcedDecider<GiftCertificateCommand, GiftCertificateEvent, GiftCertificateState> = {
  events: GiftCertificateEvent,
  initialState: initialCertificateState,
  decide(command, state): Either<DomainError, readonly GiftCertificateEvent[]> {
    const at = command.now.toISOString();
    const by = command.by;
    switch (command.type) {
      case 'IssueCertificate': {
        if (state.issued) {
          return state.issued.orderId === command.orderId ? right([]) : left(err('conflict', 'gcp.already_issued', `the certificate was already issued for order ${state.issued.orderId}`));
        }
        const { type: _t, now: _n, by: _b, notificationChannel, correlationId, ...issued } = command;
        return right([
          { type: 'CertificateIssued', data: { ...issued, nominal: fromMinorUnits(toMinorUnits(command.nominal)), issuedAt: at, by } },
          { type: 'CertificateNotificationRequested', data: { notificationChannel, correlationId, cvcGeneration: state.cvcGeneration, requestedAt: at, by } },
        ]);
      }
      case 'RefuseIssue':
        if (state.issued) return right([]);
        return right([{ type: 'CertificateIssueRefused', data: { orderId: command.orderId, reason: command.reason, refusedAt: at, by } }]);
      case 'HandOutCvc': {
        if (!state.issued) return left(notIssued());
        if (state.status === 'LOCKED') return left(locked(state));
        if (!isWorking(state.status)) return left(err('conflict', 'gcp.certificate_not_spendable', `a certificate in status ${state.status} has no CVC to hand out`));
        if (state.cvcHandedOut) return left(err('conflict', 'gcp.cvc_already_handed_out', 'the CVC of this certificate was already handed out; after a failed delivery, reissue it'));
        return right([{ type: 'CertificateCvcHandedOut', data: { cvcGeneration: state.cvcGeneration, cvcHash: command.cvcHash, handedOutAt: at, by } }]);
      }
      case 'RecordNotification': {
        if (!state.issued) return left(notIssued());
        if (!state.cvcHandedOut) return left(err('conflict', 'gcp.cvc_not_handed_out', 'the CVC of this generation has not been handed out yet'));
        const already = command.outcome === 'sent' ? state.status === 'NOTIFICATION_SENT' : state.status === 'NOTIFICATION_FAILED';
        if (already) return right([]);
        if (state.status !== 'NOTIFICATION_REQUESTED' && state.status !== 'NOTIFICATION_FAILED' && state.status !== 'NOTIFICATION_SENT') {
          return left(err('conflict', 'gcp.notification_not_expected', `no delivery is awaited in status ${state.status}`));
        }
        return right([
          command.outcome === 'sent'
            ? { type: 'CertificateNotificationSent', data: { cvcGeneration: state.cvcGeneration, sentAt: at, by } }
            : { type: 'CertificateNotificationFailed', data: { cvcGeneration: state.cvcGeneration, reason: command.reason ?? 'not given', failedAt: at, by } },
        ]);
      }
      case 'ReissueCvc': {
        if (!state.issued) return left(notIssued());
        if (state.status !== 'NOTIFICATION_FAILED') return left(err('conflict', 'gcp.reissue_not_allowed', 'a new CVC is issued only after a failed delivery'));
        return right([{ type: 'CertificateNotificationRequested', data: { notificationChannel: state.notificationChannel!, correlationId: command.correlationId, cvcGeneration: state.cvcGeneration + 1, requestedAt: at, by } }]);
      }
      case 'HoldRedemption': {
        if (state.holds.has(command.holdId)) return right([]);
        const refusal = unspendable(state, command.now);
        if (refusal) return left(refusal);
        if (!state.cvcHash || command.cvcHash !== state.cvcHash) {
          const failures = state.cvcFailures + 1;
          const rejected: GiftCertificateEvent = { type: 'CertificateCvcRejected', data: { failures, rejectedAt: at, by } };
          if (failures < command.maxCvcFailures) return right([rejected]);
          return right([rejected, { type: 'CertificateLocked', data: { reason: 'too many CVC failures', previousStatus: state.status as CertificateStatus, lockedAt: at, by: 'system:gcp-cvc-guard' } }]);
        }
        const amount = amountOf(command.amount);
        if (amount._tag === 'Left') return amount;
        const available = availableBalance(state);
        if (amount.right > available) return left(err('conflict', 'gcp.insufficient_balance', `only ${fromMinorUnits(available)} ${state.issued!.currency} can be spent`, 'amount'));
        return right([
          { type: 'RedemptionHeld', data: { holdId: command.holdId, orderId: command.orderId, amount: fromMinorUnits(amount.right), heldUntil: command.heldUntil, availableBalance: fromMinorUnits(available - amount.right), heldAt: at, by } },
        ]);
      }
      case 'ReleaseHold': {
        const hold = state.holds.get(command.holdId);
        if (!hold) return right([]);
        return right([{ type: 'RedemptionReleased', data: { holdId: hold.holdId, orderId: hold.orderId, amount: fromMinorUnits(hold.amount), reason: command.reason, availableBalance: fromMinorUnits(availableBalance(state) + hold.amount), releasedAt: at, by } }]);
      }
      case 'RedeemCertificate': {
        if (state.redeemedOrders.has(command.orderId)) return right([]);
        const amount = amountOf(command.amount);
        if (amount._tag === 'Left') return amount;
        const hold = [...state.holds.values()].find((h) => h.orderId === command.orderId);
        const refused = (reason: string): Either<DomainError, readonly GiftCertificateEvent[]> =>
          right([{ type: 'RedemptionRefused', data: { orderId: command.orderId, amount: fromMinorUnits(amount.right), reason, refusedAt: at, by } }]);
        const refusal = unspendable(state, command.now);
        if (refusal) return state.issued ? refused(refusal.message) : left(refusal);
        if (hold) {
          if (amount.right > hold.amount) return refused(`the payment of ${fromMinorUnits(amount.right)} is more than the ${fromMinorUnits(hold.amount)} held for order ${command.orderId}`);
        } else if (amount.right > availableBalance(state)) {
          return refused(`only ${fromMinorUnits(availableBalance(state))} ${state.issued!.currency} can be spent, ${fromMinorUnits(amount.right)} was asked`);
        }
        const remaining = state.balance - amount.right;
        return right([
          {
            type: 'CertificateRedeemed',
            data: { orderId: command.orderId, paymentId: command.paymentId, holdId: hold?.holdId ?? null, amount: fromMinorUnits(amount.right), remainingBalance: fromMinorUnits(remaining), status: statusAfterSpending(remaining), redeemedAt: at, by },
          },
        ]);
      }
      case 'RefuseRedemption': {
        if (state.redeemedOrders.has(command.orderId)) return right([]);
        if (!state.issued) return left(notIssued());
        const amount = amountOf(command.amount);
        if (amount._tag === 'Left') return amount;
        return right([{ type: 'RedemptionRefused', data: { orderId: command.orderId, amount: fromMinorUnits(amount.right), reason: command.reason, refusedAt: at, by } }]);
      }
      case 'RequestRefund': {
        if (state.refund) return state.refund.refundId === command.refundId ? right([]) : left(err('conflict', 'gcp.refund_in_progress', 'a refund of this certificate is already in progress'));
        if (!state.issued) return left(notIssued());
        if (state.status === 'LOCKED') return left(locked(state));
        if (state.status === 'EXPIRED') return left(err('conflict', 'gcp.certificate_expired', 'the certificate has expired'));
        if (!isWorking(state.status) || state.balance === 0n) return left(err('conflict', 'gcp.nothing_to_refund', `a certificate in status ${state.status} with balance ${fromMinorUnits(state.balance)} cannot be refunded`));
        if (state.holds.size > 0) return left(err('conflict', 'gcp.redemption_pending', 'a redemption is pending; capture or release it first'));
        return right([
          { type: 'CertificateRefundRequested', data: { refundId: command.refundId, orderId: command.orderId, amount: fromMinorUnits(state.balance), status: command.bankDetails === null ? 'REFUND_PENDING_DETAILS' : 'REFUND_PENDING', bankDetails: command.bankDetails, requestedAt: at, by } },
        ]);
      }
      case 'ProvideRefundDetails': {
        if (!state.refund || state.refund.refundId !== command.refundId) return left(err('not_found', 'gcp.refund_not_found', 'no such refund of this certificate'));
        if (state.status === 'LOCKED') return left(locked(state));
        if (state.status !== 'REFUND_PENDING_DETAILS') return left(err('conflict', 'gcp.refund_details_not_awaited', `no bank details are awaited in status ${state.status}`));
        return right([{ type: 'CertificateRefundDetailsProvided', data: { refundId: command.refundId, bankDetails: command.bankDetails, providedAt: at, by } }]);
      }
      case 'CompleteRefund': {
        if (state.status === 'REFUNDED') return right([]);
        if (!state.refund || state.refund.refundId !== command.refundId) return left(err('not_found', 'gcp.refund_not_found', 'no such refund of this certificate'));
        if (state.status === 'LOCKED') return left(locked(state));
        if (state.status !== 'REFUND_PENDING') return left(err('conflict', 'gcp.refund_details_missing', 'the bank details of this refund are still missing'));
        const refunded = amountOf(command.amount);
        if (refunded._tag === 'Left') return refunded;
        if (refunded.right !== toMinorUnits(state.refund.amount)) return left(err('conflict', 'gcp.refund_amount_mismatch', `the refund payment of ${command.amount} differs from the ${state.refund.amount} to refund`, 'amount'));
        return right([{ type: 'CertificateRefunded', data: { refundId: command.refundId, paymentId: command.paymentId, amount: state.refund.amount, refundedAt: at, by } }]);
      }
      case 'LockCertificate': {
        if (!state.issued) return left(notIssued());
        if (state.status === 'LOCKED') return right([]);
        if (state.status === 'REFUNDED' || state.status === 'EXPIRED' || state.status === 'REDEEMED') return left(err('conflict', 'gcp.certificate_closed', `a ${state.status} certificate cannot be locked`));
        return right([{ type: 'CertificateLocked', data: { reason: command.reason, previousStatus: state.status as CertificateStatus, lockedAt: at, by } }]);
      }
      case 'UnlockCertificate': {
        if (!state.issued) return left(notIssued());
        if (state.status !== 'LOCKED') return left(err('conflict', 'gcp.not_locked', 'the certificate is not locked'));
        return right([{ type: 'CertificateUnlocked', data: { reason: command.reason, restoredStatus: state.lock!.previousStatus, unlockedAt: at, by } }]);
      }
      case 'ExpireCertificate': {
        if (!state.issued || state.status === 'EXPIRED' || state.status === 'REDEEMED' || state.status === 'REFUNDED') return right([]);
        if (command.now.getTime() < Date.parse(state.issued.expiresAt)) return left(err('rule_violated', 'gcp.not_yet_expired', 'the certificate has not reached its expiry'));
        return right([{ type: 'CertificateExpired', data: { unredeemedBalance: fromMinorUnits(state.balance), expiredAt: at, by } }]);
      }
    }
  },
  evolve(state, event): GiftCertificateState {
    switch (event.type) {
      case 'CertificateIssued':
        return { ...state, issued: event.data, status: 'ISSUED', balance: toMinorUnits(event.data.nominal) };
      case 'CertificateNotificationRequested':
        return {
          ...state,
          status: 'NOTIFICATION_REQUESTED',
          notificationChannel: event.data.notificationChannel,
          correlationId: event.data.correlationId,
          cvcGeneration: event.data.cvcGeneration,
          cvcHandedOut: event.data.cvcGeneration === state.cvcGeneration ? state.cvcHandedOut : false,
          cvcHash: event.data.cvcGeneration === state.cvcGeneration ? state.cvcHash : undefined,
        };
      case 'CertificateIssueRefused':
        return { ...state, issueRefusals: state.issueRefusals + 1 };
      case 'CertificateCvcHandedOut':
        return { ...state, cvcHandedOut: true, cvcHash: event.data.cvcHash };
      case 'CertificateNotificationSent':
        return { ...state, status: state.status === 'NOTIFICATION_REQUESTED' || state.status === 'NOTIFICATION_FAILED' ? 'NOTIFICATION_SENT' : state.status };
      case 'CertificateNotificationFailed':
        return { ...state, status: state.status === 'NOTIFICATION_REQUESTED' || state.status === 'NOTIFICATION_SENT' ? 'NOTIFICATION_FAILED' : state.status };
      case 'CertificateCvcRejected':
        return { ...state, cvcFailures: event.data.failures };
      case 'RedemptionHeld': {
        const holds = new Map(state.holds);
        holds.set(event.data.holdId, { holdId: event.data.holdId, orderId: event.data.orderId, amount: toMinorUnits(event.data.amount), heldUntil: event.data.heldUntil });
        return { ...state, holds };
      }
      case 'RedemptionReleased': {
        const holds = new Map(state.holds);
        holds.delete(event.data.holdId);
        return { ...state, holds };
      }
      case 'CertificateRedeemed': {
        const holds = event.data.holdId ? new Map(state.holds) : state.holds;
        if (event.data.holdId) (holds as Map<string, Hold>).delete(event.data.holdId);
        const redeemedOrders = new Set(state.redeemedOrders);
        redeemedOrders.add(event.data.orderId);
        return { ...state, holds, redeemedOrders, balance: state.balance - toMinorUnits(event.data.amount), status: event.data.status };
      }
      case 'RedemptionRefused':
        return state;
      case 'CertificateRefundRequested':
        return { ...state, status: event.data.status, refund: { refundId: event.data.refundId, orderId: event.data.orderId, amount: event.data.amount, detailsProvided: event.data.bankDetails !== null } };
      case 'CertificateRefundDetailsProvided':
        return { ...state, status: 'REFUND_PENDING', refund: { ...state.refund!, detailsProvided: true } };
      case 'CertificateRefunded':
        return { ...state, status: 'REFUNDED', balance: 0n };
      case 'CertificateLocked':
        return { ...state, status: 'LOCKED', lock: { reason: event.data.reason, previousStatus: event.data.previousStatus, by: event.data.by } };
      case 'CertificateUnlocked': {
        const { lock: _lock, ...rest } = state;
        return { ...rest, status: event.data.restoredStatus, cvcFailures: 0 };
      }
      case 'CertificateExpired':
        return { ...state, status: 'EXPIRED', holds: new Map() };
    }
  },
};
