import { pickEvents } from '../../domain/event-codec.js';
import * as t from 'io-ts';
import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import type { RecordedEvent } from '../../adapters/eventstore/event-store.js';
import { fromMinorUnits, toMinorUnits } from '../../domain/money.js';
import { TicketInventoryEvent } from '../../domain/ticketing/ticket-inventory.js';
import { TicketEvent } from '../../domain/ticketing/ticket.js';
import { defineProjection, type Projection } from '../projection.js';

export const TICKETS_PROJECTION = 'ticketing-tickets';

const positionOf = (event: RecordedEvent) => `${event.position.commit}/${event.position.prepare}`;

/**
 * `rm_tickets`: one row per ticket with its live status (GET /api/tickets, the door's code
 * lookup, the holders to notify). BI (T, documented in docs/architecture.md):
 * `<bi>.ticket_sales` one row per sale, `<bi>.ticket_checkins` one row per check-in.
 */
/** The ticket read model's queries the command side may use (handed to it as functions by the module). */
export interface TicketQueries {
  /** The ticket a door code names, if any (codes are stored upper-case). */
  ticketIdOfCode(code: string): Promise<string | undefined>;
  /** A gathering's tickets in the given statuses, with their holders. */
  ticketsOfGathering(gatheringId: string, statuses: readonly string[]): Promise<{ readonly id: string; readonly holderId: string; readonly status: string }[]>;
  /** How many tickets of a sale the read model has. */
  issuedOfSale(saleId: string): Promise<number>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ticketQueries(db: Kysely<any>): TicketQueries {
  return {
    async ticketIdOfCode(code) {
      return (await sql<{ id: string }>`select id from rm_tickets where code = ${code.toUpperCase()}`.execute(db)).rows[0]?.id;
    },
    async ticketsOfGathering(gatheringId, statuses) {
      const { rows } = await sql<{ id: string; holder_id: string; status: string }>`
        select id, holder_id, status from rm_tickets where gathering_id = ${gatheringId} and status in (${sql.join(statuses)}) order by id`.execute(db);
      return rows.map((row) => ({ id: row.id, holderId: row.holder_id, status: row.status }));
    },
    async issuedOfSale(saleId) {
      const { rows } = await sql<{ issued: string }>`select count(*)::text as issued from rm_tickets where sale_id = ${saleId}`.execute(db);
      return Number(rows[0]?.issued ?? 0);
    },
  };
}

const TicketProjectionEvents = pickEvents(t.union([TicketEvent, TicketInventoryEvent]), ['TicketsSold', 'TicketIssued', 'TicketCheckedIn', 'TicketVoided']);

export function ticketProjection(biSchema: string): Projection<t.TypeOf<typeof TicketProjectionEvents>> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: TICKETS_PROJECTION,
    events: TicketProjectionEvents,
    migrations: ticketMigrations(biSchema),
    rebind: (other) => ticketProjection(other),
    async apply(trx, events) {
      for (const recorded of events) {
        const event = recorded;
        switch (event.type) {
          case 'TicketsSold': {
            const d = event.data;
            const total = fromMinorUnits(toMinorUnits(d.unitPrice) * BigInt(d.tickets.length));
            await sql`
              insert into ${bi('ticket_sales')} (sale_id, gathering_id, ticket_type_id, buyer_id, quantity, unit_price, total, currency, sold_at, event_position)
              values (${d.saleId}, ${d.gatheringId}, ${d.ticketTypeId}, ${d.buyerId}, ${d.tickets.length}, ${d.unitPrice}::numeric, ${total}::numeric,
                      ${d.currency}, ${d.soldAt}::timestamptz, ${positionOf(recorded)})
              on conflict (sale_id) do nothing`.execute(trx);
            break;
          }
          case 'TicketIssued': {
            const d = event.data;
            await sql`
              insert into rm_tickets (id, code, sale_id, gathering_id, ticket_type_id, holder_id, price, currency, status, issued_at, updated_at)
              values (${d.ticketId}, ${d.code}, ${d.saleId}, ${d.gatheringId}, ${d.ticketTypeId}, ${d.holderId}, ${d.price}, ${d.currency}, 'active',
                      ${d.issuedAt}::timestamptz, ${d.issuedAt}::timestamptz)
              on conflict (id) do nothing`.execute(trx);
            break;
          }
          case 'TicketCheckedIn': {
            const d = event.data;
            await sql`update rm_tickets set status = 'used', checked_in_at = ${d.checkedInAt}::timestamptz, updated_at = ${d.checkedInAt}::timestamptz where id = ${d.ticketId}`.execute(trx);
            await sql`
              insert into ${bi('ticket_checkins')} (ticket_id, gathering_id, ticket_type_id, scanner_id, checked_in_at, event_position)
              select id, gathering_id, ticket_type_id, ${d.scannerId}, ${d.checkedInAt}::timestamptz, ${positionOf(recorded)} from rm_tickets where id = ${d.ticketId}
              on conflict (ticket_id) do nothing`.execute(trx);
            break;
          }
          case 'TicketVoided':
            await sql`update rm_tickets set status = 'voided', voided_at = ${event.data.voidedAt}::timestamptz, updated_at = ${event.data.voidedAt}::timestamptz where id = ${event.data.ticketId}`.execute(trx);
            break;
        }
      }
    },
  });
}

function ticketMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return {
    'ticketing-tickets-0001-tables': {
      async up(db) {
        await sql`
          create table rm_tickets (
            id text primary key,
            code text not null unique,
            sale_id text not null,
            gathering_id text not null,
            ticket_type_id text not null,
            holder_id text not null,
            price text not null,
            currency text not null,
            status text not null,
            issued_at timestamptz not null,
            checked_in_at timestamptz,
            voided_at timestamptz,
            updated_at timestamptz not null
          )`.execute(db);
        await sql`create index rm_tickets_holder on rm_tickets (holder_id, issued_at, id)`.execute(db);
        await sql`create index rm_tickets_sale on rm_tickets (sale_id)`.execute(db);
        await sql`create index rm_tickets_gathering on rm_tickets (gathering_id, status, holder_id)`.execute(db);
        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('ticket_sales')} (
            sale_id text primary key, gathering_id text not null, ticket_type_id text not null, buyer_id text not null,
            quantity integer not null, unit_price numeric(14, 2) not null, total numeric(16, 2) not null, currency text not null,
            sold_at timestamptz not null, event_position text not null
          )`.execute(db);
        await sql`
          create table ${bi('ticket_checkins')} (
            ticket_id text primary key, gathering_id text not null, ticket_type_id text not null, scanner_id text not null,
            checked_in_at timestamptz not null, event_position text not null
          )`.execute(db);
        await sql`comment on table ${bi('ticket_sales')} is 'One row per ticket sale (one purchase of one or more tickets of one type), price from the ticket type'`.execute(db);
        await sql`comment on table ${bi('ticket_checkins')} is 'One row per ticket checked in at the door (a ticket is checked in at most once)'`.execute(db);
      },
    },
  };
}
