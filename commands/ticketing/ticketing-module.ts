import type { ContextFactory } from '../../adapters/app/context-module.js';
import { CATALOG_PROJECTION, catalogProjection } from '../../projections/ticketing/catalog-projection.js';
import { TICKETS_PROJECTION, ticketProjection, ticketQueries } from '../../projections/ticketing/ticket-projection.js';
import { ticketingQueryRoutes } from '../../projections/ticketing/ticketing-query-routes.js';
import { ticketingStream } from '../../projections/ticketing/ticketing-stream.js';
import { gatheringFollowupSaga } from '../../sagas/ticketing/gathering-followup-saga.js';
import { ticketingEffectHandlers } from './ticketing-effects.js';
import { ticketingCommandRoutes } from './ticketing-routes.js';
import { GatheringsOnSale } from './gatherings-on-sale.js';
import { BatchingTicketSeller, OptimisticTicketSeller } from './ticket-seller.js';

/**
 * Ticketing "Сбор" (SPEC T-1…T-9): gatherings, ticket types, never-oversold purchases, the door,
 * cancellation, reminders. What it tells people it asks of the notifications context (`Notify`).
 */
export function ticketingModule(): ContextFactory {
  return (deps) => {
    const settings = deps.config.ticketing;
    const seller = settings.salesStrategy === 'optimistic' ? new OptimisticTicketSeller(deps.store) : new BatchingTicketSeller(deps.store);
    const catalog = catalogProjection();
    const tickets = ticketProjection(deps.database.biSchema);
    const ticketReads = ticketQueries(deps.database.db);
    return {
      name: 'ticketing',
      roles: [
        { name: 'organizer', description: 'creates and runs gatherings (self-service: POST /api/users/me/become-organizer)' },
        { name: 'scanner', description: 'door staff: validates and checks in tickets of every gathering' },
      ],
      migrations: [catalog.migrations!, tickets.migrations!],
      projections: [catalog, tickets],
      publishedStreams: [ticketingStream],
      sagas: [gatheringFollowupSaga(settings.reminderLeadHours)],
      effects: ticketingEffectHandlers({ database: deps.database, tickets: ticketReads, store: deps.store, clock: deps.clock, waitForProjection: deps.waitForProjection }),
      routes: [
        ...ticketingCommandRoutes({
          store: deps.store,
          clock: deps.clock,
          seller,
          gatherings: new GatheringsOnSale(deps.store),
          catalogReached: (position) => deps.waitForProjection(CATALOG_PROJECTION, position, 3000),
          ticketsReached: (position) => deps.waitForProjection(TICKETS_PROJECTION, position, 3000),
          ticketOfCode: ticketReads.ticketOfCode,
        }),
        ...ticketingQueryRoutes(deps.database, deps.clock),
      ],
    };
  };
}
