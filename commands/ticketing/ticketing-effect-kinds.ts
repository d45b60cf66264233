import * as t from 'io-ts';
import { TicketInventoryEvent } from '../../domain/ticketing/ticket-inventory.js';
import { effectKind } from '../../sagas/effect-kind.js';

/**
 * The outbox effects of ticketing, declared once: the gathering saga enqueues them, and
 * `ticketing-effects.ts` performs them (a saga never imports a handler). Notifications are asked
 * of the notifications context (`Notify`, through `ticketing-notices.ts`).
 */
/**
 * Enqueued by earlier versions after every sale to append one `TicketIssued` per ticket; a ticket
 * is born with its sale now, so what is left of these in an outbox has nothing to do.
 */
export const IssueTickets = effectKind('ticketing.issue-tickets', t.type({ sale: TicketInventoryEvent.props.data }));
/** Void one ticket; its sale's gathering and ticket type (absent in effects of earlier versions, whose ticket stream begins with `TicketIssued`). */
export const VoidTicket = effectKind('ticketing.void-ticket', t.intersection([t.type({ ticketId: t.string }), t.partial({ gatheringId: t.string, ticketTypeId: t.string })]));
export const VoidGatheringTickets = effectKind(
  'ticketing.void-gathering-tickets',
  t.type({ gatheringId: t.string, title: t.string, reason: t.string, position: t.string }),
);
export const RemindHolders = effectKind('ticketing.remind-holders', t.type({ gatheringId: t.string, title: t.string, startsAt: t.string }));
