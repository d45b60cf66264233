import * as t from 'io-ts';
import { effectKind } from '../../sagas/effect-kind.js';

/**
 * Outbox effects of the order-matching saga (G-3, G-5, G-6): the saga enqueues them when an
 * order and its payment have both been seen, `order-effects.ts` performs them. Each payload
 * carries `decidedAt`, the moment the saga matched them: the commands are stamped with it, so
 * a retried effect repeats the same command (same command id) and records nothing twice.
 */

const Money = { amount: t.string, currency: t.string };

/** A purchase order and its payment authorization: confirm the reservation, issue the certificate (or refuse, explained). */
export const IssueCertificateForOrder = effectKind(
  'gcp.issue-certificate',
  t.type({
    orderId: t.string,
    certificateId: t.string,
    channel: t.string,
    notificationChannel: t.union([t.string, t.null]),
    clientId: t.union([t.string, t.null]),
    order: t.type(Money),
    paymentId: t.string,
    payment: t.type(Money),
    correlationId: t.string,
    decidedAt: t.string,
  }),
);

/** A redemption order (certificate number + amount) and its capture: spend it (or refuse, explained). */
export const RedeemForOrder = effectKind(
  'gcp.redeem-by-order',
  t.type({ orderId: t.string, certificateId: t.string, order: t.type(Money), paymentId: t.string, payment: t.type(Money), correlationId: t.string, decidedAt: t.string }),
);

/** A redemption order whose payment was voided: the POS hold placed for it is released. */
export const ReleaseHoldOfVoidedOrder = effectKind('gcp.release-hold-of-voided-order', t.type({ orderId: t.string, certificateId: t.string, paymentId: t.string, correlationId: t.string, decidedAt: t.string }));

/**
 * A refund order: the certificate goes to REFUND_PENDING (bank details sent) or
 * REFUND_PENDING_DETAILS. The bank details are not in the payload (the outbox is no place for
 * them): the handler reads them from the order's message stream, where they are sealed.
 */
export const RequestRefundForOrder = effectKind('gcp.request-refund', t.type({ orderId: t.string, certificateId: t.string, orderStream: t.string, correlationId: t.string, decidedAt: t.string }));

/** The refund order's payout arrived: the refund is complete (after making sure it was requested). */
export const CompleteRefundForOrder = effectKind(
  'gcp.complete-refund',
  t.type({ orderId: t.string, certificateId: t.string, orderStream: t.string, paymentId: t.string, payment: t.type(Money), correlationId: t.string, decidedAt: t.string }),
);

/** The refund id of a refund order. */
export const refundIdOfOrder = (orderId: string): string => `order:${orderId}`;
