import * as t from 'io-ts';
import { CertificatePoolEvent } from '../../domain/gift-certificates/certificate-pool.js';
import { CERTIFICATE_STATUSES, certificateOfStream, GiftCertificateEvent } from '../../domain/gift-certificates/gift-certificate.js';
import { pickEvents } from '../../domain/event-codec.js';
import { definePublishedStream, type PublicMessage } from '../published-streams/published-stream.js';
import type { DomainEvent } from '../../domain/decider.js';
import { emptyLedger, foldCertificateEvent, objectOf, type CertificateLedger } from './certificate-ledger.js';

export const GIFT_CERTIFICATES_STREAM = 'GiftCertificates.Stream';

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

/**
 * `gift_certificate.status_changed` v1: the full `GiftCertificate` object as of one status
 * change (G-8). Amounts are decimal strings ("1000.00"). For ISSUE_BLOCKED (a pool ran dry)
 * there is no certificate yet: id, number, balance and expiry are null, nominal and currency
 * name the pool, channel the channel that asked. Never the CVC or its hash, never bank details,
 * never a client's contact data.
 */
export const GiftCertificateV1 = t.exact(
  t.type({
    id: nullable(t.string),
    number: nullable(t.string),
    status: t.keyof(Object.fromEntries([...CERTIFICATE_STATUSES, 'ISSUE_BLOCKED'].map((s) => [s, null])) as Record<(typeof CERTIFICATE_STATUSES)[number] | 'ISSUE_BLOCKED', null>),
    nominal: t.string,
    remaining_balance: nullable(t.string),
    currency: t.string,
    channel: nullable(t.string),
    expires_at: nullable(t.string),
    notification_channel: nullable(t.string),
    correlation_id: nullable(t.string),
    lock_reason: nullable(t.string),
    /** The certificate stream's revision + 1 at this change: a consumer keeps the highest per id. */
    version: t.number,
    updated_at: t.string,
    updated_by: t.string,
  }),
  'GiftCertificateV1',
);
type GiftCertificateV1 = t.TypeOf<typeof GiftCertificateV1>;

/** The events of a certificate's stream that may change its status (the others only change holds or the audit). */
const STATUS_EVENTS = [
  'CertificateIssued',
  'CertificateNotificationRequested',
  'CertificateNotificationSent',
  'CertificateNotificationFailed',
  'CertificateRedeemed',
  'CertificateRefundRequested',
  'CertificateRefundDetailsProvided',
  'CertificateRefunded',
  'CertificateLocked',
  'CertificateUnlocked',
  'CertificateExpired',
] as const;

const GiftCertificatesStreamEvents = t.union([pickEvents(GiftCertificateEvent, STATUS_EVENTS), pickEvents(CertificatePoolEvent, ['PoolExhausted'])]);
type StreamEvent = t.TypeOf<typeof GiftCertificatesStreamEvents>;

/** The certificate's state folded with the read model's own fold (so a message equals its BI snapshot row). */
interface Folding {
  readonly ledger: CertificateLedger;
  readonly statusChange: boolean;
}

const statusChanged: PublicMessage<Extract<StreamEvent, { type: (typeof STATUS_EVENTS)[number] }>, typeof GiftCertificateV1, Folding> = {
  type: 'gift_certificate.status_changed',
  version: 1,
  description: 'A gift certificate changed status (issued, notification requested/sent/failed, redeemed in part or in full, refund pending/done, locked, unlocked, expired): the full object after it',
  data: GiftCertificateV1,
  map: (_event, state) => {
    if (!state || !state.after.statusChange || state.after.ledger.number === null) return null;
    return { subject: state.after.ledger.id, data: objectOf(state.after.ledger) as GiftCertificateV1 };
  },
};

const issueBlocked: PublicMessage<Extract<StreamEvent, { type: 'PoolExhausted' }>, typeof GiftCertificateV1, Folding> = {
  ...statusChanged,
  description: 'ISSUE_BLOCKED: the pool of one nominal and currency ran dry (once per exhaustion)',
  map: (event) => ({
    subject: `pool:${event.data.currency}:${event.data.nominal}`,
    data: {
      id: null,
      number: null,
      status: 'ISSUE_BLOCKED',
      nominal: event.data.nominal,
      remaining_balance: null,
      currency: event.data.currency,
      channel: event.data.channel,
      expires_at: null,
      notification_channel: null,
      correlation_id: null,
      lock_reason: null,
      version: 0,
      updated_at: new Date(event.data.blockedAt).toISOString(),
      updated_by: typeof event.metadata.actor === 'string' ? event.metadata.actor : 'system:gcp-pool',
    },
  }),
};

/**
 * `GiftCertificates.Stream` (G-8): every status change of a gift certificate as the full
 * `GiftCertificate` object, and ISSUE_BLOCKED. Each message is folded at read time from the
 * certificate's own stream (`GiftCertificate-<id>`) up to its event; readers need the scope
 * `stream:GiftCertificates.Stream`. The pool's AVAILABLE ⇄ RESERVED is not published (the pool's
 * inventory, not a sold certificate); it is in the read model and the BI snapshots.
 */
export const giftCertificatesStream = definePublishedStream<StreamEvent, Folding>({
  name: GIFT_CERTIFICATES_STREAM,
  description: 'every status change of a gift certificate as the full GiftCertificate object, and ISSUE_BLOCKED when a pool runs dry',
  events: GiftCertificatesStreamEvents,
  state: {
    appliesTo: (streamName) => certificateOfStream(streamName) !== undefined,
    events: GiftCertificateEvent as unknown as t.Type<DomainEvent, unknown, unknown>,
    initial: (streamName) => ({ ledger: emptyLedger(certificateOfStream(streamName)!), statusChange: false }),
    evolve: (state, event) => {
      const folded = foldCertificateEvent(state.ledger, event as unknown as GiftCertificateEvent, event.revision);
      return { ledger: folded.ledger, statusChange: folded.statusChange };
    },
  },
  messages: {
    ...(Object.fromEntries(STATUS_EVENTS.map((type) => [type, statusChanged])) as { [K in (typeof STATUS_EVENTS)[number]]: typeof statusChanged }),
    PoolExhausted: issueBlocked,
  },
});
