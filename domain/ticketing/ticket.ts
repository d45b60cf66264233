import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * One ticket (T-3, T-5, T-6, T-7): born active with its sale (`TicketsSold` on the ticket type's
 * inventory stream names it, its code, holder and price), used exactly once at the door, voided
 * when its gathering is cancelled. Its `code` is the QR content: 128 random bits.
 *
 * The ticket's own stream starts with its first check-in or void: nothing is appended per ticket
 * at the sale (issue 16). Whoever decides about a ticket starts from `bornWithSale(...)`, the
 * facts the sale gave it (they never change), read from the tickets read model. `TicketIssued`
 * is what earlier versions appended once per ticket after the sale; logs that hold it still fold.
 */
export const TicketEvent = t.union([
  eventCodec(
    'TicketIssued',
    t.type({
      ticketId: t.string,
      code: t.string,
      saleId: t.string,
      gatheringId: t.string,
      ticketTypeId: t.string,
      holderId: t.string,
      price: t.string,
      currency: t.string,
      issuedAt: t.string,
    }),
  ),
  eventCodec('TicketCheckedIn', t.type({ ticketId: t.string, gatheringId: t.string, scannerId: t.string, checkedInAt: t.string })),
  eventCodec('TicketVoided', t.type({ ticketId: t.string, gatheringId: t.string, reason: t.literal('gathering_cancelled'), voidedAt: t.string })),
]);
export type TicketEvent = t.TypeOf<typeof TicketEvent>;
export type TicketIssued = Extract<TicketEvent, { type: 'TicketIssued' }>;

export type TicketStatus = 'none' | 'active' | 'used' | 'voided';

/** What a ticket's sale made it: which gathering's door it opens and of which ticket type. */
export interface TicketOfSale {
  readonly ticketId: string;
  readonly gatheringId: string;
  readonly ticketTypeId: string;
}

export interface TicketState {
  readonly status: TicketStatus;
  readonly ticket?: TicketOfSale;
  readonly checkedInAt?: string;
}

export type TicketCommand =
  | {
      readonly type: 'CheckIn';
      /** Who lets the holder in: door staff, an admin, or the gathering's organizer (recorded as the scanner). */
      readonly scannerId: string;
      /** Door staff (the scanner role) and admins work every gathering's door; anyone else only their own's. */
      readonly staff: boolean;
      /** The organizer of the ticket's gathering. */
      readonly organizerId?: string;
      readonly gatheringId?: string;
      readonly gatheringCancelled: boolean;
      readonly now: Date;
    }
  | { readonly type: 'VoidTicket'; readonly now: Date };

export const streamOfTicket = (ticketId: string): string => `Ticket-${ticketId}`;

/** Why a ticket does not open the door, in the words the scanner app shows. */
export type InvalidReason = 'unknown_code' | 'already_used' | 'event_cancelled' | 'wrong_event';

/**
 * Who may validate and check in a ticket (T-5, T-6): door staff (the scanner role) and admins at
 * every gathering; an organizer at the doors of her own gatherings.
 */
export function mayKeepTheDoor(keeper: { readonly id: string; readonly staff: boolean }, organizerId: string | undefined): boolean {
  return keeper.staff || (organizerId !== undefined && keeper.id === organizerId);
}

export const notYourDoor = () =>
  domainError('forbidden', 'ticket.not_your_event', 'only door staff (scanner), an admin or the organizer of this ticket’s event may validate or check it in');

/** T-5: would this ticket be let in at (optionally) this gathering? Pure: the door asks, nothing changes. */
export function ticketValidity(state: TicketState, at: { readonly gatheringId?: string; readonly gatheringCancelled: boolean }): { valid: true } | { valid: false; reason: InvalidReason } {
  if (state.status === 'none') return { valid: false, reason: 'unknown_code' };
  if (state.status === 'voided' || at.gatheringCancelled) return { valid: false, reason: 'event_cancelled' };
  if (at.gatheringId !== undefined && at.gatheringId !== state.ticket!.gatheringId) return { valid: false, reason: 'wrong_event' };
  if (state.status === 'used') return { valid: false, reason: 'already_used' };
  return { valid: true };
}

/** The decider of a ticket no sale made (an unknown ticket): every command finds nothing. */
export const ticketDecider: EventSourcedDecider<TicketCommand, TicketEvent, TicketState> = {
  events: TicketEvent,
  initialState: { status: 'none' },
  decide(command, state) {
    switch (command.type) {
      case 'CheckIn': {
        if (state.status !== 'none' && !mayKeepTheDoor({ id: command.scannerId, staff: command.staff }, command.organizerId)) return left(notYourDoor());
        const validity = ticketValidity(state, command);
        if (validity.valid) {
          const { ticketId, gatheringId } = state.ticket!;
          return right([{ type: 'TicketCheckedIn', data: { ticketId, gatheringId, scannerId: command.scannerId, checkedInAt: command.now.toISOString() } }]);
        }
        switch (validity.reason) {
          case 'unknown_code':
            return left(domainError('not_found', 'ticket.unknown_code', 'no ticket has this code', 'code'));
          case 'already_used':
            return left(domainError('conflict', 'ticket.already_used', `already used: checked in at ${state.checkedInAt}`, 'code'));
          case 'event_cancelled':
            return left(domainError('conflict', 'ticket.event_cancelled', 'the event of this ticket was cancelled', 'code'));
          case 'wrong_event':
            return left(domainError('rule_violated', 'ticket.wrong_event', 'this ticket is for another event', 'event_id'));
        }
        break;
      }
      case 'VoidTicket': {
        if (state.status === 'none') return left(domainError('not_found', 'ticket.not_found', 'no such ticket'));
        if (state.status === 'voided') return right([]);
        const { ticketId, gatheringId } = state.ticket!;
        return right([{ type: 'TicketVoided', data: { ticketId, gatheringId, reason: 'gathering_cancelled', voidedAt: command.now.toISOString() } }]);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'TicketIssued':
        return { status: 'active', ticket: { ticketId: event.data.ticketId, gatheringId: event.data.gatheringId, ticketTypeId: event.data.ticketTypeId } };
      case 'TicketCheckedIn':
        return { ...state, status: 'used', checkedInAt: event.data.checkedInAt };
      case 'TicketVoided':
        return { ...state, status: 'voided' };
    }
  },
};

/** The decider of a ticket its sale made: it starts active with what the sale said. */
export function bornWithSale(ticket: TicketOfSale): EventSourcedDecider<TicketCommand, TicketEvent, TicketState> {
  return { ...ticketDecider, initialState: { status: 'active', ticket: { ticketId: ticket.ticketId, gatheringId: ticket.gatheringId, ticketTypeId: ticket.ticketTypeId } } };
}

/** The decider of a ticket, born with its sale when one made it (`undefined`: no sale did). */
export const deciderOfTicket = (ticket: TicketOfSale | undefined) => (ticket ? bornWithSale(ticket) : ticketDecider);
