/**
 * `npm run bench -- projections [--quick] [--events=N] [--lag-seconds=S] [--lag-warmup=S] [--rate=R] [--cases=rebuild,lag,rebuild-ticketing,replay-ticketing,lag-ticketing] [--ticketing-events=N] [--ticket-ids=time-ordered|random] [--batch=500]`
 *
 * 1. write N events (default 200k; --quick 20k) across realistic streams: tickets (reserved →
 *    purchased → sometimes refunded, or released) and gift certificates (issued → redeemed…),
 *    which the projection ignores;
 * 2. rebuild: a ticket-sales read model (one row per ticket + sales per performance, one
 *    statement per event, as the project's projectors are written) run by the project's
 *    ProjectionRunner from position 0 until it has passed the head — events/s;
 * 3. lag: with that runner live, append at a steady R events/s (default 1,000) for S seconds
 *    (default 30; --quick 3); a separate reader polls the read model every 5 ms and records
 *    when each appended event's row shows it. Lag = row visible − append acknowledged; p50/p99,
 *    with how busy the projector was (the tail grows as it nears its capacity).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { migrate } from '../adapters/database/migrations.js';
import type { EventToAppend } from '../adapters/eventstore/event-store.js';
import { eventLogMigrations } from '../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../adapters/eventstore/postgres/postgres-event-store.js';
import { checkpointMigrations } from '../projections/checkpoint-migrations.js';
import { waitForProjection } from '../projections/checkpoints.js';
import * as t from 'io-ts';
import { eventCodec } from '../domain/event-codec.js';
import type { Projection } from '../projections/projection.js';
import { ProjectionRunner } from '../projections/projection-runner.js';
import { numberOption, type Bench } from './lib/bench.js';
import type { FreshDatabase } from './lib/target.js';
import { atSteadyRate, lagFields, percentile, round, type LagMeasure } from './lib/workload.js';
import { rebuildTicketing, ticketingLag } from './ticketing-rebuild.js';

const PROJECTION = 'bench-ticket-sales';
const TICKET_TYPES = ['TicketReserved', 'TicketPurchased', 'TicketRefunded', 'TicketReleased'];
const WRITERS = 16;
const POLL_MS = 5;

export const bench: Bench = {
  name: 'projections',
  description: 'read-model rebuild from position 0 (events/s) and append-to-visible lag under a steady append rate',
  async run(ctx) {
    const total = Math.round(numberOption(ctx, 'events', ctx.quick ? 20_000 : 200_000));
    const lagSeconds = numberOption(ctx, 'lag-seconds', ctx.quick ? 3 : 30);
    const rate = numberOption(ctx, 'rate', 1000);
    const db = ctx.target.kind;
    const cases = new Set((ctx.options.get('cases') ?? 'rebuild,lag,rebuild-ticketing,replay-ticketing,lag-ticketing').split(','));
    if (cases.has('rebuild') || cases.has('lag')) await (async () => {
      const database = await ctx.target.openSchema(WRITERS);
      const stats: ApplyStats = { busyMs: 0, batches: 0, events: 0, maxBatch: 0 };
      const projection = ticketSalesProjection(stats);
      await migrate(database, eventLogMigrations, checkpointMigrations, projection.migrations ?? {});
      const store = new PostgresEventStore(database);
      ctx.note(
        `the projection runner is projections/projection-runner.ts (batch 500, default options); the projector writes one statement per event; lag is measured by a reader polling the read model every ${POLL_MS} ms (so lag includes up to ${POLL_MS} ms of polling); projectorBusyPct = share of the lag window the runner spent inside the projector's apply, maxBatchEvents = its largest batch (500 = it had a backlog)`,
      );
      if (db === 'pglite') ctx.note('PGlite: appends, the runner and the lag reader share its one connection.');
      try {
        // 1. The log.
        ctx.log(`projections: writing ${total} events`);
        const written = await writeHistory(store, total);
        ctx.record({
          bench: 'projections',
          case: 'write',
          impl: 'ours',
          db,
          events: written.events,
          streams: written.streams,
          eventsPerSec: round(written.events / written.seconds),
        });

        // 2. Rebuild from position 0.
        const head = await store.headPosition();
        const handled = Number(
          (
            await sql<{ n: string }>`select count(*)::text as n from events where event_type = any(${TICKET_TYPES}::text[])`.execute(
              database.db,
            )
          ).rows[0]!.n,
        );
        ctx.log(`projections: rebuilding ${PROJECTION} over ${written.events} events (${handled} handled)`);
        const runner = new ProjectionRunner(database, store, [projection], {
          onError: (_name, error) => ctx.log(`projection error: ${error instanceof Error ? error.message : String(error)}`),
        });
        const rebuildStart = performance.now();
        runner.start();
        try {
          const reached = await waitForProjection(database, PROJECTION, head, 600_000, 20);
          if (!reached) throw new Error('the rebuild did not reach the head within 10 minutes');
          const rebuildSeconds = (performance.now() - rebuildStart) / 1000;
          const rows = Number(
            (await sql<{ n: string }>`select count(*)::text as n from rm_bench_tickets`.execute(database.db)).rows[0]!.n,
          );
          ctx.record({
            bench: 'projections',
            case: 'rebuild',
            impl: 'ours',
            db,
            events: written.events,
            handledEvents: handled,
            readModelRows: rows,
            seconds: round(rebuildSeconds, 2),
            eventsPerSec: round(written.events / rebuildSeconds),
            handledEventsPerSec: round(handled / rebuildSeconds),
          });

          // 3. Lag under a steady append rate.
          ctx.log(`projections: lag at ${rate} events/s for ${lagSeconds} s`);
          Object.assign(stats, { busyMs: 0, batches: 0, events: 0, maxBatch: 0 });
          const lag = await measureLag(database, store, rate, lagSeconds);
          ctx.record({
            bench: 'projections',
            case: 'lag',
            impl: 'ours',
            db,
            ...lagFields(lag, rate, lagSeconds),
            // How near the runner is to its capacity: the share of the window spent inside the
            // projector's apply (reads, checkpoints and commits come on top), and its batches.
            projectorBusyPct: round((100 * stats.busyMs) / (lag.seconds * 1000), 1),
            batches: stats.batches,
            maxBatchEvents: stats.maxBatch,
          });
        } finally {
          await runner.stop();
        }
      } finally {
        await store.close();
        await database.dispose();
      }

    })();

    // 4. The product's own ticketing projectors (set-based), rebuilt over a log of sales.
    if (cases.has('lag-ticketing')) {
      const warmupSeconds = numberOption(ctx, 'lag-warmup', ctx.quick ? 1 : 2);
      const lag = await ticketingLag(ctx.target, rate, lagSeconds, warmupSeconds, ctx.log);
      ctx.record({
        bench: 'projections',
        case: 'lag-ticketing',
        impl: 'ours',
        db,
        ...lagFields(lag, rate, lagSeconds),
        warmupSeconds,
        warmupLagMaxMs: round(lag.warmupMax, 1),
      });
      ctx.note('lag-ticketing = the product’s catalog and tickets projectors live while one-ticket sales are appended at --rate per second over 20 ticket types; lag = the ticket’s rm_tickets row visible − its sale’s append acknowledged (a reader polls every 5 ms). The first --lag-warmup seconds (default 2) run at the same rate but are not measured: they are a cold process’s start (connections opening, first plans, V8 compiling the hot paths); warmupLagMaxMs is their worst lag');
    }
    const batchSize = Math.round(numberOption(ctx, 'batch', 500));
    const ticketingEvents = Math.round(numberOption(ctx, 'ticketing-events', ctx.quick ? 10_000 : total));
    const ids = ctx.options.get('ticket-ids') ?? 'time-ordered';
    if (ids !== 'time-ordered' && ids !== 'random') throw new Error(`--ticket-ids is time-ordered (as the product mints them) or random (UUIDv4, as before), not ${ids}`);
    for (const how of ['runner', 'replay'] as const) {
      const name = how === 'runner' ? 'rebuild-ticketing' : 'replay-ticketing';
      if (!cases.has(name)) continue;
      // the runner's default page is 500, the replay's 2,000 (projections/replay.ts); --batch sets both
      const batch = ctx.options.has('batch') || how === 'runner' ? batchSize : undefined;
      const ticketing = await rebuildTicketing(ctx.target, ticketingEvents, ctx.log, batch, how, ids);
      ctx.record({
        bench: 'projections',
        case: name,
        impl: 'ours',
        db,
        ids,
        events: ticketing.events,
        sales: ticketing.sales,
        tickets: ticketing.tickets,
        batchSize: batch ?? 2000,
        seconds: round(ticketing.rebuildSeconds, 2),
        eventsPerSec: round(ticketing.events / ticketing.rebuildSeconds),
        ...Object.fromEntries(ticketing.perProjection.map((p) => [`${p.name}EventsPerSec`, round(p.events / p.seconds)])),
      });
    }
    if (cases.has('rebuild-ticketing'))
      ctx.note('rebuild-ticketing = the product’s catalog and tickets projectors (a batch is a few multi-row statements, issue 16) rebuilt together by the ProjectionRunner from position 0 over TicketsSold (tickets born with the sale) / TicketCheckedIn as purchases write them; rebuild = the one-statement-per-event bench projector above');
    if (cases.has('replay-ticketing'))
      ctx.note('replay-ticketing = the same log rebuilt the way an operator does (`npm run replay`, projections/replay.ts): each projector on its own into a shadow schema, swapped in at the end; events/s over the whole log for both, and per projection');
  },
};

/** Time the runner spends inside the projector's apply (one transaction per batch). */
interface ApplyStats {
  busyMs: number;
  batches: number;
  events: number;
  maxBatch: number;
}

/** Ticket sales: a row per ticket and sales per performance. Ignores gift certificates. */
function ticketSalesProjection(stats: ApplyStats): Projection<BenchTicketEvent> {
  return {
    name: PROJECTION,
    events: BenchTicketEvents,
    migrations: {
      'bench-ticket-sales-0001-tables': {
        async up(db) {
          await sql`create sequence rm_bench_tickets_version`.execute(db);
          await sql`
            create table rm_bench_tickets (
              ticket_id uuid primary key,
              performance_id text not null,
              status text not null,
              price_cents integer not null,
              buyer_id uuid,
              last_event_id uuid not null,
              row_version bigint not null,
              updated_at timestamptz not null
            )`.execute(db);
          await sql`create index rm_bench_tickets_row_version on rm_bench_tickets (row_version)`.execute(db);
          await sql`
            create table rm_bench_performance_sales (
              performance_id text primary key,
              sold integer not null,
              refunded integer not null,
              revenue_cents bigint not null
            )`.execute(db);
        },
      },
    },
    async apply(trx, events) {
      const started = performance.now();
      await applyTicketSales(trx, events);
      stats.busyMs += performance.now() - started;
      stats.batches++;
      stats.events += events.length;
      stats.maxBatch = Math.max(stats.maxBatch, events.length);
    },
  };
}

/** One statement (two for a sale or refund) per event, as the project's projectors are written. */
async function applyTicketSales(trx: Parameters<Projection<BenchTicketEvent>['apply']>[0], events: Parameters<Projection<BenchTicketEvent>['apply']>[1]): Promise<void> {
  for (const event of events) {
    const data = event.data;
    const ticket = event.streamName.slice('Ticket-'.length);
    switch (event.type) {
      case 'TicketReserved':
        await sql`
          insert into rm_bench_tickets (ticket_id, performance_id, status, price_cents, buyer_id, last_event_id, row_version, updated_at)
          values (${ticket}::uuid, ${data.performanceId}, 'reserved', ${data.priceCents}, ${data.buyerId}::uuid,
                  ${event.eventId}::uuid, nextval('rm_bench_tickets_version'), ${event.createdAt.toISOString()}::timestamptz)
          on conflict (ticket_id) do nothing`.execute(trx);
        break;
      case 'TicketPurchased':
      case 'TicketRefunded': {
        const purchased = event.type === 'TicketPurchased';
        const { rows } = await sql<{ performance_id: string; price_cents: number }>`
          update rm_bench_tickets
          set status = ${purchased ? 'purchased' : 'refunded'}, last_event_id = ${event.eventId}::uuid,
              row_version = nextval('rm_bench_tickets_version'), updated_at = ${event.createdAt.toISOString()}::timestamptz
          where ticket_id = ${ticket}::uuid
          returning performance_id, price_cents`.execute(trx);
        const row = rows[0];
        if (!row) break;
        await sql`
          insert into rm_bench_performance_sales (performance_id, sold, refunded, revenue_cents)
          values (${row.performance_id}, ${purchased ? 1 : -1}, ${purchased ? 0 : 1}, ${purchased ? row.price_cents : -row.price_cents})
          on conflict (performance_id) do update set
            sold = rm_bench_performance_sales.sold + excluded.sold,
            refunded = rm_bench_performance_sales.refunded + excluded.refunded,
            revenue_cents = rm_bench_performance_sales.revenue_cents + excluded.revenue_cents`.execute(trx);
        break;
      }
      case 'TicketReleased':
        await sql`
          update rm_bench_tickets
          set status = 'released', last_event_id = ${event.eventId}::uuid,
              row_version = nextval('rm_bench_tickets_version'), updated_at = ${event.createdAt.toISOString()}::timestamptz
          where ticket_id = ${ticket}::uuid`.execute(trx);
        break;
    }
  }
}

const TicketData = t.type({ ticketId: t.string, performanceId: t.string, priceCents: t.number, buyerId: t.string });
const BenchTicketEvents = t.union([
  eventCodec('TicketReserved', TicketData),
  eventCodec('TicketPurchased', TicketData),
  eventCodec('TicketRefunded', TicketData),
  eventCodec('TicketReleased', TicketData),
]);
type BenchTicketEvent = t.TypeOf<typeof BenchTicketEvents>;

function event(type: string, data: Record<string, unknown>): EventToAppend {
  const eventId = randomUUID();
  return {
    eventId,
    type,
    data,
    metadata: { correlationId: eventId, causationId: eventId, actor: 'bench', schemaVersion: 1, occurredAt: new Date().toISOString() },
  };
}

function ticketData(ticketId: string, n: number): Record<string, unknown> {
  return {
    ticketId,
    performanceId: `perf-${(n % 250).toString().padStart(4, '0')}`,
    venue: 'Grand Hall, 12 Riverside Walk',
    seat: { section: 'Stalls', row: String.fromCharCode(65 + (n % 20)), number: (n % 40) + 1 },
    priceCents: 2500 + (n % 17) * 250,
    currency: 'EUR',
    buyerId: randomUUID(),
    channel: n % 3 === 0 ? 'box-office' : 'web',
  };
}

/** One stream's whole history, appended in one go (as a command would, with `no_stream`). */
function streamHistory(n: number): { name: string; events: EventToAppend[] } {
  if (n % 4 === 3) {
    const id = randomUUID();
    const base = { certificateId: id, currency: 'EUR', purchaserId: randomUUID(), message: 'Happy birthday — enjoy the show!' };
    const events = [event('GiftCertificateIssued', { ...base, amountCents: 10_000 })];
    for (let i = 0; i < n % 5; i++) events.push(event('GiftCertificateRedeemed', { ...base, amountCents: 1_500, orderId: randomUUID() }));
    return { name: `GiftCertificate-${id}`, events };
  }
  const id = randomUUID();
  const data = ticketData(id, n);
  const events = [event('TicketReserved', data)];
  if (n % 10 < 7) {
    events.push(event('TicketPurchased', { ...data, paymentId: randomUUID() }));
    if (n % 10 === 0) events.push(event('TicketRefunded', { ...data, reason: 'performance moved' }));
  } else {
    events.push(event('TicketReleased', { ...data, reason: 'reservation expired' }));
  }
  return { name: `Ticket-${id}`, events };
}

async function writeHistory(store: PostgresEventStore, total: number): Promise<{ events: number; streams: number; seconds: number }> {
  let events = 0;
  let streams = 0;
  let n = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (events < total) {
        const history = streamHistory(n++);
        const take = history.events.slice(0, total - events);
        events += take.length;
        streams++;
        await store.append(history.name, take, 'no_stream');
      }
    }),
  );
  return { events, streams, seconds: (performance.now() - started) / 1000 };
}

interface LagResult extends LagMeasure {
  /** From the first append until the last event was seen (or given up on), s. */
  readonly seconds: number;
}

/**
 * Open-loop appends at `rate` events/s (single-event appends; 60 % reserve a new ticket, 40 %
 * purchase or release a ticket reserved at least a second earlier) while a reader polls the
 * read model for rows changed since its last look and notes when each event became visible.
 */
async function measureLag(
  database: FreshDatabase,
  store: PostgresEventStore,
  rate: number,
  seconds: number,
): Promise<LagResult> {
  const acked = new Map<string, number>(); // event id → when its append returned
  const seen = new Map<string, number>(); // event id → when its row first showed it (or a later event)
  const eventsOfTicket = new Map<string, string[]>();
  const ticketOfEvent = new Map<string, string>();
  const reserved: { ticket: string; n: number; at: number }[] = [];
  const appendLatencies: number[] = [];
  let stop = false;
  let giveUpAt = Number.POSITIVE_INFINITY;
  let lastVersion = 0n;

  const reader = (async () => {
    const start = (await sql<{ v: string }>`select coalesce(max(row_version), 0)::text as v from rm_bench_tickets`.execute(database.db)).rows[0]!.v;
    lastVersion = BigInt(start);
    for (;;) {
      const { rows } = await sql<{ last_event_id: string; row_version: string }>`
        select last_event_id::text, row_version::text from rm_bench_tickets
        where row_version > ${lastVersion.toString()}::bigint order by row_version`.execute(database.db);
      const now = performance.now();
      for (const row of rows) {
        lastVersion = BigInt(row.row_version);
        const ticket = ticketOfEvent.get(row.last_event_id);
        if (!ticket) continue;
        // This event and every earlier one of its ticket are visible now (the runner applies in order).
        for (const id of eventsOfTicket.get(ticket) ?? []) {
          if (!seen.has(id)) seen.set(id, now);
          if (id === row.last_event_id) break;
        }
      }
      if (stop && (performance.now() > giveUpAt || [...acked.keys()].every((id) => seen.has(id)))) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();

  const started = performance.now();
  let n = 1_000_000;
  await atSteadyRate(rate, seconds, (issued) => {
    const now = performance.now();
    let stream: string;
    let e: EventToAppend;
    let expected: 'no_stream' | bigint;
    const ready = reserved.length > 0 && now - reserved[0]!.at > 1000 && issued % 5 < 2;
    if (ready) {
      const { ticket, n: k } = reserved.shift()!;
      const data = ticketData(ticket, k);
      e = k % 10 < 7 ? event('TicketPurchased', { ...data, paymentId: randomUUID() }) : event('TicketReleased', { ...data, reason: 'reservation expired' });
      stream = `Ticket-${ticket}`;
      expected = 0n;
    } else {
      const ticket = randomUUID();
      const k = n++;
      e = event('TicketReserved', ticketData(ticket, k));
      stream = `Ticket-${ticket}`;
      expected = 'no_stream';
      reserved.push({ ticket, n: k, at: Number.POSITIVE_INFINITY });
    }
    const ticket = stream.slice('Ticket-'.length);
    ticketOfEvent.set(e.eventId, ticket);
    eventsOfTicket.set(ticket, [...(eventsOfTicket.get(ticket) ?? []), e.eventId]);
    const begun = performance.now();
    return store.append(stream, [e], expected).then(() => {
      const done = performance.now();
      acked.set(e.eventId, done);
      appendLatencies.push(done - begun);
      const entry = expected === 'no_stream' ? reserved.find((r) => r.ticket === ticket) : undefined;
      if (entry) entry.at = done;
    });
  });
  giveUpAt = performance.now() + 10_000; // events not visible 10 s after the last append count as not seen
  stop = true;
  await reader;
  const finished = performance.now();

  const lags: number[] = [];
  for (const [id, at] of acked) {
    const visible = seen.get(id);
    if (visible !== undefined) lags.push(Math.max(0, visible - at));
  }
  lags.sort((a, b) => a - b);
  appendLatencies.sort((a, b) => a - b);
  return {
    appended: acked.size,
    samples: lags.length,
    notSeen: acked.size - lags.length,
    p50: percentile(lags, 0.5),
    p99: percentile(lags, 0.99),
    max: lags[lags.length - 1] ?? NaN,
    appendP99: percentile(appendLatencies, 0.99),
    seconds: (finished - started) / 1000,
  };
}
