import type { CertificatePoolEvent } from '../../domain/gift-certificates/certificate-pool.js';
import type { GiftCertificateEvent } from '../../domain/gift-certificates/gift-certificate.js';
import { fromMinorUnits, toMinorUnits } from '../../domain/money.js';

/**
 * The certificate as the read side knows it, folded from its pool's events (load, reservation,
 * release, issue of the reservation) and from its own stream `GiftCertificate-<id>`. ONE pure
 * fold serves the read model (rm_gift_certificates, its audit, the BI tables) and the published
 * stream `GiftCertificates.Stream` (which folds the certificate's stream alone), so a message
 * and its BI snapshot row are the same object.
 */
export interface CertificateLedger {
  readonly id: string;
  readonly number: string | null;
  readonly batch_id: string | null;
  readonly nominal: string | null;
  readonly currency: string | null;
  readonly expires_at: string | null;
  /** AVAILABLE / RESERVED in the pool, then a status of CERTIFICATE_STATUSES; null before anything is known. */
  readonly status: string | null;
  readonly channel: string | null;
  /** `<principal id>:<request id>` of the reservation (kept after issue: the channel that reserved reads it). */
  readonly request_id: string | null;
  readonly reserved_until: string | null;
  readonly loaded_at: string | null;
  readonly updated_at: string | null;
  readonly updated_by: string | null;
  /** Decimal string; null until issued. */
  readonly remaining_balance: string | null;
  /** Decimal string: the sum of pending holds. */
  readonly pending_amount: string;
  /** Pending holds: hold id → amount. */
  readonly holds: Readonly<Record<string, string>>;
  readonly notification_channel: string | null;
  readonly correlation_id: string | null;
  readonly lock_reason: string | null;
  /** The reason of the last CertificateIssueRefused (order and payment disagree …). */
  readonly issue_problem: string | null;
  readonly order_id: string | null;
  readonly client_id: string | null;
  /** The certificate stream's revision + 1 of the last event folded (0 while only the pool knows it). */
  readonly version: number;
  /** Status changes so far (the snapshot rows' sequence). */
  readonly changes: number;
  /** Audit entries so far (the audit rows' sequence). */
  readonly audit_entries: number;
}

export const emptyLedger = (id: string): CertificateLedger => ({
  id,
  number: null,
  batch_id: null,
  nominal: null,
  currency: null,
  expires_at: null,
  status: null,
  channel: null,
  request_id: null,
  reserved_until: null,
  loaded_at: null,
  updated_at: null,
  updated_by: null,
  remaining_balance: null,
  pending_amount: '0.00',
  holds: {},
  notification_channel: null,
  correlation_id: null,
  lock_reason: null,
  issue_problem: null,
  order_id: null,
  client_id: null,
  version: 0,
  changes: 0,
  audit_entries: 0,
});

/** One line of a certificate's audit: what happened, when, by whom, and the status after it. Never a CVC or its hash, never bank details. */
export interface AuditEntry {
  readonly type: string;
  readonly at: string;
  readonly by: string;
  readonly status_after: string | null;
  readonly reason: string | null;
  readonly amount: string | null;
  readonly remaining_balance: string | null;
  readonly order_id: string | null;
  readonly hold_id: string | null;
  readonly channel: string | null;
}

export interface Folded {
  readonly ledger: CertificateLedger;
  readonly audit: AuditEntry;
  /** True when this event is a status change: a snapshot row and a published message. */
  readonly statusChange: boolean;
}

type PoolEventOfCertificate = Exclude<CertificatePoolEvent, { type: 'CertificatesLoaded' | 'PoolExhausted' }>;

const sumHolds = (holds: Readonly<Record<string, string>>): string => fromMinorUnits(Object.values(holds).reduce((sum, amount) => sum + toMinorUnits(amount), 0n));
const without = (holds: Readonly<Record<string, string>>, holdId: string | null) => {
  if (holdId === null || !(holdId in holds)) return holds;
  const { [holdId]: _gone, ...rest } = holds;
  return rest;
};

/** When an event of the certificate's stream happened (its own timestamp). */
export function atOfCertificateEvent(event: GiftCertificateEvent): string {
  const d = event.data as Record<string, unknown>;
  for (const key of ['issuedAt', 'requestedAt', 'refusedAt', 'handedOutAt', 'sentAt', 'failedAt', 'rejectedAt', 'heldAt', 'releasedAt', 'redeemedAt', 'providedAt', 'refundedAt', 'lockedAt', 'unlockedAt', 'expiredAt']) {
    if (typeof d[key] === 'string') return d[key] as string;
  }
  throw new Error(`no timestamp in ${event.type}`);
}

const entry = (ledger: CertificateLedger, type: string, at: string, by: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  type,
  at,
  by,
  status_after: ledger.status,
  reason: null,
  amount: null,
  remaining_balance: ledger.remaining_balance,
  order_id: null,
  hold_id: null,
  channel: null,
  ...extra,
});

/** An event of the certificate's own stream (`revision`: its revision there). */
export function foldCertificateEvent(before: CertificateLedger, event: GiftCertificateEvent, revision: bigint): Folded {
  const at = atOfCertificateEvent(event);
  const by = event.data.by;
  const stamped = { ...before, version: Number(revision) + 1, updated_at: at, updated_by: by, audit_entries: before.audit_entries + 1 };
  let next: CertificateLedger = stamped;
  let extra: Partial<AuditEntry> = {};
  let redeemed = false;
  switch (event.type) {
    case 'CertificateIssued': {
      const d = event.data;
      next = {
        ...stamped,
        number: d.number,
        nominal: d.nominal,
        currency: d.currency,
        channel: d.channel,
        expires_at: new Date(d.expiresAt).toISOString(),
        status: 'ISSUED',
        remaining_balance: d.nominal,
        pending_amount: '0.00',
        holds: {},
        order_id: d.orderId,
        client_id: d.clientId,
        issue_problem: null,
        reserved_until: null,
        loaded_at: before.loaded_at ?? at,
      };
      extra = { order_id: d.orderId, channel: d.channel, amount: d.nominal };
      break;
    }
    case 'CertificateNotificationRequested':
      next = { ...stamped, status: 'NOTIFICATION_REQUESTED', notification_channel: event.data.notificationChannel, correlation_id: event.data.correlationId };
      extra = { reason: `CVC generation ${event.data.cvcGeneration} through ${event.data.notificationChannel}` };
      break;
    case 'CertificateIssueRefused':
      next = { ...stamped, issue_problem: event.data.reason };
      extra = { reason: event.data.reason, order_id: event.data.orderId };
      break;
    case 'CertificateCvcHandedOut':
      extra = { reason: `CVC generation ${event.data.cvcGeneration} handed out` };
      break;
    case 'CertificateNotificationSent':
      if (before.status === 'NOTIFICATION_REQUESTED' || before.status === 'NOTIFICATION_FAILED') next = { ...stamped, status: 'NOTIFICATION_SENT' };
      break;
    case 'CertificateNotificationFailed':
      if (before.status === 'NOTIFICATION_REQUESTED' || before.status === 'NOTIFICATION_SENT') next = { ...stamped, status: 'NOTIFICATION_FAILED' };
      extra = { reason: event.data.reason };
      break;
    case 'CertificateCvcRejected':
      extra = { reason: `wrong CVC (${event.data.failures} in a row)` };
      break;
    case 'RedemptionHeld': {
      const holds = { ...before.holds, [event.data.holdId]: event.data.amount };
      next = { ...stamped, holds, pending_amount: sumHolds(holds) };
      extra = { amount: event.data.amount, order_id: event.data.orderId, hold_id: event.data.holdId };
      break;
    }
    case 'RedemptionReleased': {
      const holds = without(before.holds, event.data.holdId);
      next = { ...stamped, holds, pending_amount: sumHolds(holds) };
      extra = { amount: event.data.amount, order_id: event.data.orderId, hold_id: event.data.holdId, reason: event.data.reason };
      break;
    }
    case 'CertificateRedeemed': {
      const holds = without(before.holds, event.data.holdId);
      next = { ...stamped, holds, pending_amount: sumHolds(holds), remaining_balance: event.data.remainingBalance, status: event.data.status };
      extra = { amount: event.data.amount, order_id: event.data.orderId, hold_id: event.data.holdId };
      redeemed = true;
      break;
    }
    case 'RedemptionRefused':
      extra = { amount: event.data.amount, order_id: event.data.orderId, reason: event.data.reason };
      break;
    case 'CertificateRefundRequested':
      next = { ...stamped, status: event.data.status };
      extra = { amount: event.data.amount, order_id: event.data.orderId, reason: event.data.bankDetails === null ? 'bank details missing' : null };
      break;
    case 'CertificateRefundDetailsProvided':
      next = { ...stamped, status: 'REFUND_PENDING' };
      extra = { reason: 'bank details provided' };
      break;
    case 'CertificateRefunded':
      next = { ...stamped, status: 'REFUNDED', remaining_balance: '0.00' };
      extra = { amount: event.data.amount };
      break;
    case 'CertificateLocked':
      next = { ...stamped, status: 'LOCKED', lock_reason: event.data.reason };
      extra = { reason: event.data.reason };
      break;
    case 'CertificateUnlocked':
      next = { ...stamped, status: event.data.restoredStatus, lock_reason: null };
      extra = { reason: event.data.reason };
      break;
    case 'CertificateExpired':
      // the balance stays: BI sees it as unredeemed value
      next = { ...stamped, status: 'EXPIRED', holds: {}, pending_amount: '0.00' };
      extra = { amount: event.data.unredeemedBalance };
      break;
  }
  const statusChange = next.status !== before.status || redeemed;
  const ledger = statusChange ? { ...next, changes: next.changes + 1 } : next;
  return { ledger, audit: entry(ledger, event.type, at, by, extra), statusChange };
}

/** A pool event about this certificate (reserved, released, issued); `by`: who asked (the event's actor). */
export function foldPoolEvent(before: CertificateLedger, event: PoolEventOfCertificate, by: string): Folded {
  const audited = { ...before, audit_entries: before.audit_entries + 1 };
  switch (event.type) {
    case 'CertificateReserved': {
      const d = event.data;
      // a late reservation event never drags an issued certificate back into the pool
      const inPool = before.status === null || before.status === 'AVAILABLE' || before.status === 'RESERVED';
      const next: CertificateLedger = inPool
        ? { ...audited, status: 'RESERVED', channel: d.channel, request_id: d.requestId, reserved_until: new Date(d.reservedUntil).toISOString(), updated_at: d.reservedAt, updated_by: by }
        : audited;
      const statusChange = next.status !== before.status;
      const ledger = statusChange ? { ...next, changes: next.changes + 1 } : next;
      return { ledger, audit: entry(ledger, event.type, d.reservedAt, by, { channel: d.channel }), statusChange };
    }
    case 'ReservationReleased': {
      const d = event.data;
      const releases = before.status === 'RESERVED' && before.request_id === d.requestId;
      const next: CertificateLedger = releases ? { ...audited, status: 'AVAILABLE', channel: null, request_id: null, reserved_until: null, updated_at: d.releasedAt, updated_by: by } : audited;
      const ledger = releases ? { ...next, changes: next.changes + 1 } : next;
      return { ledger, audit: entry(ledger, event.type, d.releasedAt, by, { reason: 'reservation lapsed' }), statusChange: releases };
    }
    case 'ReservationIssued': {
      // the reservation became a sale: it no longer lapses; the status follows the certificate's own stream
      const ledger: CertificateLedger = { ...audited, reserved_until: null };
      return { ledger, audit: entry(ledger, event.type, event.data.issuedAt, by, { channel: event.data.channel }), statusChange: false };
    }
  }
}

/** The public `GiftCertificate` object (the published message's data, a snapshot row). */
export interface GiftCertificateObject {
  readonly id: string | null;
  readonly number: string | null;
  readonly status: string;
  readonly nominal: string;
  readonly remaining_balance: string | null;
  readonly currency: string;
  readonly channel: string | null;
  readonly expires_at: string | null;
  readonly notification_channel: string | null;
  readonly correlation_id: string | null;
  readonly lock_reason: string | null;
  readonly version: number;
  readonly updated_at: string;
  readonly updated_by: string;
}

export const objectOf = (ledger: CertificateLedger): GiftCertificateObject => ({
  id: ledger.id,
  number: ledger.number,
  status: ledger.status ?? 'AVAILABLE',
  nominal: ledger.nominal ?? '0.00',
  remaining_balance: ledger.remaining_balance,
  currency: ledger.currency ?? '',
  channel: ledger.channel,
  expires_at: ledger.expires_at,
  notification_channel: ledger.notification_channel,
  correlation_id: ledger.correlation_id,
  lock_reason: ledger.lock_reason,
  version: ledger.version,
  updated_at: new Date(ledger.updated_at ?? 0).toISOString(),
  updated_by: ledger.updated_by ?? 'system',
});
