import { gatheringOfStream } from '../../domain/ticketing/gathering.js';
import { pickEvents } from '../../domain/event-codec.js';
import * as t from 'io-ts';
import { sql } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { GatheringEvent } from '../../domain/ticketing/gathering-events.js';
import { TicketInventoryEvent } from '../../domain/ticketing/ticket-inventory.js';
import { defineProjection } from '../projection.js';

export const CATALOG_PROJECTION = 'ticketing-catalog';

/**
 * The public face of ticketing: `rm_gatherings` (one row per event, its status and details) and
 * `rm_ticket_types` (one row per ticket type, with `sold` kept from the sales) — what the event
 * list, the event detail with remaining seats and the organizer's summary read.
 */
export function catalogProjection() {
  return defineProjection({
    name: CATALOG_PROJECTION,
    events: pickEvents(t.union([GatheringEvent, TicketInventoryEvent]), ['GatheringCreated', 'GatheringEdited', 'GatheringPublished', 'GatheringCancelled', 'TicketTypeAdded', 'TicketsSold']),
    migrations: catalogMigrations,
    async apply(trx, events) {
      // Sales, most of a busy log, are summed per ticket type and written as one statement after
      // the batch's other events (issue 16); those are rare and keep one statement each.
      const sold = new Map<string, number>();
      for (const recorded of events) {
        const event = recorded;
        const gatheringId = gatheringOfStream(recorded.streamName) ?? '';
        switch (event.type) {
          case 'GatheringCreated': {
            const d = event.data;
            await sql`
              insert into rm_gatherings (id, organizer_id, title, description, venue, starts_at, ends_at, capacity, status, created_at, updated_at)
              values (${d.gatheringId}, ${d.organizerId}, ${d.title}, ${d.description}, ${d.venue}, ${d.startsAt}::timestamptz, ${d.endsAt}::timestamptz,
                      ${d.capacity}, 'draft', ${d.createdAt}::timestamptz, ${d.createdAt}::timestamptz)
              on conflict (id) do nothing`.execute(trx);
            break;
          }
          case 'GatheringEdited': {
            const d = event.data;
            await sql`
              update rm_gatherings set title = ${d.title}, description = ${d.description}, venue = ${d.venue}, starts_at = ${d.startsAt}::timestamptz,
                ends_at = ${d.endsAt}::timestamptz, capacity = ${d.capacity}, updated_at = ${d.editedAt}::timestamptz
              where id = ${gatheringId}`.execute(trx);
            break;
          }
          case 'GatheringPublished':
            await sql`update rm_gatherings set status = 'published', published_at = ${event.data.publishedAt}::timestamptz, updated_at = ${event.data.publishedAt}::timestamptz where id = ${gatheringId}`.execute(trx);
            break;
          case 'GatheringCancelled':
            await sql`
              update rm_gatherings set status = 'cancelled', cancelled_at = ${event.data.cancelledAt}::timestamptz, cancel_reason = ${event.data.reason},
                updated_at = ${event.data.cancelledAt}::timestamptz
              where id = ${gatheringId}`.execute(trx);
            break;
          case 'TicketTypeAdded': {
            const d = event.data;
            await sql`
              insert into rm_ticket_types (id, gathering_id, kind, quantity, sold, price, currency, sales_start, sales_end, added_at)
              values (${d.ticketTypeId}, ${d.gatheringId}, ${d.kind}, ${d.quantity}, 0, ${d.price}, ${d.currency}, ${d.salesStart}::timestamptz,
                      ${d.salesEnd}::timestamptz, ${d.addedAt}::timestamptz)
              on conflict (id) do nothing`.execute(trx);
            break;
          }
          case 'TicketsSold':
            sold.set(event.data.ticketTypeId, (sold.get(event.data.ticketTypeId) ?? 0) + event.data.tickets.length);
            break;
        }
      }
      if (sold.size > 0) {
        const rows = [...sold].map(([id, tickets]) => ({ id, tickets }));
        await sql`
          update rm_ticket_types tt set sold = tt.sold + s.tickets
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as s(id text, tickets integer)
          where tt.id = s.id`.execute(trx);
      }
    },
  });
}

const catalogMigrations: Migrations = {
  'ticketing-catalog-0001-tables': {
    async up(db) {
      await sql`
        create table rm_gatherings (
          id text primary key,
          organizer_id text not null,
          title text not null,
          description text not null,
          venue text not null,
          starts_at timestamptz not null,
          ends_at timestamptz not null,
          capacity integer not null,
          status text not null,
          cancel_reason text,
          created_at timestamptz not null,
          published_at timestamptz,
          cancelled_at timestamptz,
          updated_at timestamptz not null
        )`.execute(db);
      await sql`create index rm_gatherings_listing on rm_gatherings (status, starts_at, id)`.execute(db);
      await sql`create index rm_gatherings_organizer on rm_gatherings (organizer_id, created_at)`.execute(db);
      await sql`
        create table rm_ticket_types (
          id text primary key,
          gathering_id text not null,
          kind text not null,
          quantity integer not null,
          sold integer not null,
          price text not null,
          currency text not null,
          sales_start timestamptz not null,
          sales_end timestamptz not null,
          added_at timestamptz not null
        )`.execute(db);
      await sql`create index rm_ticket_types_gathering on rm_ticket_types (gathering_id, added_at)`.execute(db);
    },
  },
};
