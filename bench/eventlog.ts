/**
 * `npm run bench -- eventlog [--quick]`: append throughput of our PostgreSQL event log against
 * the same rows inserted with plain `pg` (the limit an append path can approach) and against
 * Emmett 0.42 on the same server, in one run so the ratios hold on a noisy machine.
 *
 * Cases (each implementation on a fresh schema, or for Emmett a fresh scratch database):
 *   append-1    one event per append, each writer on its own streams (1, 4, 16 writers)
 *   append-10   ten events per append, same stream pattern
 *   append-hot  16 writers appending single events to the same 10 streams with expected
 *               revisions: a conflict is retried at the revision the conflict reported
 *
 * Implementations: ours (PostgresEventStore as the app builds it, with group commit), raw (the
 * same rows with plain unnamed `pg` INSERTs), Emmett (PostgreSQL only); full runs add
 * ours-no-group (one statement per append, the path before group commit) and raw-prepared (the
 * INSERTs as named prepared statements: the tighter limit, since ours prepares its statements too).
 * Each case runs 5 rounds (quick: 1) of 0.5 s warm-up + 2 s measured, the implementations'
 * order rotated each round, and reports the median: on a shared machine more, shorter rounds
 * give steadier medians than fewer long ones.
 * Options: --cases=append-1,… --writers=1,16 --impls=ours,raw,… --warmup-ms --measure-ms --rounds
 *          --groups-in-flight=N (ours: groups written at the same time, default the store's: 1)
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../adapters/database/migrations.js';
import { WrongExpectedVersion, type EventToAppend } from '../adapters/eventstore/event-store.js';
import { eventLogMigrations } from '../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore, type PostgresEventStoreOptions } from '../adapters/eventstore/postgres/postgres-event-store.js';
import { numberOption, type Bench } from './lib/bench.js';
import type { BenchTarget, FreshDatabase, ScratchDatabase } from './lib/target.js';
import { median, round, ticketEvents, timedConcurrent, type TimedRun, type WorkDone } from './lib/workload.js';

/**
 * `ours-no-group` is ours without group commit (one statement per append, the path before
 * issue 16: full runs include it, so "no slower with one writer" is checked in the same run),
 * `ours-no-notify` ours without the cross-process NOTIFY that follows appends, and
 * `raw-prepared` the raw INSERTs as named prepared statements. The others are investigation
 * only, chosen with e.g. `--impls=ours,ours-no-notify,raw,raw-prepared`.
 */
type Impl = 'ours' | 'raw' | 'emmett' | 'ours-no-group' | 'ours-no-notify' | 'raw-prepared';
const IMPLS: readonly Impl[] = ['ours', 'raw', 'emmett', 'ours-no-group', 'ours-no-notify', 'raw-prepared'];
/** Implementations that need no PostgreSQL server. */
const OURS: readonly Impl[] = ['ours', 'ours-no-group', 'ours-no-notify'];

/** Events a writer appends to one stream before it starts a new one (a typical aggregate). */
const STREAM_LENGTH = 20;
const HOT_STREAMS = 10;
const HOT_WRITERS = 16;
const MAX_TRIES = 100;

/** A concurrent writer's view of the stream it appends to was stale. */
class Conflict extends Error {
  constructor(readonly actual: bigint) {
    super(`conflict, actual revision ${actual}`);
  }
}

/** One append path under test. Revisions are ours: 0-based, -1n for "no stream". */
interface Appender {
  append(stream: string, events: readonly EventToAppend[], expected: bigint): Promise<void>;
  close(): Promise<void>;
}

interface Scenario {
  readonly name: 'append-1' | 'append-10' | 'append-hot';
  readonly writers: number;
  readonly batch: number;
  readonly hot: boolean;
}

interface Settings {
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly rounds: number;
  /** Groups a store writes at the same time (PostgresEventStore's groupsInFlight). */
  readonly groupsInFlight: number | undefined;
}

export const bench: Bench = {
  name: 'eventlog',
  description: 'append throughput: ours vs plain pg INSERTs vs Emmett, same database, same run',
  async run(ctx) {
    const target = ctx.target;
    const defaults: Omit<Settings, 'groupsInFlight'> = ctx.quick
      ? { warmupMs: 100, measureMs: 400, rounds: 1 }
      : { warmupMs: 500, measureMs: 2000, rounds: 5 };
    const settings: Settings = {
      warmupMs: numberOption(ctx, 'warmup-ms', defaults.warmupMs),
      measureMs: numberOption(ctx, 'measure-ms', defaults.measureMs),
      rounds: numberOption(ctx, 'rounds', defaults.rounds),
      groupsInFlight: ctx.options.has('groups-in-flight') ? numberOption(ctx, 'groups-in-flight', 1) : undefined,
    };
    const writerCounts = ctx.options.has('writers')
      ? ctx.options.get('writers')!.split(',').map(Number)
      : ctx.quick
        ? [1, 16]
        : [1, 4, 16];
    const scenarios: Scenario[] = [
      ...writerCounts.map((writers) => ({ name: 'append-1' as const, writers, batch: 1, hot: false })),
      ...writerCounts.map((writers) => ({ name: 'append-10' as const, writers, batch: 10, hot: false })),
      { name: 'append-hot', writers: HOT_WRITERS, batch: 1, hot: true },
    ];
    const impls: Impl[] =
      target.kind === 'pg' ? ['ours', 'raw', 'emmett', ...(ctx.quick ? [] : (['ours-no-group', 'raw-prepared'] as const))] : ['ours'];
    const chosen = ctx.options.get('impls');
    if (chosen) {
      const names = chosen.split(',') as Impl[];
      const bad = names.filter((n) => !IMPLS.includes(n) || (target.kind === 'pglite' && !OURS.includes(n)));
      if (bad.length) throw new Error(`--impls: ${bad.join(', ')} not available here (choose from ${IMPLS.join(', ')})`);
      impls.splice(0, impls.length, ...names);
    }
    const only = ctx.options.get('cases')?.split(',');
    if (target.kind === 'pglite') {
      ctx.note(
        'PGlite: only ours is measured. Raw and Emmett need a PostgreSQL server (set DATABASE_URL); PGlite has one connection, so writers queue for it, and it runs in this process, so clientCpuUsPerEvent includes the database.',
      );
    }
    ctx.note(
      'append-hot: a refused append is retried at the revision the refusal reported, so conflictsPerAppend is also retries per append; retriedAppendsPct = appends that needed at least one retry',
    );
    ctx.note(
      `each case: ${settings.warmupMs} ms warm-up (excluded) + ${settings.measureMs} ms measured, ${settings.rounds} round(s) interleaved across implementations, median reported; ~300-byte JSON data; pool size = writers`,
    );

    for (const scenario of scenarios) {
      if (only && !only.includes(scenario.name)) continue;
      const runs = new Map<Impl, TimedRun[]>(impls.map((i) => [i, []]));
      for (let round = 0; round < settings.rounds; round++) {
        // Rotate the order so no implementation always runs first (warmer / cooler machine).
        const order = impls.map((_, i) => impls[(i + round) % impls.length]!);
        for (const impl of order) {
          ctx.log(`eventlog ${scenario.name} writers=${scenario.writers} ${impl} round ${round + 1}/${settings.rounds}`);
          runs.get(impl)!.push(await measure(target, impl, scenario, settings));
        }
      }
      const rate = (impl: Impl) => median(runs.get(impl)!.map((r) => r.eventsPerSec));
      for (const impl of impls) {
        const rs = runs.get(impl)!;
        const eventsPerSec = rate(impl);
        ctx.record({
          bench: 'eventlog',
          case: scenario.name,
          writers: scenario.writers,
          eventsPerAppend: scenario.batch,
          impl,
          db: target.kind,
          eventsPerSec: round(eventsPerSec),
          vsRaw: impls.includes('raw') ? round(eventsPerSec / rate('raw'), 2) : null,
          vsEmmett: impls.includes('emmett') ? round(eventsPerSec / rate('emmett'), 2) : null,
          ...(impls.includes('raw-prepared') ? { vsRawPrepared: round(eventsPerSec / rate('raw-prepared'), 2) } : {}),
          ...(impls.includes('ours-no-group') ? { vsNoGroup: round(eventsPerSec / rate('ours-no-group'), 2) } : {}),
          appendP50Ms: round(median(rs.map((r) => r.p50Ms)), 2),
          appendP99Ms: round(median(rs.map((r) => r.p99Ms)), 2),
          clientCpuUsPerEvent: round(median(rs.map((r) => r.clientCpuUsPerEvent)), 1),
          ...(scenario.hot
            ? {
                // Every conflict is retried at the revision it reported, so conflicts = retries.
                conflictsPerAppend: round(median(rs.map((r) => r.conflicts / r.operations)), 2),
                retriedAppendsPct: round(median(rs.map((r) => (100 * r.operationsWithConflicts) / r.operations)), 1),
                conflicts: round(median(rs.map((r) => r.conflicts))),
                appends: round(median(rs.map((r) => r.operations))),
              }
            : {}),
          minEventsPerSec: round(Math.min(...rs.map((r) => r.eventsPerSec))),
          maxEventsPerSec: round(Math.max(...rs.map((r) => r.eventsPerSec))),
          rounds: rs.length,
        });
      }
    }
  },
};

/** One implementation, one scenario, one round, on fresh tables. */
async function measure(target: BenchTarget, impl: Impl, scenario: Scenario, settings: Settings): Promise<TimedRun> {
  const appender = await openAppender(target, impl, scenario.writers, settings.groupsInFlight);
  try {
    const work = scenario.hot ? hotWriter(appender) : ownStreamsWriter(appender, scenario.batch);
    return await timedConcurrent(scenario.writers, settings.warmupMs, settings.measureMs, work);
  } finally {
    await appender.close();
  }
}

/** Each writer appends `batch` events at a time to a stream of its own, then starts a new one. */
function ownStreamsWriter(appender: Appender, batch: number): (writer: number) => Promise<number> {
  const streams = new Map<number, { name: string; revision: bigint }>();
  return async (writer) => {
    let stream = streams.get(writer);
    if (!stream || stream.revision + 1n >= BigInt(STREAM_LENGTH)) {
      stream = { name: `Ticket-${randomUUID()}`, revision: -1n };
      streams.set(writer, stream);
    }
    await appender.append(stream.name, ticketEvents(batch), stream.revision);
    stream.revision += BigInt(batch);
    return batch;
  };
}

/**
 * Writers share 10 streams; each knows only the revisions it has seen (its own appends and
 * the conflicts it met), like command handlers with a cached aggregate.
 */
function hotWriter(appender: Appender): (writer: number) => Promise<WorkDone> {
  const prefix = randomUUID().slice(0, 8);
  const streams = Array.from({ length: HOT_STREAMS }, (_, i) => `Ticket-hot-${prefix}-${i}`);
  const known = new Map<number, bigint[]>();
  return async (writer) => {
    const revisions = known.get(writer) ?? streams.map(() => -1n);
    known.set(writer, revisions);
    const s = Math.floor(Math.random() * HOT_STREAMS);
    const events = ticketEvents(1);
    for (let tries = 1; ; tries++) {
      try {
        await appender.append(streams[s]!, events, revisions[s]!);
        revisions[s] = revisions[s]! + 1n;
        return { events: 1, conflicts: tries - 1 };
      } catch (error) {
        if (!(error instanceof Conflict) || tries >= MAX_TRIES) throw error;
        revisions[s] = error.actual;
      }
    }
  };
}

async function openAppender(target: BenchTarget, impl: Impl, poolSize: number, groupsInFlight?: number): Promise<Appender> {
  switch (impl) {
    case 'ours':
      return oursAppender(await freshEventLog(target, poolSize), { groupsInFlight });
    case 'ours-no-group':
      return oursAppender(await freshEventLog(target, poolSize), { groupCommit: false });
    case 'ours-no-notify':
      return oursAppender(await freshEventLog(target, poolSize), { groupsInFlight }, false);
    case 'raw':
      return rawAppender(target, await freshEventLog(target, poolSize), poolSize, false);
    case 'raw-prepared':
      return rawAppender(target, await freshEventLog(target, poolSize), poolSize, true);
    case 'emmett':
      return emmettAppender(await target.createScratchDatabase('bench_emmett'), poolSize);
  }
}

async function freshEventLog(target: BenchTarget, poolSize: number): Promise<FreshDatabase> {
  const database = await target.openSchema(poolSize);
  await migrate(database, eventLogMigrations);
  return database;
}

function oursAppender(database: FreshDatabase, options: PostgresEventStoreOptions, notify = true): Appender {
  const store = new PostgresEventStore(notify ? database : { ...database, signals: undefined }, undefined, options);
  return {
    async append(stream, events, expected) {
      try {
        await store.append(stream, events, expected < 0n ? 'no_stream' : expected);
      } catch (error) {
        if (error instanceof WrongExpectedVersion) throw new Conflict(error.actual);
        throw error;
      }
    },
    async close() {
      await store.close();
      await database.dispose();
    },
  };
}

/**
 * The same rows into the same table (same columns, constraints and indexes) with one plain
 * parameterized INSERT per append, stream positions computed by the client: no lookup, no
 * expectation check. A conflict (unique violation) costs one more round trip to learn the
 * current revision. `raw` sends unnamed statements (parsed and planned on every call, as a
 * plain `pool.query` does); `raw-prepared` names them, so each connection plans them once.
 */
function rawAppender(target: BenchTarget, database: FreshDatabase, poolSize: number, prepared: boolean): Appender {
  const pool = new pg.Pool({ connectionString: target.url, max: poolSize, options: `-c search_path=${database.schema}` });
  pool.on('error', () => {});
  const statements = new Map<number, string>();
  const insertText = (n: number) => {
    let text = statements.get(n);
    if (!text) {
      const rows = Array.from({ length: n }, (_, i) => {
        const p = i * 6;
        return `($${p + 1}, $${p + 2}::bigint, $${p + 3}::uuid, $${p + 4}, $${p + 5}::jsonb, $${p + 6}::jsonb)`;
      });
      text = `insert into events (stream_name, stream_position, event_id, event_type, data, metadata) values ${rows.join(', ')} returning global_position, transaction_id::text`;
      statements.set(n, text);
    }
    return text;
  };
  return {
    async append(stream, events, expected) {
      const values: unknown[] = [];
      events.forEach((e, i) => {
        values.push(stream, (expected + 1n + BigInt(i)).toString(), e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata));
      });
      // pool.connect + release, not pool.query: pool.query closes the connection after any
      // error, so every conflict would cost a reconnect (kysely and Emmett keep theirs).
      const client = await pool.connect();
      try {
        const text = insertText(events.length);
        await client.query(prepared ? { name: `raw_insert_${events.length}`, text, values } : { text, values });
      } catch (error) {
        if ((error as { code?: string }).code !== '23505') throw error;
        const { rows } = await client.query<{ r: string }>(
          'select coalesce(max(stream_position), -1)::text as r from events where stream_name = $1',
          [stream],
        );
        throw new Conflict(BigInt(rows[0]!.r));
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
      await database.dispose();
    },
  };
}

/**
 * Emmett 0.42 in a scratch database of its own (its tables are unqualified and it migrates
 * them itself), through a `pg` pool of the same size. Emmett versions are 1-based counts:
 * our revision n is its version n + 1, "no stream" is 0. Its conflict error does not carry
 * the current version, so a conflict costs one query on its streams table.
 */
async function emmettAppender(scratch: ScratchDatabase, poolSize: number): Promise<Appender> {
  const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
  const { isExpectedVersionConflictError } = await import('@event-driven-io/emmett');
  const pool = new pg.Pool({ connectionString: scratch.url, max: poolSize });
  pool.on('error', () => {});
  const store = getPostgreSQLEventStore(scratch.url, { connectionOptions: { pool } });
  await store.schema.migrate();
  return {
    async append(stream, events, expected) {
      try {
        await store.appendToStream(
          stream,
          events.map((e) => ({ type: e.type, data: e.data as Record<string, unknown>, metadata: { ...e.metadata, messageId: e.eventId } })),
          { expectedStreamVersion: expected + 1n },
        );
      } catch (error) {
        if (!isExpectedVersionConflictError(error)) throw error;
        const { rows } = await pool.query<{ v: string }>(
          'select coalesce(max(stream_position), 0)::text as v from emt_streams where stream_id = $1',
          [stream],
        );
        throw new Conflict(BigInt(rows[0]!.v) - 1n);
      }
    },
    async close() {
      await store.close();
      await pool.end();
      await scratch.drop();
    },
  };
}
