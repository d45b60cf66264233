import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * A game order (P-2): the buyer's items priced from the catalog at the moment of initiation
 * (the route reads the catalog; the client never sends a price). `OrderInitiated` is our
 * `order.payment.initiation.requested.v1`: it carries every line a receipt needs. What happens
 * after the payment (completed, cancelled, refunded) is the purchase saga's (issue 13).
 *
 * Amounts are decimal strings of whole minor units ("149900" = 1 499.00 ₽) in events.
 */
export const OrderLine = t.type({
  productId: t.string,
  title: t.string,
  developerId: t.string,
  quantity: t.number,
  /** Minor units, decimal string. */
  unitPriceMinor: t.string,
  lineTotalMinor: t.string,
  /** 54-FZ attributes (commands/game-store/ports/payment-provider.ts VAT_RATES, PAYMENT_SUBJECTS). */
  vat: t.string,
  paymentSubject: t.string,
});
export type OrderLine = t.TypeOf<typeof OrderLine>;

const OrderInitiatedData = t.type({
  orderId: t.string,
  buyerId: t.string,
  region: t.string,
  currency: t.string,
  items: t.array(OrderLine),
  /** Who placed it (the buyer, or an admin on their behalf). */
  by: t.string,
  totalMinor: t.string,
  paymentMethod: t.string,
  initiatedAt: t.string,
});

/**
 * The order's life (P-5): initiated → completed by one payment (or cancelled when its payment
 * failed, expired or was cancelled) → refunds by item, each requested, then confirmed by the
 * provider (or failed) → processing completed once the purchase saga's steps are all done.
 * Which payment pays the order is decided here, once: a second completed payment of the same
 * order is a stray one (refunded by the saga, recorded as `StrayPaymentRefunded`).
 */
export const GameOrderEvent = t.union([
  eventCodec('OrderInitiated', OrderInitiatedData),
  eventCodec(
    'OrderCompleted',
    t.type({ orderId: t.string, transactionId: t.string, provider: t.string, providerPaymentId: t.string, paidMinor: t.string, completedAt: t.string }),
  ),
  eventCodec('OrderCancelled', t.type({ orderId: t.string, reason: t.string, transactionId: t.union([t.string, t.null]), cancelledAt: t.string })),
  eventCodec(
    'OrderRefundRequested',
    t.type({ orderId: t.string, refundId: t.string, productIds: t.array(t.string), amountMinor: t.string, reason: t.string, by: t.string, requestedAt: t.string }),
  ),
  /** The provider answered `pending`: its refund id, to ask it again later. */
  eventCodec('OrderRefundPending', t.type({ orderId: t.string, refundId: t.string, providerRefundId: t.string, observedAt: t.string })),
  eventCodec('OrderRefundConfirmed', t.type({ orderId: t.string, refundId: t.string, providerRefundId: t.string, amountMinor: t.string, confirmedAt: t.string })),
  eventCodec('OrderRefundFailed', t.type({ orderId: t.string, refundId: t.string, reason: t.string, failedAt: t.string })),
  eventCodec(
    'StrayPaymentRefunded',
    t.type({ orderId: t.string, transactionId: t.string, providerPaymentId: t.string, providerRefundId: t.string, amountMinor: t.string, reason: t.string, refundedAt: t.string }),
  ),
  /** Every step of the purchase saga is done (the analytics record: `order.processing.completed.v1`). */
  eventCodec(
    'OrderProcessingCompleted',
    t.type({ orderId: t.string, buyerId: t.string, totalMinor: t.string, currency: t.string, productIds: t.array(t.string), refundedMinor: t.string, completedAt: t.string }),
  ),
]);
export type GameOrderEvent = t.TypeOf<typeof GameOrderEvent>;
export type OrderInitiated = Extract<GameOrderEvent, { type: 'OrderInitiated' }>;
export type GameOrderEventOf<K extends GameOrderEvent['type']> = Extract<GameOrderEvent, { type: K }>;

export type RefundStatus = 'requested' | 'confirmed' | 'failed';
export interface OrderRefund {
  readonly refundId: string;
  readonly productIds: readonly string[];
  readonly amountMinor: string;
  readonly reason: string;
  readonly status: RefundStatus;
  readonly providerRefundId: string | undefined;
}

export type OrderStatus = 'pending_payment' | 'completed' | 'cancelled';

export type GameOrderState =
  | { readonly status: 'none' }
  | (OrderInitiated['data'] & {
      readonly status: OrderStatus;
      /** The payment that paid it (completed). */
      readonly payment: { readonly transactionId: string; readonly provider: string; readonly providerPaymentId: string; readonly paidMinor: string } | undefined;
      readonly cancelReason: string | undefined;
      readonly refunds: readonly OrderRefund[];
      /** Provider payment ids returned whole because they do not pay the order. */
      readonly strayRefunds: readonly string[];
      readonly processed: boolean;
    });

export type GameOrderCommand =
  | { readonly type: 'InitiateOrder'; readonly order: OrderInitiated['data'] }
  | { readonly type: 'CompleteOrder'; readonly transactionId: string; readonly provider: string; readonly providerPaymentId: string; readonly paidMinor: string; readonly at: string }
  | { readonly type: 'CancelOrder'; readonly reason: string; readonly transactionId: string | null; readonly at: string }
  /** `productIds` empty: every item not refunded yet. */
  | { readonly type: 'RequestRefund'; readonly refundId: string; readonly productIds: readonly string[]; readonly reason: string; readonly by: string; readonly at: string }
  | { readonly type: 'RecordRefundPending'; readonly refundId: string; readonly providerRefundId: string; readonly at: string }
  | { readonly type: 'ConfirmRefund'; readonly refundId: string; readonly providerRefundId: string; readonly amountMinor: string; readonly at: string }
  | { readonly type: 'FailRefund'; readonly refundId: string; readonly reason: string; readonly at: string }
  | { readonly type: 'RecordStrayRefund'; readonly transactionId: string; readonly providerPaymentId: string; readonly providerRefundId: string; readonly amountMinor: string; readonly reason: string; readonly at: string }
  | { readonly type: 'CompleteProcessing'; readonly at: string };

export const streamOfGameOrder = (orderId: string): string => `GameOrder-${orderId}`;
export const gameOrderOfStream = (stream: string): string | undefined => (stream.startsWith('GameOrder-') ? stream.slice('GameOrder-'.length) : undefined);

type Placed = Exclude<GameOrderState, { status: 'none' }>;

/** The products of the order a refund may still take back (those of no live or confirmed refund). */
export const refundableProducts = (state: Placed): readonly string[] => {
  const taken = new Set(state.refunds.filter((r) => r.status !== 'failed').flatMap((r) => r.productIds));
  return state.items.map((line) => line.productId).filter((id) => !taken.has(id));
};

/** What is refunded or being refunded, minor units. */
export const refundedMinor = (state: Placed): bigint => state.refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + BigInt(r.amountMinor), 0n);

function requestRefund(state: Placed, command: Extract<GameOrderCommand, { type: 'RequestRefund' }>) {
  const earlier = state.refunds.find((r) => r.refundId === command.refundId);
  if (earlier) {
    const same = command.productIds.length === 0 || (earlier.productIds.length === command.productIds.length && command.productIds.every((id) => earlier.productIds.includes(id)));
    return same ? right([]) : left(domainError('conflict', 'refund.exists', `refund ${command.refundId} exists with other items`));
  }
  if (state.status !== 'completed' || !state.payment) return left(domainError('conflict', 'order.not_paid', `order ${state.orderId} is ${state.status}: only a paid order is refunded`));
  const open = refundableProducts(state);
  const asked = command.productIds.length === 0 ? open : [...new Set(command.productIds)];
  if (asked.length === 0) return left(domainError('conflict', 'refund.nothing_left', `every item of order ${state.orderId} is refunded already`));
  if (command.productIds.length !== 0 && asked.length !== command.productIds.length) return left(domainError('rule_violated', 'refund.duplicate_item', 'an item is named twice', 'items'));
  for (const productId of asked) {
    if (!state.items.some((line) => line.productId === productId)) return left(domainError('rule_violated', 'refund.item_not_in_order', `order ${state.orderId} has no item ${productId}`, 'items'));
    if (!open.includes(productId)) return left(domainError('conflict', 'refund.item_refunded', `item ${productId} of order ${state.orderId} is refunded already (or being refunded)`, 'items'));
  }
  const amount = state.items.filter((line) => asked.includes(line.productId)).reduce((sum, line) => sum + BigInt(line.lineTotalMinor), 0n);
  // the invariant: never more back than was paid
  if (refundedMinor(state) + amount > BigInt(state.payment.paidMinor)) return left(domainError('rule_violated', 'refund.exceeds_payment', 'the refunds would exceed what was paid'));
  return right([
    {
      type: 'OrderRefundRequested' as const,
      data: { orderId: state.orderId, refundId: command.refundId, productIds: [...asked], amountMinor: amount.toString(), reason: command.reason, by: command.by, requestedAt: command.at },
    },
  ]);
}

export const gameOrderDecider: EventSourcedDecider<GameOrderCommand, GameOrderEvent, GameOrderState> = {
  events: GameOrderEvent,
  initialState: { status: 'none' },
  decide: (command, state) => {
    if (command.type === 'InitiateOrder') {
      if (state.status !== 'none') return left(domainError('conflict', 'order.exists', `order ${command.order.orderId} already exists`));
      if (command.order.items.length === 0) return left(domainError('rule_violated', 'order.empty', 'an order needs at least one item'));
      const sum = command.order.items.reduce((total, line) => total + BigInt(line.lineTotalMinor), 0n);
      if (sum.toString() !== command.order.totalMinor) return left(domainError('rule_violated', 'order.total_mismatch', 'the order total must be the sum of its lines'));
      return right([{ type: 'OrderInitiated', data: command.order }]);
    }
    if (state.status === 'none') return left(domainError('not_found', 'order.not_found', 'no such order'));
    const orderId = state.orderId;
    switch (command.type) {
      case 'CompleteOrder':
        if (state.status === 'completed') {
          return state.payment?.transactionId === command.transactionId ? right([]) : left(domainError('conflict', 'order.already_paid', `order ${orderId} is paid by transaction ${state.payment?.transactionId}`));
        }
        if (state.status === 'cancelled') return left(domainError('conflict', 'order.cancelled', `order ${orderId} is cancelled (${state.cancelReason})`));
        if (command.paidMinor !== state.totalMinor) return left(domainError('rule_violated', 'order.amount_mismatch', `${command.paidMinor} minor units paid for an order of ${state.totalMinor}`));
        return right([
          {
            type: 'OrderCompleted',
            data: { orderId, transactionId: command.transactionId, provider: command.provider, providerPaymentId: command.providerPaymentId, paidMinor: command.paidMinor, completedAt: command.at },
          },
        ]);
      case 'CancelOrder':
        if (state.status === 'cancelled') return right([]);
        if (state.status === 'completed') return left(domainError('conflict', 'order.completed', `order ${orderId} is paid`));
        return right([{ type: 'OrderCancelled', data: { orderId, reason: command.reason, transactionId: command.transactionId, cancelledAt: command.at } }]);
      case 'RequestRefund':
        return requestRefund(state, command);
      case 'RecordRefundPending': {
        const refund = state.refunds.find((r) => r.refundId === command.refundId);
        if (!refund) return left(domainError('not_found', 'refund.not_found', `order ${orderId} has no refund ${command.refundId}`));
        if (refund.status !== 'requested' || refund.providerRefundId === command.providerRefundId) return right([]);
        return right([{ type: 'OrderRefundPending', data: { orderId, refundId: command.refundId, providerRefundId: command.providerRefundId, observedAt: command.at } }]);
      }
      case 'ConfirmRefund': {
        const refund = state.refunds.find((r) => r.refundId === command.refundId);
        if (!refund) return left(domainError('not_found', 'refund.not_found', `order ${orderId} has no refund ${command.refundId}`));
        if (refund.status !== 'requested') return right([]);
        if (command.amountMinor !== refund.amountMinor) return left(domainError('rule_violated', 'refund.amount_mismatch', `the provider returned ${command.amountMinor}, the refund is for ${refund.amountMinor}`));
        return right([{ type: 'OrderRefundConfirmed', data: { orderId, refundId: command.refundId, providerRefundId: command.providerRefundId, amountMinor: command.amountMinor, confirmedAt: command.at } }]);
      }
      case 'FailRefund': {
        const refund = state.refunds.find((r) => r.refundId === command.refundId);
        if (!refund) return left(domainError('not_found', 'refund.not_found', `order ${orderId} has no refund ${command.refundId}`));
        if (refund.status !== 'requested') return right([]);
        return right([{ type: 'OrderRefundFailed', data: { orderId, refundId: command.refundId, reason: command.reason, failedAt: command.at } }]);
      }
      case 'RecordStrayRefund':
        if (state.strayRefunds.includes(command.providerPaymentId)) return right([]);
        if (state.payment?.providerPaymentId === command.providerPaymentId) return left(domainError('conflict', 'order.payment_not_stray', `payment ${command.providerPaymentId} pays order ${orderId}`));
        return right([
          {
            type: 'StrayPaymentRefunded',
            data: { orderId, transactionId: command.transactionId, providerPaymentId: command.providerPaymentId, providerRefundId: command.providerRefundId, amountMinor: command.amountMinor, reason: command.reason, refundedAt: command.at },
          },
        ]);
      case 'CompleteProcessing':
        if (state.processed) return right([]);
        if (state.status !== 'completed') return left(domainError('conflict', 'order.not_paid', `order ${orderId} is ${state.status}`));
        return right([
          {
            type: 'OrderProcessingCompleted',
            data: { orderId, buyerId: state.buyerId, totalMinor: state.totalMinor, currency: state.currency, productIds: state.items.map((l) => l.productId), refundedMinor: refundedMinor(state).toString(), completedAt: command.at },
          },
        ]);
    }
  },
  evolve: (state, event) => {
    if (event.type === 'OrderInitiated') return { ...event.data, status: 'pending_payment', payment: undefined, cancelReason: undefined, refunds: [], strayRefunds: [], processed: false };
    if (state.status === 'none') return state;
    const refundsWith = (refundId: string, change: (r: OrderRefund) => OrderRefund) => state.refunds.map((r) => (r.refundId === refundId ? change(r) : r));
    switch (event.type) {
      case 'OrderCompleted':
        return { ...state, status: 'completed', payment: { transactionId: event.data.transactionId, provider: event.data.provider, providerPaymentId: event.data.providerPaymentId, paidMinor: event.data.paidMinor } };
      case 'OrderCancelled':
        return { ...state, status: 'cancelled', cancelReason: event.data.reason };
      case 'OrderRefundRequested':
        return {
          ...state,
          refunds: [...state.refunds, { refundId: event.data.refundId, productIds: event.data.productIds, amountMinor: event.data.amountMinor, reason: event.data.reason, status: 'requested', providerRefundId: undefined }],
        };
      case 'OrderRefundPending':
        return { ...state, refunds: refundsWith(event.data.refundId, (r) => ({ ...r, providerRefundId: event.data.providerRefundId })) };
      case 'OrderRefundConfirmed':
        return { ...state, refunds: refundsWith(event.data.refundId, (r) => ({ ...r, status: 'confirmed', providerRefundId: event.data.providerRefundId })) };
      case 'OrderRefundFailed':
        return { ...state, refunds: refundsWith(event.data.refundId, (r) => ({ ...r, status: 'failed' })) };
      case 'StrayPaymentRefunded':
        return { ...state, strayRefunds: [...state.strayRefunds, event.data.providerPaymentId] };
      case 'OrderProcessingCompleted':
        return { ...state, processed: true };
    }
  },
};
