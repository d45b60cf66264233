import { EventEmitter } from 'node:events';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../database/database.js';
import {
  START,
  comparePositions,
  WrongExpectedVersion,
  type AllFilter,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type Position,
  type ReadAllOptions,
  type ReadAllPage,
  type ReadStreamOptions,
  type RecordedEvent,
} from '../event-store.js';
import { subscribeByPolling } from '../polling-subscription.js';

interface EventRow {
  stream_name: string;
  stream_position: string;
  global_position: string;
  transaction_id: string;
  event_id: string;
  event_type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  created_at: Date | string;
}

interface InsertedRow {
  stream_position: string;
  global_position: string;
  transaction_id: string;
}

const RETURNED = sql.raw('stream_position::text, global_position::text, transaction_id::text');

const UNIQUE_VIOLATION = '23505';
const ANY_RETRIES = 20;

/**
 * The event log in PostgreSQL (a server through `pg`, or PGlite): one statement, one round
 * trip per append; `$all` read in (transaction id, sequence) order below the oldest
 * transaction still in flight.
 */
export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  private readonly appended = new EventEmitter().setMaxListeners(0);
  private readonly db: Kysely<any>;
  private readonly channel: string;
  private listening: Promise<(() => Promise<void>) | void> | undefined;
  private signalPending = false;

  constructor(
    private readonly database: Database,
    private readonly pollMs = 100,
  ) {
    this.db = database.db;
    this.channel = `ledgerline_events_${database.schema}`;
  }

  /**
   * Wake local waiters now, and other processes through the database (coalesced, after the
   * commit and outside it, so appends never wait on the notification queue).
   */
  private announceAppend(): void {
    this.appended.emit('append');
    const signals = this.database.signals;
    if (!signals || this.signalPending) return;
    this.signalPending = true;
    setTimeout(() => {
      this.signalPending = false;
      signals.signal(this.channel).catch(() => {});
    }, 2);
  }

  async append(streamName: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return this.checkOnly(streamName, expected);
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.insert(streamName, events, expected);
        this.announceAppend();
        return result;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const { earlier, actual } = await this.afterRefusal(streamName, events);
        if (earlier) return earlier;
        // "any" has no expectation to violate: a concurrent writer took the revision, so go again.
        if (expected === 'any' && attempt < ANY_RETRIES) continue;
        throw new WrongExpectedVersion(streamName, expected, actual);
      }
    }
  }

  /**
   * One statement, one round trip. With `no_stream` or a revision the new events' revisions
   * are known (0… or expected+1…), so the statement is a plain INSERT: the unique
   * (stream_name, stream_position) refuses a stream that is already there or further on, and
   * for a revision an index probe for the row at `expected` refuses a stream that is behind
   * (revisions are contiguous, so "row `expected` exists and row `expected`+1 does not" is
   * "the stream is at `expected`"). Only `exists` and `any` look up the current revision.
   * A single event is inserted `on conflict do nothing`: a refusal is then an empty result,
   * not an error (no error objects and stack traces on the hot conflict path, and a caller's
   * transaction is not aborted). Several events keep the raising form: `do nothing` skips
   * rows one by one, which would split the append.
   */
  private async insert(streamName: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    const ids = events.map((e) => e.eventId);
    const types = events.map((e) => e.type);
    const data = events.map((e) => JSON.stringify(e.data));
    const metadata = events.map((e) => JSON.stringify(e.metadata));
    let rows: InsertedRow[];
    if (expected === 'no_stream') {
      rows =
        events.length === 1
          ? (
              await this.prepared(sql<InsertedRow>`
                insert into events (stream_name, stream_position, event_id, event_type, data, metadata)
                values (${streamName}, 0, ${ids[0]}::uuid, ${types[0]}, ${data[0]}::jsonb, ${metadata[0]}::jsonb)
                on conflict do nothing
                returning ${RETURNED}`, 'll_append_new_1')
            ).rows
          : (
              await this.prepared(sql<InsertedRow>`
                insert into events (stream_name, stream_position, event_id, event_type, data, metadata)
                select ${streamName}, e.ordinal - 1, e.event_id, e.event_type, e.data::jsonb, e.metadata::jsonb
                from unnest(${ids}::uuid[], ${types}::text[], ${data}::text[], ${metadata}::text[])
                       with ordinality as e(event_id, event_type, data, metadata, ordinal)
                returning ${RETURNED}`, 'll_append_new_n')
            ).rows;
    } else if (typeof expected === 'bigint') {
      const revision = expected.toString();
      rows =
        events.length === 1
          ? (
              await this.prepared(sql<InsertedRow>`
                insert into events (stream_name, stream_position, event_id, event_type, data, metadata)
                select ${streamName}, ${revision}::bigint + 1, ${ids[0]}::uuid, ${types[0]}, ${data[0]}::jsonb, ${metadata[0]}::jsonb
                where exists (select from events where stream_name = ${streamName} and stream_position = ${revision}::bigint)
                on conflict do nothing
                returning ${RETURNED}`, 'll_append_at_1')
            ).rows
          : (
              await this.prepared(sql<InsertedRow>`
                insert into events (stream_name, stream_position, event_id, event_type, data, metadata)
                select ${streamName}, ${revision}::bigint + e.ordinal, e.event_id, e.event_type, e.data::jsonb, e.metadata::jsonb
                from unnest(${ids}::uuid[], ${types}::text[], ${data}::text[], ${metadata}::text[])
                       with ordinality as e(event_id, event_type, data, metadata, ordinal)
                where exists (select from events where stream_name = ${streamName} and stream_position = ${revision}::bigint)
                returning ${RETURNED}`, 'll_append_at_n')
            ).rows;
    } else {
      // exists / any: revisions follow the current one; `exists` refuses a missing stream.
      const minimum = expected === 'exists' ? 0 : -1;
      rows = (
        await this.prepared(sql<InsertedRow>`
          insert into events (stream_name, stream_position, event_id, event_type, data, metadata)
          select ${streamName}, c.revision + e.ordinal, e.event_id, e.event_type, e.data::jsonb, e.metadata::jsonb
          from (select coalesce(max(stream_position), -1) as revision from events where stream_name = ${streamName}) c,
               unnest(${ids}::uuid[], ${types}::text[], ${data}::text[], ${metadata}::text[])
                 with ordinality as e(event_id, event_type, data, metadata, ordinal)
          where c.revision >= ${minimum}
          returning ${RETURNED}`, 'll_append_after_current')
      ).rows;
    }
    if (rows.length === 0) {
      // The expectation did not hold (or these events were appended before).
      const { earlier, actual } = await this.afterRefusal(streamName, events);
      if (earlier) return earlier;
      throw new WrongExpectedVersion(streamName, expected, actual);
    }
    let last = rows[0]!;
    for (const row of rows) if (BigInt(row.stream_position) > BigInt(last.stream_position)) last = row;
    return {
      nextRevision: BigInt(last.stream_position),
      position: { commit: BigInt(last.transaction_id), prepare: BigInt(last.global_position) },
    };
  }

  /**
   * On a PostgreSQL server, run an append statement as a named prepared statement, so each
   * connection parses and plans it once instead of on every append (planning was a large part
   * of an append's server time). kysely has no API for it; its PostgreSQL driver hands
   * `compiledQuery.sql` to `pg`'s `client.query`, which takes a `{ name, text }` config in its
   * place. PGlite (and any other driver) runs the statement as usual.
   */
  private async prepared<R>(query: RawBuilder<R>, name: string): Promise<{ rows: R[] }> {
    if (this.database.kind !== 'pg') return query.execute(this.db);
    const compiled = query.compile(this.db);
    const named = { name, text: compiled.sql } as unknown as string;
    return this.db.executeQuery<R>({ ...compiled, sql: named });
  }

  /**
   * After an append was refused: the result of an earlier append of exactly these events
   * (idempotent re-append), else the stream's current revision. One round trip.
   */
  private async afterRefusal(streamName: string, events: readonly EventToAppend[]): Promise<{ earlier: AppendResult | null; actual: bigint }> {
    const { rows } = await this.prepared(sql<{ kind: 'row' | 'current'; stream_name: string; stream_position: string; global_position: string; transaction_id: string }>`
      select 'row' as kind, stream_name, stream_position::text, global_position::text, transaction_id::text
      from events where event_id = any(${events.map((e) => e.eventId)}::uuid[])
      union all
      select 'current', null, coalesce(max(stream_position), -1)::text, null, null
      from events where stream_name = ${streamName}`, 'll_append_refused');
    const current = rows.find((r) => r.kind === 'current')!;
    const found = rows.filter((r) => r.kind === 'row').sort((a, b) => (BigInt(a.stream_position) < BigInt(b.stream_position) ? -1 : 1));
    const actual = BigInt(current.stream_position);
    if (found.length !== events.length || found.some((r) => r.stream_name !== streamName)) return { earlier: null, actual };
    const last = found[found.length - 1]!;
    return {
      earlier: { nextRevision: BigInt(last.stream_position), position: { commit: BigInt(last.transaction_id), prepare: BigInt(last.global_position) } },
      actual,
    };
  }

  private async checkOnly(streamName: string, expected: ExpectedRevision): Promise<AppendResult> {
    const actual = await this.currentRevision(streamName);
    const ok =
      expected === 'any' ||
      (expected === 'exists' && actual >= 0n) ||
      (expected === 'no_stream' && actual === -1n) ||
      expected === actual;
    if (!ok) throw new WrongExpectedVersion(streamName, expected, actual);
    return { nextRevision: actual, position: await this.headPosition() };
  }

  private async currentRevision(streamName: string): Promise<bigint> {
    const { rows } = await sql<{ revision: string }>`
      select coalesce(max(stream_position), -1)::text as revision from events where stream_name = ${streamName}`.execute(this.db);
    return BigInt(rows[0]!.revision);
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const from = (options.fromRevision ?? 0n).toString();
    const limit = options.maxCount ?? null;
    const { rows } = await sql<EventRow>`
      select stream_name, stream_position::text, global_position::text, transaction_id::text,
             event_id::text, event_type, data, metadata, created_at
      from events
      where stream_name = ${streamName} and stream_position >= ${from}::bigint
      order by events.stream_position
      limit ${limit}::bigint`.execute(this.db);
    return rows.map(toRecorded);
  }

  async readAll(from: Position, options: ReadAllOptions = {}): Promise<ReadAllPage> {
    const limit = options.limit ?? 1000;
    const filter = options.filter;
    const categories = filter?.categories ?? null;
    const types = filter?.eventTypes ?? null;
    // One statement, so the page and the head are read in one snapshot below one horizon.
    const { rows } = await sql<EventRow & { kind: 'event' | 'head' }>`
      with horizon as (select pg_snapshot_xmin(pg_current_snapshot()) as xmin),
      page as (
        select e.stream_name, e.stream_position, e.global_position, e.transaction_id, e.event_id,
               e.event_type, e.data, e.metadata, e.created_at
        from events e, horizon h
        where e.transaction_id < h.xmin
          and (e.transaction_id, e.global_position) > (${from.commit.toString()}::text::xid8, ${from.prepare.toString()}::bigint)
          and (${categories}::text[] is null or split_part(e.stream_name, '-', 1) = any(${categories}::text[]))
          and (${types}::text[] is null or e.event_type = any(${types}::text[]))
        order by e.transaction_id, e.global_position
        limit ${limit}
      ),
      head as (
        select e.transaction_id, e.global_position
        from events e, horizon h
        where e.transaction_id < h.xmin
        order by e.transaction_id desc, e.global_position desc
        limit 1
      )
      select 'event' as kind, stream_name, stream_position::text, global_position::text, transaction_id::text,
             event_id::text, event_type, data, metadata, created_at
      from page
      union all
      select 'head', null, null, global_position::text, transaction_id::text, null, null, null, null, null
      from head
      where ${filter ? 1 : 0} = 1`.execute(this.db);
    const events = rows.filter((r) => r.kind === 'event').map(toRecorded);
    events.sort((a, b) => comparePositions(a.position, b.position));
    const head = rows.find((r) => r.kind === 'head');
    let checkpoint = events.length > 0 ? events[events.length - 1]!.position : from;
    if (events.length < limit && head) {
      // Everything up to the head was scanned: filtered-out events need not be read again.
      const headPosition = { commit: BigInt(head.transaction_id), prepare: BigInt(head.global_position) };
      if (comparePositions(headPosition, checkpoint) > 0) checkpoint = headPosition;
    }
    return { events, checkpoint };
  }

  subscribeToAll(handler: (event: RecordedEvent) => Promise<void>, options?: Parameters<EventStore['subscribeToAll']>[1]) {
    return subscribeByPolling(this, handler, options, this.pollMs);
  }

  async headPosition(): Promise<Position> {
    const { rows } = await sql<{ transaction_id: string; global_position: string }>`
      select transaction_id::text, global_position::text from events
      where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      order by events.transaction_id desc, events.global_position desc limit 1`.execute(this.db);
    const row = rows[0];
    return row ? { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) } : START;
  }

  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.database.signals && !this.listening) {
      this.listening = this.database.signals.listen(this.channel, () => this.appended.emit('append')).catch(() => {
        this.listening = undefined; // fall back to polling; try again on the next wait
      });
    }
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.appended.off('append', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.appended.once('append', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    const stopListening = await this.listening;
    if (stopListening) await stopListening();
    this.appended.removeAllListeners();
  }
}

export type { AllFilter };

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === UNIQUE_VIOLATION;
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    streamName: row.stream_name,
    revision: BigInt(row.stream_position),
    position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) },
    eventId: row.event_id,
    type: row.event_type,
    data: parseJson(row.data),
    metadata: parseJson(row.metadata) as RecordedEvent['metadata'],
    createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
  };
}

function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}
