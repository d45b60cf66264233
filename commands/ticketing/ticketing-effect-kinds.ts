import * as t from 'io-ts';
import { TicketInventoryEvent } from '../../domain/ticketing/ticket-inventory.js';
import { effectKind } from '../../sagas/effect-kind.js';

/**
 * The outbox effects of ticketing, declared once: the gathering saga enqueues them, and
 * `ticketing-effects.ts` performs them (a saga never imports a handler). Notifications are asked
 * of the notifications context (`Notify`, through `ticketing-notices.ts`).
 */
export const IssueTickets = effectKind('ticketing.issue-tickets', t.type({ sale: TicketInventoryEvent.props.data }));
export const VoidTicket = effectKind('ticketing.void-ticket', t.type({ ticketId: t.string }));
export const VoidGatheringTickets = effectKind(
  'ticketing.void-gathering-tickets',
  t.type({ gatheringId: t.string, title: t.string, reason: t.string, position: t.string }),
);
export const RemindHolders = effectKind('ticketing.remind-holders', t.type({ gatheringId: t.string, title: t.string, startsAt: t.string }));
