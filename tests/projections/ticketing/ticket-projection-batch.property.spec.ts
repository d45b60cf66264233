import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { Database } from '../../../adapters/database/database.js';
import { streamOfGathering } from '../../../domain/ticketing/gathering.js';
import { streamOfInventory } from '../../../domain/ticketing/ticket-inventory.js';
import { streamOfTicket } from '../../../domain/ticketing/ticket.js';
import { type AnyProjection, type ProjectedEvent } from '../../../projections/projection.js';
import { catalogProjection } from '../../../projections/ticketing/catalog-projection.js';
import { ticketProjection } from '../../../projections/ticketing/ticket-projection.js';
import { applyInBatches, pairedDatabases } from '../../support/paired-databases.js';

type Event = ProjectedEvent<{ type: string; data: any }>;

/** What a random script of ticketing activity may do; indexes pick among what exists so far. */
type Action =
  | { readonly kind: 'gathering' }
  | { readonly kind: 'edit' | 'publish' | 'cancel' | 'type'; readonly g: number }
  | { readonly kind: 'sell'; readonly t: number; readonly n: number }
  | { readonly kind: 'issue'; readonly s: number; readonly twice: boolean }
  | { readonly kind: 'checkin' | 'void'; readonly k: number; readonly twice: boolean };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'gathering' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('edit' as const, 'publish' as const, 'cancel' as const, 'type' as const), g: fc.nat(5) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('sell' as const), t: fc.nat(7), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('issue' as const), s: fc.nat(20), twice: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('checkin' as const, 'void' as const), k: fc.nat(40), twice: fc.boolean() }) },
);
/** Every script starts with two gatherings and three ticket types, so sales have somewhere to go. */
const setup: readonly Action[] = [{ kind: 'gathering' }, { kind: 'gathering' }, { kind: 'type', g: 0 }, { kind: 'type', g: 1 }, { kind: 'type', g: 0 }];

/** The log such a script writes, in `$all` order (a ticket is checked in or voided only after it is issued). */
function logOf(actions: readonly Action[]): Event[] {
  const events: Event[] = [];
  const gatherings: string[] = [];
  const types: { id: string; gatheringId: string }[] = [];
  const sales: any[] = [];
  const issued: any[] = [];
  const revisions = new Map<string, bigint>();
  let clock = Date.parse('2026-12-01T10:00:00Z');
  const push = (streamName: string, type: string, data: unknown) => {
    const revision = revisions.get(streamName) ?? 0n;
    revisions.set(streamName, revision + 1n);
    const commit = BigInt(events.length + 1);
    events.push({ streamName, revision, position: { commit, prepare: commit }, eventId: `e${commit}`, type, data, metadata: {}, createdAt: new Date(clock) } as Event);
  };
  const at = () => new Date((clock += 60_000)).toISOString();
  for (const a of actions) {
    switch (a.kind) {
      case 'gathering': {
        const id = `g${gatherings.length}`;
        gatherings.push(id);
        push(streamOfGathering(id), 'GatheringCreated', { gatheringId: id, organizerId: 'o1', createdAt: at(), title: `Event ${id}`, description: '', venue: 'Hall', startsAt: '2027-01-01T18:00:00Z', endsAt: '2027-01-01T21:00:00Z', capacity: 100 });
        break;
      }
      case 'edit':
      case 'publish':
      case 'cancel':
      case 'type': {
        if (gatherings.length === 0) break;
        const g = gatherings[a.g % gatherings.length]!;
        if (a.kind === 'edit') push(streamOfGathering(g), 'GatheringEdited', { editedAt: at(), title: `Edited ${g} ${clock}`, description: 'd', venue: 'Arena', startsAt: '2027-02-01T18:00:00Z', endsAt: '2027-02-01T21:00:00Z', capacity: 120 });
        if (a.kind === 'publish') push(streamOfGathering(g), 'GatheringPublished', { publishedAt: at() });
        if (a.kind === 'cancel') push(streamOfGathering(g), 'GatheringCancelled', { reason: 'rain', cancelledAt: at(), cancelledBy: 'o1' });
        if (a.kind === 'type') {
          const id = `tt${types.length}`;
          types.push({ id, gatheringId: g });
          push(streamOfGathering(g), 'TicketTypeAdded', { gatheringId: g, addedAt: at(), ticketTypeId: id, kind: 'standard', quantity: 50, price: '1500.00', currency: 'RUB', salesStart: '2026-11-01T00:00:00Z', salesEnd: '2026-12-31T00:00:00Z' });
        }
        break;
      }
      case 'sell': {
        if (types.length === 0) break;
        const type = types[a.t % types.length]!;
        const saleId = `s${sales.length}`;
        const sale = { saleId, gatheringId: type.gatheringId, ticketTypeId: type.id, buyerId: `b${sales.length % 3}`, tickets: Array.from({ length: a.n }, (_, i) => ({ ticketId: `${saleId}k${i}`, code: `CODE-${saleId}-${i}` })), unitPrice: '1500.00', currency: 'RUB', soldAt: at() };
        sales.push(sale);
        push(streamOfInventory(type.id), 'TicketsSold', sale);
        break;
      }
      case 'issue': {
        if (sales.length === 0) break;
        const sale = sales[a.s % sales.length]!;
        for (const ticket of sale.tickets) {
          const data = { ticketId: ticket.ticketId, code: ticket.code, saleId: sale.saleId, gatheringId: sale.gatheringId, ticketTypeId: sale.ticketTypeId, holderId: sale.buyerId, price: sale.unitPrice, currency: sale.currency, issuedAt: sale.soldAt };
          push(streamOfTicket(ticket.ticketId), 'TicketIssued', data);
          if (a.twice) push(streamOfTicket(ticket.ticketId), 'TicketIssued', data); // an idempotent repeat seen twice
          issued.push(data);
        }
        break;
      }
      case 'checkin':
      case 'void': {
        if (issued.length === 0) break;
        const ticket = issued[a.k % issued.length]!;
        const times = a.twice ? 2 : 1;
        for (let i = 0; i < times; i++) {
          if (a.kind === 'checkin') push(streamOfTicket(ticket.ticketId), 'TicketCheckedIn', { ticketId: ticket.ticketId, gatheringId: ticket.gatheringId, scannerId: `scanner${clock % 7}`, checkedInAt: at() });
          else push(streamOfTicket(ticket.ticketId), 'TicketVoided', { ticketId: ticket.ticketId, gatheringId: ticket.gatheringId, reason: 'gathering_cancelled', voidedAt: at() });
        }
        break;
      }
    }
  }
  return events;
}

const projectionsOf = (database: Database): AnyProjection[] => [catalogProjection(), ticketProjection(database.biSchema)];

async function readModelOf(database: Database): Promise<unknown> {
  const bi = (table: string) => sql.table(`${database.biSchema}.${table}`);
  const dump = async (query: ReturnType<typeof sql>) => (await query.execute(database.db)).rows.map((row) => JSON.stringify(row));
  return {
    gatherings: await dump(sql`select *, starts_at::text, ends_at::text, created_at::text, published_at::text, cancelled_at::text, updated_at::text from rm_gatherings order by id`),
    ticketTypes: await dump(sql`select id, gathering_id, quantity, sold from rm_ticket_types order by id`),
    tickets: await dump(sql`select id, code, sale_id, holder_id, status, issued_at::text, checked_in_at::text, voided_at::text, updated_at::text from rm_tickets order by id`),
    sales: await dump(sql`select sale_id, quantity, unit_price::text, total::text, sold_at::text, event_position from ${bi('ticket_sales')} order by sale_id`),
    checkins: await dump(sql`select ticket_id, gathering_id, scanner_id, checked_in_at::text, event_position from ${bi('ticket_checkins')} order by ticket_id`),
  };
}

async function truncate(database: Database): Promise<void> {
  await sql`truncate rm_gatherings, rm_ticket_types, rm_tickets, ${sql.table(`${database.biSchema}.ticket_sales`)}, ${sql.table(`${database.biSchema}.ticket_checkins`)}`.execute(database.db);
}

/** Issue 16: the ticketing projectors apply a batch with a few multi-row statements; the result must equal applying it one event at a time. */
describe('ticketing projectors, batch against one by one (property)', function () {
  this.timeout(300_000);
  const databases = pairedDatabases((database) => projectionsOf(database).map((projection) => projection.migrations!));

  it('given any log of gatherings, ticket types, sales, issues (some repeated), check-ins and voids, when applied in random batches, then the read model and BI tables equal those applied event by event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 10, maxLength: 80 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }), async (actions, sizes) => {
        const { oneByOne, batched } = databases;
        const events = logOf([...setup, ...actions]);
        await truncate(oneByOne);
        await truncate(batched);
        await applyInBatches(oneByOne, projectionsOf(oneByOne), events, []);
        await applyInBatches(batched, projectionsOf(batched), events, sizes);
        assert.deepEqual(await readModelOf(batched), await readModelOf(oneByOne));
      }),
      { numRuns: 40 },
    );
  });
});
