import { pickEvents } from '../../domain/event-codec.js';
import * as t from 'io-ts';
import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import type { RecordedEvent } from '../../adapters/eventstore/event-store.js';
import { fromMinorUnits, toMinorUnits } from '../../domain/money.js';
import { TicketInventoryEvent, type TicketsSold } from '../../domain/ticketing/ticket-inventory.js';
import { TicketEvent, type TicketIssued, type TicketOfSale } from '../../domain/ticketing/ticket.js';
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
  /** The ticket a door code names, as its sale made it, if any (codes are stored upper-case). */
  ticketOfCode(code: string): Promise<TicketOfSale | undefined>;
  /** A gathering's tickets in the given statuses, with their holders. */
  ticketsOfGathering(gatheringId: string, statuses: readonly string[]): Promise<{ readonly id: string; readonly ticketTypeId: string; readonly holderId: string; readonly status: string }[]>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ticketQueries(db: Kysely<any>): TicketQueries {
  return {
    async ticketOfCode(code) {
      const { rows } = await sql<{ id: string; gathering_id: string; ticket_type_id: string }>`
        select id, gathering_id, ticket_type_id from rm_tickets where code = ${code.toUpperCase()}`.execute(db);
      const row = rows[0];
      return row ? { ticketId: row.id, gatheringId: row.gathering_id, ticketTypeId: row.ticket_type_id } : undefined;
    },
    async ticketsOfGathering(gatheringId, statuses) {
      const { rows } = await sql<{ id: string; ticket_type_id: string; holder_id: string; status: string }>`
        select id, ticket_type_id, holder_id, status from rm_tickets where gathering_id = ${gatheringId} and status in (${sql.join(statuses)}) order by id`.execute(db);
      return rows.map((row) => ({ id: row.id, ticketTypeId: row.ticket_type_id, holderId: row.holder_id, status: row.status }));
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
    // holder (a member's tickets), sale (a purchase's tickets) and gathering (door lists) serve
    // the query routes; apply writes and joins by id only.
    queryIndexes: ['rm_tickets_holder', 'rm_tickets_sale', 'rm_tickets_gathering', 'rm_tickets_code_key'],
    // Set-based (issue 16): a batch is a few multi-row statements, not one per event, with the
    // result of applying its events one by one (tests/projections/ticketing/ticket-projection-batch.property.spec.ts):
    // sales and their tickets are inserted first (first one of an id wins, as with `on conflict
    // do nothing`), then each ticket's check-ins and voids fold into its final status. A ticket
    // is born with its sale; `TicketIssued` (one per ticket, as earlier versions wrote) gives
    // the same row and is kept for the logs that hold it.
    async apply(trx, events) {
      const sales = new Map<string, Extract<typeof events[number], { type: 'TicketsSold' }>>();
      const issued = new Map<string, TicketIssued['data']>();
      const changes = new Map<string, TicketChange>();
      const checkins = new Map<string, { scannerId: string; checkedInAt: string; position: string }>();
      for (const event of events) {
        switch (event.type) {
          case 'TicketsSold': {
            const d = event.data;
            if (!sales.has(d.saleId)) sales.set(d.saleId, event);
            for (const { ticketId, code } of d.tickets) {
              if (issued.has(ticketId)) continue;
              issued.set(ticketId, { ticketId, code, saleId: d.saleId, gatheringId: d.gatheringId, ticketTypeId: d.ticketTypeId, holderId: d.buyerId, price: d.unitPrice, currency: d.currency, issuedAt: d.soldAt });
            }
            break;
          }
          case 'TicketIssued':
            if (!issued.has(event.data.ticketId)) issued.set(event.data.ticketId, event.data);
            break;
          case 'TicketCheckedIn': {
            const d = event.data;
            const change = changes.get(d.ticketId) ?? { id: d.ticketId };
            changes.set(d.ticketId, { ...change, status: 'used', checked_in_at: d.checkedInAt, updated_at: d.checkedInAt });
            if (!checkins.has(d.ticketId)) checkins.set(d.ticketId, { scannerId: d.scannerId, checkedInAt: d.checkedInAt, position: positionOf(event) });
            break;
          }
          case 'TicketVoided': {
            const d = event.data;
            const change = changes.get(d.ticketId) ?? { id: d.ticketId };
            changes.set(d.ticketId, { ...change, status: 'voided', voided_at: d.voidedAt, updated_at: d.voidedAt });
            break;
          }
        }
      }
      if (sales.size > 0) {
        const rows = [...sales.values()];
        const column = <T>(pick: (sale: TicketsSold['data'], event: (typeof rows)[number]) => T) => rows.map((event) => pick(event.data, event));
        await sql`
          insert into ${bi('ticket_sales')} (sale_id, gathering_id, ticket_type_id, buyer_id, quantity, unit_price, total, currency, sold_at, event_position)
          select sale_id, gathering_id, ticket_type_id, buyer_id, quantity, unit_price::numeric, total::numeric, currency, sold_at::timestamptz, event_position
          from unnest(${column((d) => d.saleId)}::text[], ${column((d) => d.gatheringId)}::text[], ${column((d) => d.ticketTypeId)}::text[],
                      ${column((d) => d.buyerId)}::text[], ${column((d) => d.tickets.length)}::integer[], ${column((d) => d.unitPrice)}::text[],
                      ${column((d) => fromMinorUnits(toMinorUnits(d.unitPrice) * BigInt(d.tickets.length)))}::text[], ${column((d) => d.currency)}::text[],
                      ${column((d) => d.soldAt)}::text[], ${column((_, event) => positionOf(event))}::text[])
               as r(sale_id, gathering_id, ticket_type_id, buyer_id, quantity, unit_price, total, currency, sold_at, event_position)
          on conflict (sale_id) do nothing`.execute(trx);
      }
      if (issued.size > 0) {
        const rows = [...issued.values()];
        const column = (pick: (ticket: TicketIssued['data']) => string) => rows.map(pick);
        await sql`
          insert into rm_tickets (id, code, sale_id, gathering_id, ticket_type_id, holder_id, price, currency, status, issued_at, updated_at)
          select id, code, sale_id, gathering_id, ticket_type_id, holder_id, price, currency, 'active', issued_at::timestamptz, issued_at::timestamptz
          from unnest(${column((d) => d.ticketId)}::text[], ${column((d) => d.code)}::text[], ${column((d) => d.saleId)}::text[],
                      ${column((d) => d.gatheringId)}::text[], ${column((d) => d.ticketTypeId)}::text[], ${column((d) => d.holderId)}::text[],
                      ${column((d) => d.price)}::text[], ${column((d) => d.currency)}::text[], ${column((d) => d.issuedAt)}::text[])
               as r(id, code, sale_id, gathering_id, ticket_type_id, holder_id, price, currency, issued_at)
          on conflict (id) do nothing`.execute(trx);
      }
      if (changes.size > 0) {
        const rows = [...changes.values()];
        const column = (pick: (change: TicketChange) => string | undefined) => rows.map((change) => pick(change) ?? null);
        await sql`
          update rm_tickets t set status = c.status,
            checked_in_at = coalesce(c.checked_in_at::timestamptz, t.checked_in_at),
            voided_at = coalesce(c.voided_at::timestamptz, t.voided_at),
            updated_at = c.updated_at::timestamptz
          from unnest(${column((c) => c.id)}::text[], ${column((c) => c.status)}::text[], ${column((c) => c.checked_in_at)}::text[],
                      ${column((c) => c.voided_at)}::text[], ${column((c) => c.updated_at)}::text[])
               as c(id, status, checked_in_at, voided_at, updated_at)
          where t.id = c.id`.execute(trx);
      }
      if (checkins.size > 0) {
        const rows = [...checkins];
        const column = (pick: (checkin: (typeof rows)[number]) => string) => rows.map(pick);
        await sql`
          insert into ${bi('ticket_checkins')} (ticket_id, gathering_id, ticket_type_id, scanner_id, checked_in_at, event_position)
          select t.id, t.gathering_id, t.ticket_type_id, c.scanner_id, c.checked_in_at::timestamptz, c.event_position
          from unnest(${column(([ticketId]) => ticketId)}::text[], ${column(([, c]) => c.scannerId)}::text[], ${column(([, c]) => c.checkedInAt)}::text[],
                      ${column(([, c]) => c.position)}::text[])
               as c(ticket_id, scanner_id, checked_in_at, event_position)
          join rm_tickets t on t.id = c.ticket_id
          on conflict (ticket_id) do nothing`.execute(trx);
      }
    },
  });
}

/** A ticket's status after the batch's check-ins and voids (the last one decides, as applied in order). */
interface TicketChange {
  readonly id: string;
  readonly status?: 'used' | 'voided';
  readonly checked_in_at?: string;
  readonly voided_at?: string;
  readonly updated_at?: string;
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
