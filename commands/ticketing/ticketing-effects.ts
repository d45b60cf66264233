import type { Database } from '../../adapters/database/database.js';
import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import { parsePosition } from '../../adapters/eventstore/event-store.js';
import { deciderOfTicket, streamOfTicket, type TicketOfSale } from '../../domain/ticketing/ticket.js';
import { TICKETS_PROJECTION, type TicketQueries } from '../../projections/ticketing/ticket-projection.js';
import type { Clock } from '../../platform/clock.js';
import { enqueueEffects } from '../../sagas/outbox.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import { PermanentEffectFailure } from '../../sagas/outbox-worker.js';
import { handleCommand } from '../command-handler.js';
import { IssueTickets, RemindHolders, VoidGatheringTickets, VoidTicket } from './ticketing-effect-kinds.js';
import { cancelledNotice, reminderNotice } from './ticketing-notices.js';

export interface TicketingEffectDependencies {
  readonly database: Database;
  /** The ticket read model's queries (projections/ticketing/ticket-projection.ts). */
  readonly tickets: TicketQueries;
  readonly store: EventStore;
  readonly clock: Clock;
  waitForProjection(projection: string, position: Position, timeoutMs?: number): Promise<boolean>;
}

/** The holders of a gathering's tickets, once the ticket read model has seen the log up to `position`. */
async function holdersOf(deps: TicketingEffectDependencies, gatheringId: string, position: Position, statuses: readonly string[]) {
  if (!(await deps.waitForProjection(TICKETS_PROJECTION, position, 30_000))) throw new Error(`${TICKETS_PROJECTION} has not reached the log position yet`);
  return deps.tickets.ticketsOfGathering(gatheringId, statuses);
}

/** Outbox effects of ticketing: issuing tickets after a sale, voiding them, asking notifications to tell holders. */
export function ticketingEffectHandlers(deps: TicketingEffectDependencies): EffectPerformer[] {
  /** Void a ticket its sale made (`ticket`), or one whose stream begins with the `TicketIssued` of an earlier version (`undefined`). */
  const voidTicket = async (ticketId: string, ticket: TicketOfSale | undefined) => {
    const now = deps.clock.now();
    const outcome = await handleCommand(deps.store, deciderOfTicket(ticket), streamOfTicket(ticketId), { type: 'VoidTicket', now }, { commandId: `void:${ticketId}`, now }, { maxRetries: 50 });
    if (outcome._tag === 'Left') throw new PermanentEffectFailure(outcome.left.message);
  };
  return [
    // a ticket is born with its sale now: an issue effect an earlier version left in the outbox is done
    performs(IssueTickets, async () => {}),
    performs(VoidTicket, async ({ ticketId, gatheringId, ticketTypeId }) =>
      voidTicket(ticketId, gatheringId && ticketTypeId ? { ticketId, gatheringId, ticketTypeId } : undefined),
    ),
    performs(VoidGatheringTickets, async ({ gatheringId, title, reason, position }) => {
      const tickets = await holdersOf(deps, gatheringId, parsePosition(position)!, ['active', 'used', 'voided']);
      for (const ticket of tickets) if (ticket.status === 'active') await voidTicket(ticket.id, { ticketId: ticket.id, gatheringId, ticketTypeId: ticket.ticketTypeId });
      const now = deps.clock.now();
      const holders = [...new Set(tickets.map((ticket) => ticket.holderId))];
      await enqueueEffects(deps.database.db, holders.map((holder) => cancelledNotice(gatheringId, holder, title, reason)), now);
    }),
    performs(RemindHolders, async ({ gatheringId, title, startsAt }) => {
      const tickets = await holdersOf(deps, gatheringId, await deps.store.headPosition(), ['active']);
      const now = deps.clock.now();
      const holders = [...new Set(tickets.map((ticket) => ticket.holderId))];
      await enqueueEffects(deps.database.db, holders.map((holder) => reminderNotice(gatheringId, holder, title, startsAt)), now);
    }),
  ];
}
