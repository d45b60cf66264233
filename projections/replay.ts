import { randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../adapters/database/database.js';
import { comparePositions, formatPosition, START, type EventStore, type Position } from '../adapters/eventstore/event-store.js';
import { BI_READER_ROLE } from './bi-migrations.js';
import { announceCheckpoint } from './checkpoints.js';
import { eventTypesOfProjection, projectedEvents, type AnyProjection } from './projection.js';

export type ReplayMode = 'rebuild' | 'verify';

const REPLAY_BATCH = 2000;

export interface ReplayProgress {
  readonly projection: string;
  readonly phase: 'building' | 'comparing' | 'indexing' | 'swapping' | 'done';
  readonly events: number;
  readonly position: string;
  readonly head: string;
  /**
   * The events of the projection's types the replay reads: counted up to the current head when
   * the log can count them (`countEvents`), else estimated from positions (`estimated`), null
   * while nothing can be said yet. A rebuild also reads what is appended while it runs, so the
   * total grows with the head; when done it is the number read.
   */
  readonly totalEvents: number | null;
  readonly estimated: boolean;
  /** Events applied per second of building so far. */
  readonly eventsPerSecond: number;
  /** Seconds left at that rate to reach the total; null when unknown. */
  readonly etaSeconds: number | null;
}

/**
 * How many events of these types the log holds after `after` up to and including `upTo` (a
 * readable position): what a replay will read. The PostgreSQL log can say it with a count
 * (adapters/app/replay-module.ts); without a counter the replay estimates.
 */
export type CountEvents = (eventTypes: readonly string[], after: Position, upTo: Position) => Promise<number>;

export interface TableComparison {
  readonly table: string;
  readonly liveRows: number;
  readonly rebuiltRows: number;
  /** Rows in the live table and not in the rebuilt one, and the other way round. */
  readonly onlyLive: number;
  readonly onlyRebuilt: number;
}

export interface ReplayReport {
  readonly projection: string;
  readonly mode: ReplayMode;
  readonly events: number;
  readonly seconds: number;
  /** The log position the rebuilt state stands at. */
  readonly position: string;
  /** Verify: every owned table compared with the live one at the same position. */
  readonly tables: readonly TableComparison[];
  readonly equal: boolean;
}

export interface ReplayOptions {
  readonly mode: ReplayMode;
  /** Events per batch (one shadow transaction each); 2,000 unless said: the shadow is nobody's live state, so a batch may be large (issue 16). */
  readonly batchSize?: number;
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Counts the events the replay will read; without it the total is estimated from positions. */
  readonly countEvents?: CountEvents;
}

/** A projection that owns tables can be replayed; sagas (shared state, effects) cannot. */
export const isReplayable = (projection: AnyProjection): boolean => projection.migrations !== undefined && !projection.name.startsWith('saga:');

/**
 * The replay tool (SPEC X-4). The projection is built again from position 0 into shadow schemas
 * (its tables, and its BI tables in a shadow BI schema), batch by batch in short transactions,
 * while the live projection and the API go on. Then, in one transaction that holds the live
 * checkpoint row (the live runner's batches take it `for update`, so they wait):
 * - rebuild: the shadow's tables replace the live ones (`alter table … set schema`) and the
 *   checkpoint becomes the shadow's position; the live runner sees the moved checkpoint and
 *   carries on from there (the shadow holds exactly the log up to that position, so whatever
 *   was appended meanwhile is applied by the live runner, once);
 * - verify: when the live checkpoint equals the shadow's position, every owned table is
 *   compared with the live one, row for row (identity columns aside); nothing live changes.
 * No log read happens inside that transaction (PGlite has one connection).
 * The shadow schemas are dropped at the end either way.
 */
export async function replayProjection(database: Database, store: EventStore, projection: AnyProjection, options: ReplayOptions): Promise<ReplayReport> {
  if (!isReplayable(projection)) throw new Error(`projection ${projection.name} owns no tables: nothing to replay`);
  const started = Date.now();
  const shadow = `${database.schema}_rp_${randomBytes(4).toString('hex')}`;
  const shadowBi = `${shadow}_bi`;
  const shadowProjection = projection.rebind ? projection.rebind(shadowBi) : projection;
  const shadowDatabase: Database = { ...database, schema: shadow, biSchema: shadowBi };
  const liveCheckpoint = sql.table(`${database.schema}.projection_checkpoints`);
  const inShadow = async (trx: Transaction<any>) => sql.raw(`set local search_path to ${quote(shadow)}, ${quote(database.schema)}, public`).execute(trx);
  const filter = { eventTypes: eventTypesOfProjection(projection) };
  const batchSize = options.batchSize ?? REPLAY_BATCH;
  let position: Position = START;
  let events = 0;
  let buildingSince: number | undefined;
  // Counted: the events of the projection's types up to `countedTo` (the head when last asked).
  const counted = { to: START, events: 0 };
  const progress = async (phase: ReplayProgress['phase']) => {
    if (!options.onProgress) return;
    const head = await store.headPosition();
    if (options.countEvents && comparePositions(head, counted.to) > 0) {
      counted.events += await options.countEvents(filter.eventTypes, counted.to, head);
      counted.to = head;
    }
    const total = phase === 'done' ? { events, estimated: false } : options.countEvents ? { events: Math.max(counted.events, events), estimated: false } : estimateTotal(events, position, head);
    const seconds = buildingSince === undefined ? 0 : (Date.now() - buildingSince) / 1000;
    const eventsPerSecond = seconds > 0 ? Math.round((events / seconds) * 10) / 10 : 0;
    options.onProgress({
      projection: projection.name,
      phase,
      events,
      position: formatPosition(position),
      head: formatPosition(head),
      totalEvents: total.events,
      estimated: total.estimated,
      eventsPerSecond,
      etaSeconds: phase === 'done' ? 0 : total.events !== null && eventsPerSecond > 0 ? Math.round(((total.events - events) / eventsPerSecond) * 10) / 10 : null,
    });
  };

  /**
   * Apply the log after `position` to the shadow, up to `until` when given, one transaction per
   * batch. The next page is read while a batch is applied. The shadow's transactions commit
   * without waiting for the WAL flush (`synchronous_commit off`): a crash loses at most the
   * last of them, and a crashed replay's shadow is dropped and built again anyway.
   */
  const applyUntil = async (until: Position | undefined) => {
    buildingSince ??= Date.now();
    // decoded as soon as it arrives, while the database applies the batch before it
    const read = (after: Position) => {
      const page = store.readAll(after, { limit: batchSize, filter }).then((read) => ({ checkpoint: read.checkpoint, events: projectedEvents(projection, read.events) }));
      page.catch(() => {}); // awaited below; a batch failing first must not leave it unhandled
      return page;
    };
    let nextPage = read(position);
    for (;;) {
      const page = await nextPage;
      const reachedEnd = until !== undefined && comparePositions(page.checkpoint, until) >= 0;
      const batch = until ? page.events.filter((event) => comparePositions(event.position, until) <= 0) : page.events;
      const next = reachedEnd ? until : page.checkpoint;
      const moved = comparePositions(next, position) > 0;
      const done = reachedEnd || !moved;
      if (!done) nextPage = read(next);
      if (batch.length > 0) {
        await database.db.transaction().execute(async (trx) => {
          await inShadow(trx);
          await sql`set local synchronous_commit to off`.execute(trx);
          await shadowProjection.apply(trx, batch, shadowDatabase);
        });
        events += batch.length;
      }
      if (moved) position = next;
      if (done) return;
      await progress('building');
    }
  };

  await sql`create schema ${sql.id(shadow)}`.execute(database.db);
  await sql`create schema ${sql.id(shadowBi)}`.execute(database.db);
  try {
    await database.db.transaction().execute(async (trx) => {
      await inShadow(trx);
      for (const [, migration] of Object.entries(shadowProjection.migrations ?? {}).sort(([a], [b]) => a.localeCompare(b))) await migration.up(trx);
    });
    const owned = await ownedTables(database, shadow, shadowBi);
    const deferred = await dropQueryIndexes(database, projection, [shadow, shadowBi]);
    await progress('building');
    let tables: TableComparison[] = [];
    if (options.mode === 'verify') {
      // Catch up to the live checkpoint, then compare while holding it; if the live projection
      // moved meanwhile, catch up again (it cannot outrun the shadow for long: both read the same log).
      for (let attempt = 0; ; attempt++) {
        await applyUntil(await readPosition(database, liveCheckpoint, projection.name));
        await progress('comparing');
        const compared = await database.db.transaction().execute(async (trx) => {
          const live = await readPosition(trx, liveCheckpoint, projection.name, true);
          if (comparePositions(live, position) !== 0) return null;
          return compare(trx, owned, { schema: database.schema, bi: database.biSchema });
        });
        if (compared) {
          tables = compared;
          break;
        }
        if (attempt >= 50) throw new Error(`projection ${projection.name} kept moving: could not compare at one position`);
      }
    } else {
      await applyUntil(undefined);
      await progress('indexing');
      for (const index of deferred) await sql.raw(index.definition).execute(database.db);
      await progress('swapping');
      // The shadow holds exactly the log up to `position`; the live checkpoint becomes that, so
      // the live runner (held off by the row lock while this commits) goes on from there.
      await database.db.transaction().execute(async (trx) => {
        await readPosition(trx, liveCheckpoint, projection.name, true);
        for (const table of owned) {
          const target = table.bi ? database.biSchema : database.schema;
          await sql`drop table if exists ${sql.table(`${target}.${table.name}`)} cascade`.execute(trx);
          await sql`alter table ${sql.table(`${table.schema}.${table.name}`)} set schema ${sql.id(target)}`.execute(trx);
        }
        if (owned.some((table) => table.bi)) await sql`grant select on all tables in schema ${sql.id(database.biSchema)} to ${sql.id(BI_READER_ROLE)}`.execute(trx);
        await sql`
          insert into ${liveCheckpoint} (name, commit_position, prepare_position, updated_at)
          values (${projection.name}, ${position.commit.toString()}::numeric, ${position.prepare.toString()}::numeric, now())
          on conflict (name) do update set commit_position = excluded.commit_position, prepare_position = excluded.prepare_position, updated_at = now()`.execute(trx);
      });
    }
    if (options.mode === 'rebuild') announceCheckpoint(database, projection.name, position);
    await progress('done');
    return {
      projection: projection.name,
      mode: options.mode,
      events,
      seconds: (Date.now() - started) / 1000,
      position: formatPosition(position),
      tables,
      equal: tables.every((table) => table.onlyLive === 0 && table.onlyRebuilt === 0),
    };
  } finally {
    await sql`drop schema if exists ${sql.id(shadow)} cascade`.execute(database.db).catch(() => {});
    await sql`drop schema if exists ${sql.id(shadowBi)} cascade`.execute(database.db).catch(() => {});
  }
}

/**
 * Without a count: the share of the log read so far, from positions (`prepare`: the global
 * sequence of the PostgreSQL log, the byte offset in EventStoreDB's), scales the events read
 * to an estimate. Rough when the projection's events are not spread evenly over the log, hence
 * `estimated`; null before anything was read.
 */
export function estimateTotal(events: number, position: Position, head: Position): { events: number | null; estimated: true } {
  if (comparePositions(position, head) >= 0) return { events, estimated: true };
  if (events === 0 || position.prepare <= 0n || head.prepare <= 0n) return { events: null, estimated: true };
  const share = Number(position.prepare) / Number(head.prepare);
  return { events: share >= 1 ? events : Math.max(events, Math.round(events / share)), estimated: true };
}

/**
 * The projection's query-only indexes (`queryIndexes`), dropped from the freshly migrated shadow
 * so the build does not maintain them; the statements that create them again once it is built.
 * An index behind a unique constraint (one `apply` never names in an `on conflict`) is dropped
 * with its constraint and added back as that constraint, so building it also checks it. A name
 * the shadow does not hold is a mistake in the projection: said at once.
 */
async function dropQueryIndexes(database: Database, projection: AnyProjection, schemas: readonly string[]): Promise<{ name: string; definition: string }[]> {
  const names = projection.queryIndexes ?? [];
  if (names.length === 0) return [];
  const { rows } = await sql<{ schema: string; table: string; name: string; definition: string; constraint: string | null }>`
    select n.nspname as schema, t.relname as table, i.relname as name, pg_get_indexdef(i.oid) as definition,
           (select pg_get_constraintdef(c.oid) from pg_constraint c where c.conindid = i.oid and c.conrelid = t.oid) as constraint
    from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid join pg_namespace n on n.oid = i.relnamespace
    where n.nspname in (${sql.join(schemas)}) and i.relname in (${sql.join(names)})`.execute(database.db);
  const missing = names.filter((name) => !rows.some((row) => row.name === name));
  if (missing.length > 0) throw new Error(`projection ${projection.name}: its query indexes ${missing.join(', ')} are not among its tables' indexes`);
  const deferred: { name: string; definition: string }[] = [];
  for (const row of rows) {
    const table = `${quote(row.schema)}.${quote(row.table)}`;
    if (row.constraint) {
      await sql.raw(`alter table ${table} drop constraint ${quote(row.name)}`).execute(database.db);
      deferred.push({ name: row.name, definition: `alter table ${table} add constraint ${quote(row.name)} ${row.constraint}` });
    } else {
      await sql.raw(`drop index ${quote(row.schema)}.${quote(row.name)}`).execute(database.db);
      deferred.push({ name: row.name, definition: row.definition });
    }
  }
  return deferred;
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

interface OwnedTable {
  readonly schema: string;
  readonly name: string;
  readonly bi: boolean;
}

/** The tables the projection's migrations created: everything in the shadow schemas. */
async function ownedTables(database: Database, shadow: string, shadowBi: string): Promise<OwnedTable[]> {
  const { rows } = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_schema in (${shadow}, ${shadowBi}) and table_type = 'BASE TABLE' order by table_schema, table_name`.execute(database.db);
  return rows.map((row) => ({ schema: row.schema, name: row.name, bi: row.schema === shadowBi }));
}

async function readPosition(db: Database | Transaction<any>, table: ReturnType<typeof sql.table>, name: string, forUpdate = false): Promise<Position> {
  const executor = 'db' in db ? db.db : db;
  const { rows } = forUpdate
    ? await sql<{ c: string; p: string }>`select commit_position::text as c, prepare_position::text as p from ${table} where name = ${name} for update`.execute(executor)
    : await sql<{ c: string; p: string }>`select commit_position::text as c, prepare_position::text as p from ${table} where name = ${name}`.execute(executor);
  return rows[0] ? { commit: BigInt(rows[0].c), prepare: BigInt(rows[0].p) } : START;
}

/** Row-for-row comparison of each owned table, live against rebuilt (identity and serial columns aside: their numbers are not the log's). */
async function compare(trx: Transaction<any>, owned: readonly OwnedTable[], live: { schema: string; bi: string }): Promise<TableComparison[]> {
  const results: TableComparison[] = [];
  for (const table of owned) {
    const liveSchema = table.bi ? live.bi : live.schema;
    const { rows: columns } = await sql<{ name: string }>`
      select column_name as name from information_schema.columns
      where table_schema = ${table.schema} and table_name = ${table.name}
        and is_identity = 'NO' and coalesce(column_default, '') not like 'nextval(%'
      order by ordinal_position`.execute(trx);
    const list = sql.join(columns.map((column) => sql.id(column.name)));
    const liveTable = sql.table(`${liveSchema}.${table.name}`);
    const rebuiltTable = sql.table(`${table.schema}.${table.name}`);
    const { rows } = await sql<{ live_rows: string; rebuilt_rows: string; only_live: string; only_rebuilt: string }>`
      select (select count(*) from ${liveTable})::text as live_rows,
             (select count(*) from ${rebuiltTable})::text as rebuilt_rows,
             (select count(*) from (select ${list} from ${liveTable} except all select ${list} from ${rebuiltTable}) d)::text as only_live,
             (select count(*) from (select ${list} from ${rebuiltTable} except all select ${list} from ${liveTable}) d)::text as only_rebuilt`.execute(trx);
    const row = rows[0]!;
    results.push({
      table: `${table.bi ? 'bi.' : ''}${table.name}`,
      liveRows: Number(row.live_rows),
      rebuiltRows: Number(row.rebuilt_rows),
      onlyLive: Number(row.only_live),
      onlyRebuilt: Number(row.only_rebuilt),
    });
  }
  return results;
}
