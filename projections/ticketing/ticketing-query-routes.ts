import { left } from 'fp-ts/Either';
import * as t from 'io-ts';
import { sql } from 'kysely';
import type { Database } from '../../adapters/database/database.js';
import { CursorTimestamp, pageCodec, pageOf, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import type { Principal } from '../../adapters/http/principal.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { IsoDateTime, Uuid } from '../../adapters/http/text-codecs.js';
import { domainError } from '../../domain/decider.js';
import { fromMinorUnits, toMinorUnits } from '../../domain/money.js';
import type { Clock } from '../../platform/clock.js';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

interface GatheringRow {
  id: string;
  organizer_id: string;
  title: string;
  description: string;
  venue: string;
  starts_at: Date | string;
  ends_at: Date | string;
  capacity: number;
  status: string;
  cancel_reason: string | null;
}
interface TicketTypeRow {
  id: string;
  gathering_id: string;
  kind: string;
  quantity: number;
  sold: number;
  price: string;
  currency: string;
  sales_start: Date | string;
  sales_end: Date | string;
}

const summaryOf = (row: GatheringRow) => ({
  id: row.id,
  organizer_id: row.organizer_id,
  status: row.status,
  title: row.title,
  venue: row.venue,
  starts_at: iso(row.starts_at)!,
  ends_at: iso(row.ends_at)!,
  capacity: row.capacity,
});
const GatheringSummary = t.type({ id: t.string, organizer_id: t.string, status: t.string, title: t.string, venue: t.string, starts_at: t.string, ends_at: t.string, capacity: t.number });
const OwnGatheringSummary = t.intersection([GatheringSummary, t.type({ created_at: t.string })]);
const TicketTypeAvailability = t.type({
  id: t.string,
  kind: t.string,
  quantity: t.number,
  sold: t.number,
  remaining: t.number,
  price: t.string,
  currency: t.string,
  sales_start: t.string,
  sales_end: t.string,
  on_sale: t.boolean,
});
const GatheringDetail = t.intersection([GatheringSummary, t.type({ description: t.string, cancel_reason: t.union([t.string, t.null]), ticket_types: t.array(TicketTypeAvailability) })]);
const MyTicket = t.type({
  id: t.string,
  code: t.string,
  status: t.string,
  event_id: t.string,
  event_title: t.string,
  starts_at: t.string,
  ticket_type_id: t.string,
  kind: t.string,
  price: t.string,
  currency: t.string,
  issued_at: t.string,
  checked_in_at: t.union([t.string, t.null]),
});

const ListingKey = t.type({ startsAt: CursorTimestamp, id: t.string });
const CreatedKey = t.type({ createdAt: CursorTimestamp, id: t.string });
const IssuedKey = t.type({ issuedAt: CursorTimestamp, id: t.string });

const isStaff = (principal: Principal | undefined) => principal?.roles.includes('admin') ?? false;
const usersOnly = () => left(domainError('forbidden', 'ticketing.users_only', 'tickets and notifications belong to users, not to machine callers'));
const notFound = () => left(domainError('not_found', 'gathering.not_found', 'no such event', 'id'));

/** Query routes of ticketing: they read only the read models (T-4, listings, sales summary). */
export function ticketingQueryRoutes(database: Database, clock: Clock): Route[] {
  const db = database.db;
  const loadGathering = async (id: string) => (await sql<GatheringRow>`select * from rm_gatherings where id = ${id}`.execute(db)).rows[0];
  return [
    defineRoute({
      method: 'get',
      path: '/api/events',
      summary: 'Published events, soonest first, with a date filter and cursor pagination',
      description: 'from / to filter on starts_at (ISO 8601); from defaults to now, so past events are hidden unless asked for.',
      tags: ['ticketing'],
      auth: 'public',
      query: t.intersection([pageQuery, t.partial({ from: IsoDateTime, to: IsoDateTime })]),
      responses: { 200: { description: 'A page of events', schema: pageCodec(GatheringSummary) }, 400: { description: 'A malformed filter or cursor' } },
      handle: async ({ query }) => {
        const page = readPageRequest(query, ListingKey, { defaultLimit: 20, maxLimit: 100 });
        const from = query.from ?? clock.now().toISOString();
        const { rows } = await sql<GatheringRow>`
          select * from rm_gatherings
          where status = 'published' and starts_at >= ${from}::timestamptz
            and (${query.to ?? null}::timestamptz is null or starts_at < ${query.to ?? null}::timestamptz)
            and (${page.after?.startsAt ?? null}::timestamptz is null or (starts_at, id) > (${page.after?.startsAt ?? null}::timestamptz, ${page.after?.id ?? ''}))
          order by starts_at, id limit ${page.limit + 1}`.execute(db);
        return { status: 200, body: pageOf(rows.map(summaryOf), page, (row) => ({ startsAt: row.starts_at, id: row.id }), ListingKey) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/events/:id',
      summary: 'An event with the seats remaining per ticket type',
      description: 'Drafts are visible only to their organizer and admins.',
      tags: ['ticketing'],
      auth: 'public',
      params: t.type({ id: Uuid }),
      responses: { 200: { description: 'The event', schema: GatheringDetail }, 404: { description: 'No such event (or a draft of someone else)' } },
      handle: async ({ params, principal }) => {
        const row = await loadGathering(params.id);
        if (!row || (row.status === 'draft' && row.organizer_id !== principal?.id && !isStaff(principal))) return notFound();
        const { rows } = await sql<TicketTypeRow>`select * from rm_ticket_types where gathering_id = ${params.id} order by added_at, id`.execute(db);
        const now = clock.now().getTime();
        return {
          status: 200,
          body: {
            ...summaryOf(row),
            description: row.description,
            cancel_reason: row.cancel_reason,
            ticket_types: rows.map((tt) => ({
              id: tt.id,
              kind: tt.kind,
              quantity: tt.quantity,
              sold: tt.sold,
              remaining: tt.quantity - tt.sold,
              price: tt.price,
              currency: tt.currency,
              sales_start: iso(tt.sales_start)!,
              sales_end: iso(tt.sales_end)!,
              on_sale: row.status === 'published' && tt.sold < tt.quantity && new Date(tt.sales_start).getTime() <= now && now < new Date(tt.sales_end).getTime(),
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/events/:id/sales',
      summary: 'The organizer’s sales summary of an event: sold, remaining, revenue per ticket type, check-ins',
      tags: ['ticketing'],
      auth: { roles: ['organizer'] },
      params: t.type({ id: Uuid }),
      responses: {
        200: {
          description: 'Sales summary',
          schema: t.type({
            event_id: t.string,
            status: t.string,
            ticket_types: t.array(t.type({ id: t.string, kind: t.string, quantity: t.number, sold: t.number, remaining: t.number, revenue: t.string, currency: t.string, checked_in: t.number })),
            totals: t.type({ quantity: t.number, sold: t.number, checked_in: t.number, revenue: t.record(t.string, t.string) }),
          }),
        },
        403: { description: 'Not the organizer of this event' },
        404: { description: 'No such event' },
      },
      handle: async ({ params, principal }) => {
        const row = await loadGathering(params.id);
        if (!row) return notFound();
        if (row.organizer_id !== principal.id && !isStaff(principal)) return left(domainError('forbidden', 'gathering.not_organizer', 'only the organizer of this event (or an admin) sees its sales'));
        const { rows } = await sql<TicketTypeRow & { checked_in: string }>`
          select tt.*, (select count(*) from rm_tickets t where t.ticket_type_id = tt.id and t.status = 'used')::text as checked_in
          from rm_ticket_types tt where tt.gathering_id = ${params.id} order by tt.added_at, tt.id`.execute(db);
        const revenue: Record<string, bigint> = {};
        const types = rows.map((tt) => {
          const amount = toMinorUnits(tt.price) * BigInt(tt.sold);
          revenue[tt.currency] = (revenue[tt.currency] ?? 0n) + amount;
          return { id: tt.id, kind: tt.kind, quantity: tt.quantity, sold: tt.sold, remaining: tt.quantity - tt.sold, revenue: fromMinorUnits(amount), currency: tt.currency, checked_in: Number(tt.checked_in) };
        });
        return {
          status: 200,
          body: {
            event_id: row.id,
            status: row.status,
            ticket_types: types,
            totals: {
              quantity: types.reduce((sum, tt) => sum + tt.quantity, 0),
              sold: types.reduce((sum, tt) => sum + tt.sold, 0),
              checked_in: types.reduce((sum, tt) => sum + tt.checked_in, 0),
              revenue: Object.fromEntries(Object.entries(revenue).map(([currency, amount]) => [currency, fromMinorUnits(amount)])),
            },
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/organizer/events',
      summary: 'The caller’s own events in every status (drafts included), newest first',
      tags: ['ticketing'],
      auth: { roles: ['organizer'] },
      query: pageQuery,
      responses: { 200: { description: 'A page of events', schema: pageCodec(OwnGatheringSummary) } },
      handle: async ({ query, principal }) => {
        const page = readPageRequest(query, CreatedKey, { defaultLimit: 20, maxLimit: 100 });
        const { rows } = await sql<GatheringRow & { created_at: Date | string }>`
          select * from rm_gatherings where organizer_id = ${principal.id}
            and (${page.after?.createdAt ?? null}::timestamptz is null or (created_at, id) < (${page.after?.createdAt ?? null}::timestamptz, ${page.after?.id ?? ''}))
          order by created_at desc, id desc limit ${page.limit + 1}`.execute(db);
        const items = rows.map((row) => ({ ...summaryOf(row), created_at: iso(row.created_at)! }));
        return { status: 200, body: pageOf(items, page, (row) => ({ createdAt: row.created_at, id: row.id }), CreatedKey) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tickets',
      summary: 'The caller’s tickets with live status: active, used or voided (T-4)',
      tags: ['ticketing'],
      auth: {},
      query: t.intersection([pageQuery, t.partial({ status: t.keyof({ active: null, used: null, voided: null }) })]),
      responses: { 200: { description: 'A page of tickets, oldest purchase first', schema: pageCodec(MyTicket) }, 403: { description: 'Not a user' } },
      handle: async ({ query, principal }) => {
        if (principal.kind !== 'user') return usersOnly();
        const page = readPageRequest(query, IssuedKey, { defaultLimit: 50, maxLimit: 200 });
        const { rows } = await sql<{
          id: string; code: string; status: string; gathering_id: string; title: string; starts_at: Date | string; ticket_type_id: string; kind: string | null;
          price: string; currency: string; issued_at: Date | string; checked_in_at: Date | string | null;
        }>`
          select t.id, t.code, t.status, t.gathering_id, g.title, g.starts_at, t.ticket_type_id, tt.kind, t.price, t.currency, t.issued_at, t.checked_in_at
          from rm_tickets t
          left join rm_gatherings g on g.id = t.gathering_id
          left join rm_ticket_types tt on tt.id = t.ticket_type_id
          where t.holder_id = ${principal.id}
            and (${query.status ?? null}::text is null or t.status = ${query.status ?? null})
            and (${page.after?.issuedAt ?? null}::timestamptz is null or (t.issued_at, t.id) > (${page.after?.issuedAt ?? null}::timestamptz, ${page.after?.id ?? ''}))
          order by t.issued_at, t.id limit ${page.limit + 1}`.execute(db);
        const items = rows.map((row) => ({
          id: row.id,
          code: row.code,
          status: row.status,
          event_id: row.gathering_id,
          event_title: row.title ?? '',
          starts_at: iso(row.starts_at) ?? '',
          ticket_type_id: row.ticket_type_id,
          kind: row.kind ?? '',
          price: row.price,
          currency: row.currency,
          issued_at: iso(row.issued_at)!,
          checked_in_at: iso(row.checked_in_at),
        }));
        return { status: 200, body: pageOf(items, page, (row) => ({ issuedAt: row.issued_at, id: row.id }), IssuedKey) };
      },
    }),
  ];
}
