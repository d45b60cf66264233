/**
 * The product's own ticketing projectors (catalog + tickets, set-based since issue 16) rebuilt
 * from position 0 by the project's ProjectionRunner over a log of sales as the purchase writes
 * them: per sale one `TicketsSold` (1–3 tickets, born with the sale) on the ticket type's
 * inventory stream; a fifth of the tickets checked in later, which starts the ticket's own stream.
 * Part of `npm run bench -- projections` (case rebuild-ticketing); `ticketingLag` below is its
 * case lag-ticketing (the same projectors live under a steady rate of sales).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { migrate } from '../adapters/database/migrations.js';
import type { EventToAppend } from '../adapters/eventstore/event-store.js';
import { eventLogMigrations } from '../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../adapters/eventstore/postgres/postgres-event-store.js';
import { drawTickets } from '../commands/ticketing/ticket-codes.js';
import { timeOrderedId } from '../commands/time-ordered-id.js';
import { streamOfGathering } from '../domain/ticketing/gathering.js';
import { streamOfInventory } from '../domain/ticketing/ticket-inventory.js';
import { streamOfTicket } from '../domain/ticketing/ticket.js';
import { biMigrations } from '../projections/bi-migrations.js';
import { checkpointMigrations } from '../projections/checkpoint-migrations.js';
import { waitForProjection } from '../projections/checkpoints.js';
import { ProjectionRunner } from '../projections/projection-runner.js';
import { replayProjection } from '../projections/replay.js';
import { CATALOG_PROJECTION, catalogProjection } from '../projections/ticketing/catalog-projection.js';
import { TICKETS_PROJECTION, ticketProjection } from '../projections/ticketing/ticket-projection.js';
import type { BenchTarget } from './lib/target.js';
import { atSteadyRate, type LagMeasure } from './lib/workload.js';

const WRITERS = 16;
const TICKET_TYPES = 20;

const event = (type: string, data: unknown): EventToAppend => ({ eventId: randomUUID(), type, data, metadata: {} });

export interface TicketingRebuild {
  readonly events: number;
  readonly sales: number;
  readonly tickets: number;
  readonly writeSeconds: number;
  readonly rebuildSeconds: number;
  /** replay: seconds per projection, each replayed on its own (`npm run replay`'s rebuild). */
  readonly perProjection: readonly { readonly name: string; readonly events: number; readonly seconds: number }[];
}

/**
 * How the read models are rebuilt: `runner` = the ProjectionRunner from position 0 (a new
 * deployment catching up), `replay` = the operator's rebuild (projections/replay.ts: a shadow
 * schema, swapped in at the end), one projection after the other.
 */
export type RebuildHow = 'runner' | 'replay';

/** A published gathering with TICKET_TYPES ticket types of a million seats each. */
async function seedGathering(store: PostgresEventStore): Promise<{ gatheringId: string; types: string[]; soldAt: string }> {
  const gatheringId = randomUUID();
  const soldAt = '2026-12-01T10:00:00.000Z';
  const types = Array.from({ length: TICKET_TYPES }, () => randomUUID());
  await store.append(
    streamOfGathering(gatheringId),
    [
      event('GatheringCreated', { gatheringId, organizerId: randomUUID(), createdAt: soldAt, title: 'Rebuild', description: '', venue: 'Hall', startsAt: '2027-01-01T18:00:00Z', endsAt: '2027-01-01T21:00:00Z', capacity: 1_000_000 }),
      event('GatheringPublished', { publishedAt: soldAt }),
      ...types.map((ticketTypeId) => event('TicketTypeAdded', { gatheringId, addedAt: soldAt, ticketTypeId, kind: 'standard', quantity: 1_000_000, price: '1500.00', currency: 'RUB', salesStart: soldAt, salesEnd: '2027-01-01T00:00:00Z' })),
    ],
    'no_stream',
  );
  return { gatheringId, types, soldAt };
}

/**
 * How sale and ticket ids are minted: `time-ordered` as the product mints them (UUIDv7,
 * commands/time-ordered-id.ts), `random` as it did before (UUIDv4) — the comparison.
 */
export type TicketIds = 'time-ordered' | 'random';

export async function rebuildTicketing(target: BenchTarget, total: number, log: (line: string) => void, batchSize: number | undefined, how: RebuildHow = 'runner', ids: TicketIds = 'time-ordered'): Promise<TicketingRebuild> {
  const database = await target.openSchema(WRITERS);
  const catalog = catalogProjection();
  const tickets = ticketProjection(database.biSchema);
  await migrate(database, eventLogMigrations, checkpointMigrations, biMigrations(database.biSchema), catalog.migrations!, tickets.migrations!);
  const store = new PostgresEventStore(database);
  try {
    const { gatheringId, types, soldAt } = await seedGathering(store);
    log(`projections: writing ~${total} ticketing events`);
    let events = 2 + TICKET_TYPES;
    let sales = 0;
    let ticketCount = 0;
    const writeStart = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        const ticketTypeId = types[writer % TICKET_TYPES]!;
        while (events < total) {
          const n = 1 + (sales % 3);
          const mintedAt = new Date(); // ids minted as the product mints them (commands/ticketing/purchase-tickets.ts, no idempotency key)
          const saleId = ids === 'random' ? randomUUID() : timeOrderedId(mintedAt);
          const drawn = drawTickets(n, mintedAt);
          const tickets = ids === 'random' ? drawn.map(({ code }) => ({ ticketId: randomUUID(), code })) : drawn;
          const sale = { saleId, gatheringId, ticketTypeId, buyerId: randomUUID(), tickets, unitPrice: '1500.00', currency: 'RUB', soldAt };
          sales++;
          events += 1;
          ticketCount += n;
          await store.append(streamOfInventory(ticketTypeId), [event('TicketsSold', sale)], 'any');
          await Promise.all(
            sale.tickets.map(async ({ ticketId }, i) => {
              if ((sales + i) % 5 !== 0) return;
              events++;
              await store.append(streamOfTicket(ticketId), [event('TicketCheckedIn', { ticketId, gatheringId, scannerId: 'door-1', checkedInAt: '2027-01-01T18:05:00Z' })], 'no_stream');
            }),
          );
        }
      }),
    );
    const writeSeconds = (performance.now() - writeStart) / 1000;
    const head = await store.headPosition();
    const perProjection: { name: string; events: number; seconds: number }[] = [];
    const started = performance.now();
    if (how === 'runner') {
      log(`projections: rebuilding ${CATALOG_PROJECTION} and ${TICKETS_PROJECTION} over ${events} events (runner)`);
      // A projector that fails keeps failing on the same batch: stop at its first error instead of waiting out the timeout.
      let failed: (error: Error) => void = () => {};
      const failure = new Promise<never>((_, reject) => (failed = reject));
      const runner = new ProjectionRunner(database, store, [catalog, tickets], { batchSize: batchSize ?? 500, onError: (name, error) => failed(new Error(`projection ${name} failed: ${error instanceof Error ? error.message : String(error)}`)) });
      runner.start();
      try {
        for (const name of [CATALOG_PROJECTION, TICKETS_PROJECTION]) {
          const reached = await Promise.race([waitForProjection(database, name, head, 600_000, 20), failure]);
          if (!reached) throw new Error(`${name} did not reach the head within 10 minutes`);
        }
      } finally {
        await runner.stop();
      }
    } else {
      for (const projection of [catalog, tickets]) {
        log(`projections: replaying ${projection.name} over ${events} events (rebuild)`);
        const report = await replayProjection(database, store, projection, { mode: 'rebuild', batchSize });
        perProjection.push({ name: projection.name, events: report.events, seconds: report.seconds });
      }
    }
    const rebuildSeconds = (performance.now() - started) / 1000;
    const rows = Number((await sql<{ n: string }>`select count(*)::text as n from rm_tickets`.execute(database.db)).rows[0]!.n);
    const sold = Number((await sql<{ n: string }>`select sum(sold)::text as n from rm_ticket_types`.execute(database.db)).rows[0]!.n);
    if (rows !== ticketCount || sold !== ticketCount) throw new Error(`rebuild wrong: ${rows} ticket rows and ${sold} sold for ${ticketCount} tickets`);
    return { events, sales, tickets: ticketCount, writeSeconds, rebuildSeconds, perProjection };
  } finally {
    await store.close();
    await database.dispose();
  }
}

/** A lag measurement after a warm-up; the warm-up's appends are not in its percentiles, only in `warmupMax`. */
export interface TicketingLag extends LagMeasure {
  readonly warmupAppended: number;
  /** The largest lag of a sale appended during the warm-up, ms. */
  readonly warmupMax: number;
}

const LAG_POLL_MS = 5;

/**
 * The same projectors live: one-ticket sales appended at `rate` per second for `seconds` across
 * the ticket types' inventory streams (group-committed, as a rush writes them), while a reader
 * polls `rm_tickets` every 5 ms for the tickets of sales acknowledged and not yet seen.
 * Lag = ticket row visible − append acknowledged (so it includes up to 5 ms of polling).
 */
export async function ticketingLag(target: BenchTarget, rate: number, seconds: number, warmupSeconds: number, log: (line: string) => void): Promise<TicketingLag> {
  const database = await target.openSchema(WRITERS);
  const catalog = catalogProjection();
  const tickets = ticketProjection(database.biSchema);
  await migrate(database, eventLogMigrations, checkpointMigrations, catalog.migrations!, tickets.migrations!);
  const store = new PostgresEventStore(database);
  const runner = new ProjectionRunner(database, store, [catalog, tickets], { onError: (name, error) => log(`projection ${name} error: ${error instanceof Error ? error.message : String(error)}`) });
  try {
    const { gatheringId, types, soldAt } = await seedGathering(store);
    runner.start();
    const head = await store.headPosition();
    for (const name of [CATALOG_PROJECTION, TICKETS_PROJECTION]) if (!(await waitForProjection(database, name, head, 60_000, 20))) throw new Error(`${name} did not start`);
    log(`projections: ticketing lag at ${rate} sales/s for ${seconds} s after ${warmupSeconds} s of warm-up`);
    const acked = new Map<string, number>(); // ticket id → when its sale's append returned
    const seen = new Map<string, number>();
    const pending = new Set<string>(); // acknowledged, not yet seen: each poll asks only for these
    const appendLatencies: number[] = [];
    let stop = false;
    let giveUpAt = Number.POSITIVE_INFINITY;
    const reader = (async () => {
      for (;;) {
        if (pending.size > 0) {
          const { rows } = await sql<{ id: string }>`select id from rm_tickets where id in (select jsonb_array_elements_text(${JSON.stringify([...pending])}::jsonb))`.execute(database.db);
          const now = performance.now();
          for (const row of rows) if (pending.delete(row.id)) seen.set(row.id, now);
        }
        if (stop && (pending.size === 0 || performance.now() > giveUpAt)) return;
        await new Promise((resolve) => setTimeout(resolve, LAG_POLL_MS));
      }
    })();
    const measuredFrom = performance.now() + warmupSeconds * 1000;
    const warmup = new Map<string, number>(); // ticket id → acknowledged during the warm-up (not measured)
    await atSteadyRate(rate, warmupSeconds + seconds, (issued) => {
      const ticketTypeId = types[issued % TICKET_TYPES]!;
      const saleId = randomUUID();
      const ticketId = randomUUID();
      const sale = { saleId, gatheringId, ticketTypeId, buyerId: randomUUID(), tickets: [{ ticketId, code: saleId.replace(/-/g, '').toUpperCase() }], unitPrice: '1500.00', currency: 'RUB', soldAt };
      const begun = performance.now();
      return store.append(streamOfInventory(ticketTypeId), [event('TicketsSold', sale)], 'any').then(() => {
        const done = performance.now();
        pending.add(ticketId);
        if (begun < measuredFrom) return void warmup.set(ticketId, done);
        acked.set(ticketId, done);
        appendLatencies.push(done - begun);
      });
    });
    giveUpAt = performance.now() + 10_000; // tickets not visible 10 s after the last append count as not seen
    stop = true;
    await reader;
    const lags = [...acked].flatMap(([id, at]) => (seen.has(id) ? [Math.max(0, seen.get(id)! - at)] : [])).sort((a, b) => a - b);
    appendLatencies.sort((a, b) => a - b);
    const at = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : NaN);
    const warmupMax = Math.max(0, ...[...warmup].map(([id, done]) => (seen.get(id) ?? Number.NaN) - done).filter((lag) => !Number.isNaN(lag)));
    return { appended: acked.size, samples: lags.length, notSeen: acked.size - lags.length, p50: at(lags, 0.5), p99: at(lags, 0.99), max: lags[lags.length - 1] ?? NaN, appendP99: at(appendLatencies, 0.99), warmupAppended: warmup.size, warmupMax };
  } finally {
    await runner.stop();
    await store.close();
    await database.dispose();
  }
}
