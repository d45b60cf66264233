import { left, right } from 'fp-ts/Either';
import { Map as ImmutableMap } from 'immutable';
import * as t from 'io-ts';
import type { DomainError, EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';
import type { TicketTypeDetails } from './gathering-events.js';

/**
 * The seats of one ticket type (T-3): one stream per ticket type holds every sale, so "sold
 * never exceeds quantity" is decided in one place under optimistic concurrency. A ticket
 * type's quantity, price and window are fixed when it is added to its gathering, so a sale
 * carries them in from the gathering stream; the inventory stream starts with its first sale.
 */
export const IssuedTicket = t.type({ ticketId: t.string, code: t.string });
export type IssuedTicket = t.TypeOf<typeof IssuedTicket>;

export const TicketInventoryEvent = eventCodec(
    'TicketsSold',
    t.type({
      saleId: t.string,
      gatheringId: t.string,
      ticketTypeId: t.string,
      buyerId: t.string,
      tickets: t.array(IssuedTicket),
      unitPrice: t.string,
      currency: t.string,
      soldAt: t.string,
    }),
);
export type TicketInventoryEvent = t.TypeOf<typeof TicketInventoryEvent>;
export type TicketsSold = Extract<TicketInventoryEvent, { type: 'TicketsSold' }>;

export interface TicketInventoryState {
  readonly sold: number;
  /**
   * The sales so far by sale id, as a persistent hash map (immutable's `Map`, a hash array
   * mapped trie): adding a sale and finding one are O(log32 n) and every state keeps its own
   * view, so a batch decided on a state that then loses a conflict leaves that state as it was.
   * (A list walked per decision made a 5,000-seat rush quadratic: a profile showed it.)
   */
  readonly sales: ImmutableMap<string, TicketsSold['data']>;
}

/** A sale already decided under this id (a retried purchase answers with the same tickets). */
export function findSale(state: TicketInventoryState, saleId: string): TicketsSold['data'] | undefined {
  return state.sales.get(saleId);
}

/**
 * Sold out is for good: `sold` only grows and a ticket type's quantity is fixed, so a purchase
 * this state refuses for want of seats every later state refuses too — and no later state can
 * hold this sale (it would have needed those seats). The seller answers it from its cached
 * state at once, without queueing it behind the purchases in flight (issue 16).
 */
export function soldOutForGood(command: SellTickets, state: TicketInventoryState): DomainError | undefined {
  const decision = ticketInventoryDecider.decide(command, state);
  return decision._tag === 'Left' && decision.left.code === 'tickets.sold_out' ? decision.left : undefined;
}

export const MAX_TICKETS_PER_PURCHASE = 10;

export interface SellTickets {
  readonly type: 'SellTickets';
  readonly saleId: string;
  readonly buyerId: string;
  readonly gatheringId: string;
  readonly ticketType: TicketTypeDetails;
  readonly quantity: number;
  /** Ids and QR codes for the tickets, drawn by the caller (deciders draw no randomness). */
  readonly tickets: readonly IssuedTicket[];
  readonly now: Date;
}

export const streamOfInventory = (ticketTypeId: string): string => `TicketInventory-${ticketTypeId}`;

export const ticketInventoryDecider: EventSourcedDecider<SellTickets, TicketInventoryEvent, TicketInventoryState> = {
  events: TicketInventoryEvent,
  initialState: { sold: 0, sales: ImmutableMap<string, TicketsSold['data']>() },
  decide(command, state) {
    if (findSale(state, command.saleId)) return right([]);
    const { ticketType, quantity, now } = command;
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_TICKETS_PER_PURCHASE) {
      return left(domainError('rule_violated', 'tickets.invalid_quantity', `quantity must be a whole number from 1 to ${MAX_TICKETS_PER_PURCHASE}`, 'quantity'));
    }
    if (command.tickets.length < quantity) throw new Error('SellTickets needs a ticket id and code per ticket');
    if (now.getTime() < new Date(ticketType.salesStart).getTime()) {
      return left(domainError('rule_violated', 'tickets.sales_not_started', `sales of this ticket type open at ${ticketType.salesStart}`, 'ticket_type_id'));
    }
    if (now.getTime() >= new Date(ticketType.salesEnd).getTime()) {
      return left(domainError('rule_violated', 'tickets.sales_ended', `sales of this ticket type closed at ${ticketType.salesEnd}`, 'ticket_type_id'));
    }
    const remaining = ticketType.quantity - state.sold;
    if (quantity > remaining) {
      return left(
        domainError(
          'conflict',
          'tickets.sold_out',
          remaining === 0 ? 'sold out: no tickets of this type are left' : `sold out: only ${remaining} tickets of this type are left`,
          'quantity',
        ),
      );
    }
    return right([
      {
        type: 'TicketsSold',
        data: {
          saleId: command.saleId,
          gatheringId: command.gatheringId,
          ticketTypeId: ticketType.ticketTypeId,
          buyerId: command.buyerId,
          tickets: command.tickets.slice(0, quantity).map(({ ticketId, code }) => ({ ticketId, code })),
          unitPrice: ticketType.price,
          currency: ticketType.currency,
          soldAt: now.toISOString(),
        },
      },
    ]);
  },
  evolve(state, event) {
    return { sold: state.sold + event.data.tickets.length, sales: state.sales.set(event.data.saleId, event.data) };
  },
};
