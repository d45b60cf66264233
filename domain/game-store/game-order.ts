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

/** One event so far (the purchase saga of issue 13 adds completed / cancelled / refunded): a union once there are two. */
export const GameOrderEvent = eventCodec(
    'OrderInitiated',
    t.type({
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
    }),
);
export type GameOrderEvent = t.TypeOf<typeof GameOrderEvent>;
export type OrderInitiated = Extract<GameOrderEvent, { type: 'OrderInitiated' }>;

export type GameOrderState =
  | { readonly status: 'none' }
  | ({ readonly status: 'pending_payment' } & OrderInitiated['data']);

export type GameOrderCommand = { readonly type: 'InitiateOrder'; readonly order: OrderInitiated['data'] };

export const streamOfGameOrder = (orderId: string): string => `GameOrder-${orderId}`;
export const gameOrderOfStream = (stream: string): string | undefined => (stream.startsWith('GameOrder-') ? stream.slice('GameOrder-'.length) : undefined);

export const gameOrderDecider: EventSourcedDecider<GameOrderCommand, GameOrderEvent, GameOrderState> = {
  events: GameOrderEvent,
  initialState: { status: 'none' },
  decide: (command, state) => {
    switch (command.type) {
      case 'InitiateOrder': {
        if (state.status !== 'none') return left(domainError('conflict', 'order.exists', `order ${command.order.orderId} already exists`));
        if (command.order.items.length === 0) return left(domainError('rule_violated', 'order.empty', 'an order needs at least one item'));
        const sum = command.order.items.reduce((total, line) => total + BigInt(line.lineTotalMinor), 0n);
        if (sum.toString() !== command.order.totalMinor) return left(domainError('rule_violated', 'order.total_mismatch', 'the order total must be the sum of its lines'));
        return right([{ type: 'OrderInitiated', data: command.order }]);
      }
    }
  },
  evolve: (_state, event) => ({ status: 'pending_payment', ...event.data }),
};
