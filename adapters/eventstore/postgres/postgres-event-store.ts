import { EventEmitter } from 'node:events';
import { CompiledQuery, sql, type Kysely } from 'kysely';
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
import { nextAppend } from '../append-signal.js';

/** Events of `$all` a filtered read looks at per statement (readAllFiltered): twice the page to begin with, doubling while the filter takes few, up to the most. */
const SCAN_WINDOW = { least: 1000, most: 20_000 };

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

/** One of the append path's statements: fixed text, prepared under `name` on a server. */
interface Statement {
  readonly name: string;
  readonly text: string;
  /** Events travel as four arrays (ids, types, data, metadata) rather than four parameters each. */
  readonly arrays: boolean;
}

const COLUMNS = '(stream_name, stream_position, event_id, event_type, data, metadata)';
const RETURNING = 'returning stream_position::text, global_position::text, transaction_id::text';
/** Appends of up to this many events send each event's fields as parameters of their own. */
const VALUES_LIMIT = 32;
/** The stream is at revision $2: the row at $2 exists (the unique key refuses the rest). */
const AT_EXPECTED = 'where exists (select from events where stream_name = $1 and stream_position = $2::bigint)';
const UNNEST = (first: number) =>
  `unnest($${first}::uuid[], $${first + 1}::text[], $${first + 2}::text[], $${first + 3}::text[])
     with ordinality as e(event_id, event_type, data, metadata, ordinal)`;

const statements = new Map<string, Statement>();

/**
 * The INSERT for `n` events at known revisions: `new` (no stream: revisions 0…n-1, parameters
 * $1 stream, then per event id, type, data, metadata) or `at` (expected revision $2: revisions
 * $2+1…$2+n, guarded by the probe for row $2). Built once per shape and kept.
 */
function appendStatement(kind: 'new' | 'at', n: number): Statement {
  const arrays = n > VALUES_LIMIT;
  const key = `${kind}_${arrays ? 'n' : n}`;
  let statement = statements.get(key);
  if (statement) return statement;
  const first = kind === 'at' ? 3 : 2;
  let text: string;
  if (arrays) {
    text = `insert into events ${COLUMNS}
      select $1, ${kind === 'at' ? '$2::bigint + e.ordinal' : 'e.ordinal - 1'}, e.event_id, e.event_type, e.data::jsonb, e.metadata::jsonb
      from ${UNNEST(first)} ${kind === 'at' ? AT_EXPECTED : ''}
      ${RETURNING}`;
  } else {
    const fields = (i: number) => {
      const p = first + 4 * i;
      return `$${p}::uuid, $${p + 1}, $${p + 2}::jsonb, $${p + 3}::jsonb`;
    };
    // One event may be refused without an error (see insert); several raise 23505 instead.
    // The arbiter is the stream key alone: naming no index would make every unique index one
    // (checked before each insert); a duplicate event id elsewhere raises 23505 as before.
    const refusal = n === 1 ? 'on conflict (stream_name, stream_position) do nothing' : '';
    if (kind === 'new') {
      const rows = Array.from({ length: n }, (_, i) => `($1, ${i}, ${fields(i)})`).join(', ');
      text = `insert into events ${COLUMNS} values ${rows} ${refusal} ${RETURNING}`;
    } else if (n === 1) {
      // Without a VALUES subquery: PGlite plans every statement anew, and this plans faster.
      text = `insert into events ${COLUMNS} select $1, $2::bigint + 1, ${fields(0)} ${AT_EXPECTED} ${refusal} ${RETURNING}`;
    } else {
      const rows = Array.from({ length: n }, (_, i) => `($2::bigint + ${i + 1}, ${fields(i)})`).join(', ');
      text = `insert into events ${COLUMNS}
        select $1, v.position, v.event_id, v.event_type, v.data, v.metadata
        from (values ${rows}) as v(position, event_id, event_type, data, metadata) ${AT_EXPECTED}
        ${refusal} ${RETURNING}`;
    }
  }
  statement = { name: `ll_append_${key}`, text, arrays };
  statements.set(key, statement);
  return statement;
}

function arrayParameters(events: readonly EventToAppend[]): unknown[] {
  return [
    events.map((e) => e.eventId),
    events.map((e) => e.type),
    events.map((e) => JSON.stringify(e.data)),
    events.map((e) => JSON.stringify(e.metadata)),
  ];
}

/** exists / any: $1 stream, $2 the lowest acceptable current revision (0 for exists, -1 for any). */
const AFTER_CURRENT: Statement = {
  name: 'll_append_after_current',
  text: `insert into events ${COLUMNS}
    select $1, c.revision + e.ordinal, e.event_id, e.event_type, e.data::jsonb, e.metadata::jsonb
    from (select coalesce(max(stream_position), -1) as revision from events where stream_name = $1) c,
         ${UNNEST(3)}
    where c.revision >= $2::bigint
    ${RETURNING}`,
  arrays: true,
};

/** After a refusal: rows of these event ids ($1), and the stream's ($2) current revision. */
const REFUSED: Statement = {
  name: 'll_append_refused',
  text: `select 'row' as kind, stream_name, stream_position::text, global_position::text, transaction_id::text
    from events where event_id = any($1::uuid[])
    union all
    select 'current', null, coalesce(max(stream_position), -1)::text, null, null
    from events where stream_name = $2`,
  arrays: true,
};

/** `x` of an `any` append in a group: its events' `p` are then 0, 1, … after the stream's current revision. */
const ANY_IN_GROUP = -2;

/**
 * Group commit: the appends of a group (at most one per stream, each `no_stream`, a revision or
 * `any`) in one INSERT, so one transaction and one commit. `$1` is a JSON array with one element per
 * event: o (insertion order), s (stream), p (its revision), x (the append's expected revision,
 * -1 for no_stream, -2 for any), n (the append's event count), id, t, d, m. An `any` append's
 * revisions follow the stream's current one, looked up in the statement (`positioned`); a
 * writer of that stream outside the group that commits first makes the key refuse it, and it
 * goes again alone, as an `any` append alone does. Each append is checked on its
 * own, as in the single statements: the probe for the row at `x`, and the stream key refusing
 * (`do nothing`) a revision already taken, so a stale append inserts nothing and its neighbours
 * go on. An append whose rows are only partly refused (several events, racing another writer
 * of its stream that committed while this statement ran) would be split: the count per stream
 * then divides by zero, the statement fails as a whole and the group is appended one by one.
 * Returns one row per stream that was written: its last revision and position.
 * The probe is written as a range (>= and <= rather than =) on purpose: with an equality the
 * planner may turn the correlated EXISTS into a "hashed SubPlan", a sequential scan of the
 * whole log per group — which the generic plan of a prepared statement, planned while the
 * table is small, does pick (measured: 11 ms per group of 16 on a log of ~50k events). The
 * range is not hashable, so it stays an index probe per row on `events_stream_revision`.
 */
const GROUP: Statement = {
  name: 'll_append_group',
  text: `with input as (
      select * from jsonb_to_recordset($1::jsonb)
        as i(o int, s text, p bigint, x bigint, n int, id uuid, t text, d jsonb, m jsonb)
    ),
    positioned as (
      select i.o, i.s, i.x, i.n, i.id, i.t, i.d, i.m,
             case when i.x = ${ANY_IN_GROUP} then (select coalesce(max(e.stream_position), -1) from events e where e.stream_name = i.s) + 1 + i.p
                  else i.p end as p
      from input i
    ),
    inserted as (
      insert into events ${COLUMNS}
      select i.s, i.p, i.id, i.t, i.d, i.m from positioned i
      where i.x < 0 or exists (select from events e
                               where e.stream_name = i.s and e.stream_position >= i.x and e.stream_position <= i.x)
      order by i.o
      on conflict (stream_name, stream_position) do nothing
      returning stream_name, stream_position, global_position, transaction_id
    )
    select ins.stream_name, max(ins.stream_position)::text as stream_position,
           max(ins.global_position)::text as global_position, min(ins.transaction_id::text) as transaction_id,
           1 / (count(*) = min(i.n))::int as whole
    from inserted ins join positioned i on i.s = ins.stream_name and i.p = ins.stream_position
    group by ins.stream_name`,
  arrays: false,
};

/** Appends of up to this many events can join a group; longer ones go alone. */
const GROUP_APPEND_LIMIT = VALUES_LIMIT;
/** A group holds at most this many appends and this many events. */
const GROUP_MAX_APPENDS = 64;
const GROUP_MAX_EVENTS = 512;

/** An append waiting for its group. */
interface Waiting {
  readonly streamName: string;
  readonly events: readonly EventToAppend[];
  readonly expected: 'no_stream' | 'any' | bigint;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export interface PostgresEventStoreOptions {
  /**
   * Group commit (default on): appends to different streams that arrive while a commit is in
   * flight are written together in one statement. Off: one statement per append, as before.
   */
  readonly groupCommit?: boolean;
  /** Groups written at the same time, each on its own connection (default 1). */
  readonly groupsInFlight?: number;
}

const UNIQUE_VIOLATION = '23505';
const ANY_RETRIES = 20;
/**
 * At most one cross-process NOTIFY per this many ms per store: the first append after a quiet
 * spell signals at once, the appends that follow within the interval share one signal at its
 * end. Each NOTIFY takes a pool connection for a round trip, which appends then queue behind
 * (measured with one connection: a signal every 2 ms cost a third of the append rate).
 */
const SIGNAL_INTERVAL_MS = 10;

/**
 * The event log in PostgreSQL (a server through `pg`, or PGlite): one statement, one round
 * trip per append — or per group of appends to different streams that arrived while a commit
 * was in flight (group commit, see append); `$all` read in (transaction id, sequence) order
 * below the oldest transaction still in flight.
 */
export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  private readonly appended = new EventEmitter().setMaxListeners(0);
  private readonly db: Kysely<any>;
  private readonly channel: string;
  private listening: Promise<(() => Promise<void>) | void> | undefined;
  private signalPending = false;
  private lastSignalAt = Number.NEGATIVE_INFINITY;
  private readonly grouping: boolean;
  private readonly groupsInFlight: number;
  /** Appends waiting for a group, in arrival order. */
  private waiting: Waiting[] = [];
  private inFlight = 0;
  private pumpScheduled = false;

  constructor(
    private readonly database: Database,
    private readonly pollMs = 100,
    options: PostgresEventStoreOptions = {},
  ) {
    this.db = database.db;
    this.channel = `ledgerline_events_${database.schema}`;
    // A store built on a caller's transaction appends inside it, alone: never grouped.
    this.grouping = (options.groupCommit ?? true) && !database.db.isTransaction;
    this.groupsInFlight = Math.max(1, options.groupsInFlight ?? 1);
  }

  /**
   * Wake local waiters now, and other processes through the database (coalesced to one per
   * SIGNAL_INTERVAL_MS, after the commit and outside it, so appends never wait on the
   * notification queue).
   */
  private announceAppend(): void {
    this.appended.emit('append');
    const signals = this.database.signals;
    if (!signals || this.signalPending) return;
    this.signalPending = true;
    const wait = Math.max(0, this.lastSignalAt + SIGNAL_INTERVAL_MS - performance.now());
    setTimeout(() => {
      this.signalPending = false;
      this.lastSignalAt = performance.now();
      signals.signal(this.channel).catch(() => {});
    }, wait);
  }

  /**
   * Appends with `no_stream`, a revision or `any` (up to GROUP_APPEND_LIMIT events) go through
   * group commit: they wait in `waiting` while `groupsInFlight` groups are being written, then
   * leave together (pump). The rest (`exists`, long appends, a store on a transaction) go
   * alone, as one statement each.
   */
  append(streamName: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return this.checkOnly(streamName, expected);
    if (!this.grouping || expected === 'exists' || events.length > GROUP_APPEND_LIMIT) {
      return this.appendAlone(streamName, events, expected);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.waiting.push({ streamName, events, expected, resolve, reject });
      // Appends made in the same turn of the event loop leave together: pump after it.
      if (!this.pumpScheduled && this.inFlight < this.groupsInFlight) {
        this.pumpScheduled = true;
        queueMicrotask(() => {
          this.pumpScheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Starts groups while fewer than `groupsInFlight` are being written. */
  private pump(): void {
    while (this.inFlight < this.groupsInFlight && this.waiting.length > 0) {
      const group = this.takeGroup();
      this.inFlight++;
      let released = false;
      // The next group leaves after this turn of the event loop: the writers this group has
      // just acknowledged append again first and join it (released at once, the next group
      // would hold only what arrived during the flight, and groups would alternate 1, n-1, 1…).
      const release = () => {
        if (released) return;
        released = true;
        setImmediate(() => {
          this.inFlight--;
          this.pump();
        });
      };
      void this.writeGroup(group, release).finally(release);
    }
  }

  /**
   * The next group: waiting appends in arrival order, at most one per stream, up to
   * GROUP_MAX_APPENDS appends and GROUP_MAX_EVENTS events. A second append to a stream of the
   * group is not grouped: it goes alone at once, concurrently, as every append did before
   * group commit (a group never orders two appends of one stream, and a hot stream's writers
   * do not queue behind one another's groups: measured, making them wait for the next group
   * cost the append-hot case 40 % and a p99 of 630 ms).
   */
  private takeGroup(): Waiting[] {
    const group: Waiting[] = [];
    const rest: Waiting[] = [];
    const streams = new Set<string>();
    let events = 0;
    for (const w of this.waiting) {
      if (streams.has(w.streamName)) {
        void this.appendAlone(w.streamName, w.events, w.expected).then(w.resolve, w.reject);
      } else if (group.length < GROUP_MAX_APPENDS && events + w.events.length <= GROUP_MAX_EVENTS) {
        group.push(w);
        streams.add(w.streamName);
        events += w.events.length;
      } else rest.push(w);
    }
    this.waiting = rest;
    return group;
  }

  /**
   * Writes a group and settles each of its appends after the commit. A group of one is the
   * single-append statement (one writer pays nothing for grouping). A larger group is one
   * statement (GROUP) in its own implicit transaction: a stream it did not write was refused
   * (a stale expectation or an idempotent re-append, told apart as alone). If the statement
   * fails as a whole — a unique violation on an event id, which names no append, a split
   * append, or anything else — the group's appends are written again one by one, each alone,
   * so one bad append fails only itself. `release` frees the group's slot once the statement
   * is done and its appends acknowledged, before the refusals are looked up.
   */
  private async writeGroup(group: readonly Waiting[], release: () => void): Promise<void> {
    if (group.length === 1) {
      const w = group[0]!;
      await this.appendAlone(w.streamName, w.events, w.expected).then(w.resolve, w.reject);
      return;
    }
    const elements: unknown[] = [];
    for (const w of group) {
      const x = w.expected === 'no_stream' ? -1n : w.expected === 'any' ? BigInt(ANY_IN_GROUP) : w.expected;
      const n = w.events.length;
      w.events.forEach((e, i) => {
        elements.push({
          o: elements.length,
          s: w.streamName,
          p: (w.expected === 'any' ? BigInt(i) : x + 1n + BigInt(i)).toString(),
          x: x.toString(),
          n,
          id: e.eventId,
          t: e.type,
          d: e.data,
          m: e.metadata,
        });
      });
    }
    let rows: { stream_name: string; stream_position: string; global_position: string; transaction_id: string }[];
    try {
      rows = await this.run(GROUP, [JSON.stringify(elements)]);
    } catch {
      release();
      await Promise.all(group.map((w) => this.appendAlone(w.streamName, w.events, w.expected).then(w.resolve, w.reject)));
      return;
    }
    if (rows.length > 0) this.announceAppend();
    const written = new Map(rows.map((r) => [r.stream_name, r]));
    const refusals = group.map((w) => {
      const row = written.get(w.streamName);
      // `any` has no expectation to refuse: a writer outside the group took the revision, so it goes again alone
      if (!row) return (w.expected === 'any' ? this.appendAlone(w.streamName, w.events, w.expected) : this.refused(w.streamName, w.events, w.expected)).then(w.resolve, w.reject);
      w.resolve({
        nextRevision: BigInt(row.stream_position),
        position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) },
      });
      return undefined;
    });
    release();
    await Promise.all(refusals);
  }

  /** One append in one statement of its own (the path before group commit). */
  private async appendAlone(streamName: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.insert(streamName, events, expected);
        this.announceAppend();
        return result;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const { earlier, actual } = await this.afterRefusal(streamName, events);
        if (earlier) return { ...earlier, reappended: true };
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
   * A single event is inserted `on conflict (stream_name, stream_position) do nothing`: a
   * refusal by the stream is then an empty result, not an error (no error objects and stack
   * traces on the hot conflict path, and a caller's transaction is not aborted); an event id
   * already in the log at another place raises 23505 (append catches it). Several events keep
   * the raising form: `do nothing` skips rows one by one, which would split the append.
   *
   * The statements' texts are built once per shape (appendStatement) and sent with their
   * parameters as they are, without kysely building and compiling a query per append. Up to
   * VALUES_LIMIT events travel as a VALUES list of plain parameters; longer appends as arrays
   * (which `pg` has to escape element by element, and the server to parse).
   */
  private async insert(streamName: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    let rows: InsertedRow[];
    if (expected === 'no_stream' || typeof expected === 'bigint') {
      const at = typeof expected === 'bigint';
      const statement = appendStatement(at ? 'at' : 'new', events.length);
      const parameters: unknown[] = at ? [streamName, expected.toString()] : [streamName];
      if (statement.arrays) parameters.push(...arrayParameters(events));
      else
        for (const e of events) parameters.push(e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata));
      rows = await this.run<InsertedRow>(statement, parameters);
    } else {
      // exists / any: revisions follow the current one; `exists` refuses a missing stream.
      rows = await this.run<InsertedRow>(AFTER_CURRENT, [streamName, expected === 'exists' ? 0 : -1, ...arrayParameters(events)]);
    }
    // The expectation did not hold (or these events were appended before).
    if (rows.length === 0) return this.refused(streamName, events, expected);
    let last = rows[0]!;
    for (const row of rows) if (BigInt(row.stream_position) > BigInt(last.stream_position)) last = row;
    return {
      nextRevision: BigInt(last.stream_position),
      position: { commit: BigInt(last.transaction_id), prepare: BigInt(last.global_position) },
    };
  }

  /**
   * Runs one of the append path's fixed statements through kysely (so a store built on a
   * transaction appends inside it). On a PostgreSQL server it is a named prepared statement:
   * each connection parses and plans it once instead of on every append (planning was a large
   * part of an append's server time). kysely has no API for it; its PostgreSQL driver hands
   * `compiledQuery.sql` to `pg`'s `client.query`, which takes a `{ name, text }` config in its
   * place. PGlite (and any other driver) gets the text.
   */
  private async run<R>(statement: Statement, parameters: readonly unknown[]): Promise<R[]> {
    const text = this.database.kind === 'pg' ? ({ name: statement.name, text: statement.text } as unknown as string) : statement.text;
    const result = await this.db.executeQuery<R>({ ...CompiledQuery.raw(statement.text, parameters as unknown[]), sql: text });
    return result.rows;
  }

  /** An append that wrote nothing: an idempotent re-append's earlier result, else WrongExpectedVersion. */
  private async refused(streamName: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    const { earlier, actual } = await this.afterRefusal(streamName, events);
    if (earlier) return { ...earlier, reappended: true };
    throw new WrongExpectedVersion(streamName, expected, actual);
  }

  /**
   * After an append was refused: the result of an earlier append of exactly these events
   * (idempotent re-append), else the stream's current revision. One round trip.
   */
  private async afterRefusal(streamName: string, events: readonly EventToAppend[]): Promise<{ earlier: AppendResult | null; actual: bigint }> {
    const rows = await this.run<{ kind: 'row' | 'current'; stream_name: string; stream_position: string; global_position: string; transaction_id: string }>(
      REFUSED,
      [events.map((e) => e.eventId), streamName],
    );
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
    if (filter && (filter.categories || filter.eventTypes)) return this.readAllFiltered(from, limit, filter);
    const { rows } = await sql<EventRow>`
      select stream_name, stream_position::text, global_position::text, transaction_id::text,
             event_id::text, event_type, data, metadata, created_at
      from events
      where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        and (transaction_id, global_position) > (${from.commit.toString()}::text::xid8, ${from.prepare.toString()}::bigint)
      order by events.transaction_id, events.global_position -- qualified: the bare names are the text columns above
      limit ${limit}`.execute(this.db);
    const events = rows.map(toRecorded);
    return { events, checkpoint: events.length > 0 ? events[events.length - 1]!.position : from };
  }

  /**
   * A filtered page, read window by window: each statement walks the next events of `$all`
   * in order (the `events_all_order` index, below one horizon), keeps those the
   * filter takes, and fetches the bodies of those only. Asked with the filter in one plain
   * `where`, the planner reckons the filter rare and sorts the whole rest of the log for every
   * page — a rebuild over a long log went quadratic (issue 16). Windows are read until the page
   * is full or the log's readable end is scanned, so a page that is not full still means the
   * reader reached the head; its checkpoint is the last event scanned, so the filtered-out
   * events are not read again.
   */
  private async readAllFiltered(from: Position, limit: number, filter: NonNullable<ReadAllOptions['filter']>): Promise<ReadAllPage> {
    const categories = filter.categories ?? null;
    const types = filter.eventTypes ?? null;
    const events: RecordedEvent[] = [];
    let after = from;
    let window = Math.min(SCAN_WINDOW.most, Math.max(SCAN_WINDOW.least, 2 * limit));
    for (;; window = Math.min(SCAN_WINDOW.most, 2 * window)) {
      const wanted = limit - events.length;
      const { rows } = await sql<EventRow & { kind: 'event' | 'scanned'; scanned: string | null }>`
        with scanned as (
          select transaction_id, global_position, stream_name, event_type
          from events
          where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            and (transaction_id, global_position) > (${after.commit.toString()}::text::xid8, ${after.prepare.toString()}::bigint)
          order by transaction_id, global_position
          limit ${window}
        ),
        taken as (
          select global_position from scanned s
          where (${categories}::text[] is null or split_part(s.stream_name, '-', 1) = any(${categories}::text[]))
            and (${types}::text[] is null or s.event_type = any(${types}::text[]))
          order by s.transaction_id, s.global_position
          limit ${wanted}
        ),
        last as (select transaction_id, global_position, (select count(*) from scanned) as scanned from scanned order by transaction_id desc, global_position desc limit 1)
        select 'event' as kind, e.stream_name, e.stream_position::text, e.global_position::text, e.transaction_id::text,
               e.event_id::text, e.event_type, e.data, e.metadata, e.created_at, null as scanned
        from taken t join events e on e.global_position = t.global_position
        union all
        select 'scanned', null, null, global_position::text, transaction_id::text, null, null, null, null, null, scanned::text
        from last`.execute(this.db);
      const page = rows.filter((r) => r.kind === 'event').map(toRecorded);
      page.sort((a, b) => comparePositions(a.position, b.position));
      events.push(...page);
      const last = rows.find((r) => r.kind === 'scanned');
      if (events.length >= limit) return { events, checkpoint: events[events.length - 1]!.position };
      if (!last) return { events, checkpoint: after }; // nothing readable after `after`
      // every event of the window was looked at (fewer than wanted were taken): the next window starts after it
      after = { commit: BigInt(last.transaction_id), prepare: BigInt(last.global_position) };
      if (Number(last.scanned) < window) return { events, checkpoint: after };
    }
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
    return nextAppend(this.appended, timeoutMs, signal);
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
