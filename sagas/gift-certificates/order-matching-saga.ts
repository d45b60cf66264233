import {
  CompleteRefundForOrder,
  IssueCertificateForOrder,
  RedeemForOrder,
  ReleaseHoldOfVoidedOrder,
  RequestRefundForOrder,
} from '../../commands/gift-certificates/order-effect-kinds.js';
import { pickEvents } from '../../domain/event-codec.js';
import { ChannelMessageEvent, streamOfMessage } from '../../domain/gift-certificates/channel-messages.js';
import type { Effect } from '../outbox.js';
import { defineSaga, type SagaReaction } from '../saga.js';

export const ORDER_MATCHING = 'gcp-order-matching';

/** The order of a flow as the saga keeps it (no personal data: a refund's bank details stay sealed in the message's stream). */
export interface MatchedOrder {
  readonly kind: 'certificate_purchase' | 'certificate_redemption' | 'certificate_refund';
  readonly certificateId: string;
  readonly amount: string;
  readonly currency: string;
  readonly channel: string;
  readonly notificationChannel: string | null;
  readonly clientId: string | null;
  /** The message stream the order was recorded on. */
  readonly stream: string;
  readonly correlationId: string;
}

export interface MatchedPayment {
  readonly paymentId: string;
  readonly kind: 'authorization' | 'capture' | 'void' | 'refund';
  readonly amount: string;
  readonly currency: string;
}

export interface OrderMatchingState {
  /** The first order message of this order id (a resend under another message id changes nothing). */
  readonly order?: MatchedOrder;
  /** Every payment of the order, once each by payment id, in arrival order. */
  readonly payments: readonly MatchedPayment[];
  /** Idempotency keys of the effects already enqueued. */
  readonly emitted: readonly string[];
}

export const initialOrderMatchingState: OrderMatchingState = { payments: [], emitted: [] };

/** The effects an order and its payments call for (whatever the order of their arrival). */
function wanted(orderId: string, state: OrderMatchingState, decidedAt: string): Effect[] {
  const order = state.order;
  if (!order) return [];
  const base = { orderId, certificateId: order.certificateId, correlationId: order.correlationId, decidedAt };
  const money = { amount: order.amount, currency: order.currency };
  const of = (kind: MatchedPayment['kind']) => state.payments.filter((p) => p.kind === kind);
  switch (order.kind) {
    case 'certificate_purchase': {
      const authorization = of('authorization')[0];
      if (!authorization) return [];
      return [
        IssueCertificateForOrder.effect(
          `gcp-order-issue:${orderId}`,
          {
            ...base,
            channel: order.channel,
            notificationChannel: order.notificationChannel,
            clientId: order.clientId,
            order: money,
            paymentId: authorization.paymentId,
            payment: { amount: authorization.amount, currency: authorization.currency },
          },
          { correlationId: order.correlationId },
        ),
      ];
    }
    case 'certificate_redemption': {
      const voids = of('void');
      const capture = of('capture')[0];
      return [
        // a voided order is not spent; a capture already spent before the void is left to support
        ...(capture && voids.length === 0
          ? [RedeemForOrder.effect(`gcp-order-redeem:${orderId}`, { ...base, order: money, paymentId: capture.paymentId, payment: { amount: capture.amount, currency: capture.currency } }, { correlationId: order.correlationId })]
          : []),
        ...voids.map((v) => ReleaseHoldOfVoidedOrder.effect(`gcp-order-release:${orderId}:${v.paymentId}`, { ...base, paymentId: v.paymentId }, { correlationId: order.correlationId })),
      ];
    }
    case 'certificate_refund':
      return [
        RequestRefundForOrder.effect(`gcp-order-refund:${orderId}`, { ...base, orderStream: order.stream }, { correlationId: order.correlationId }),
        ...of('refund').map((r) =>
          CompleteRefundForOrder.effect(
            `gcp-order-refunded:${orderId}:${r.paymentId}`,
            { ...base, orderStream: order.stream, paymentId: r.paymentId, payment: { amount: r.amount, currency: r.currency } },
            { correlationId: order.correlationId },
          ),
        ),
      ];
  }
}

/**
 * G-3, G-5, G-6: matches the channels' orders (`SalesOrderReceived`) with the payment system's
 * payments (`PaymentReceived`) of the same order id, in whichever order and however often they
 * arrive. The flow keeps the order and the payments it saw; each reaction works out which
 * effects the pair calls for and enqueues those not enqueued yet (each once, under its own key):
 * a purchase + authorization → `gcp.issue-certificate`; a redemption + capture →
 * `gcp.redeem-by-order`; a redemption + void → `gcp.release-hold-of-voided-order`; a refund →
 * `gcp.request-refund`, and its payout → `gcp.complete-refund`. Whether the order and payment
 * agree is for the effect to decide (it reads the certificate); the saga only pairs.
 */
export function orderMatchingSaga() {
  return defineSaga({
    name: ORDER_MATCHING,
    events: pickEvents(ChannelMessageEvent, ['SalesOrderReceived', 'PaymentReceived']),
    initialState: initialOrderMatchingState,
    flowId: (event) => event.data.orderId,
    react(state, event, now): SagaReaction<OrderMatchingState> {
      let next: OrderMatchingState = { ...initialOrderMatchingState, ...state };
      if (event.type === 'SalesOrderReceived') {
        if (next.order) return { state: next };
        const d = event.data;
        next = {
          ...next,
          order: {
            kind: d.kind,
            certificateId: d.certificateId,
            amount: d.amount,
            currency: d.currency,
            channel: d.channel,
            notificationChannel: d.notificationChannel,
            clientId: d.clientId,
            stream: streamOfMessage('All_SalesOrder', d.source, d.messageId),
            correlationId: event.metadata.correlationId ?? d.orderId,
          },
        };
      } else {
        const d = event.data;
        if (next.payments.some((p) => p.paymentId === d.paymentId && p.kind === d.kind)) return { state: next };
        next = { ...next, payments: [...next.payments, { paymentId: d.paymentId, kind: d.kind, amount: d.amount, currency: d.currency }] };
      }
      const effects = wanted(event.data.orderId, next, now.toISOString()).filter((effect) => !next.emitted.includes(effect.idempotencyKey));
      if (effects.length === 0) return { state: next };
      return { state: { ...next, emitted: [...next.emitted, ...effects.map((e) => e.idempotencyKey)] }, effects };
    },
  });
}
