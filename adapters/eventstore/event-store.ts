/**
 * The event log port, shaped on EventStoreDB's semantics so that the PostgreSQL log and
 * EventStoreDB pass one contract suite (tests/adapters/eventstore/event-store.contract.ts).
 */

/** A place in `$all`. PostgreSQL: (transaction id, global sequence); EventStoreDB: (commit, prepare). */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const START: Position = Object.freeze({ commit: 0n, prepare: 0n });

export type ExpectedRevision = 'no_stream' | 'exists' | 'any' | bigint;

export interface EventMetadata {
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Id of the command that produced the event: a retried command is recognised by it. */
  readonly commandId?: string;
  readonly actor?: string;
  readonly schemaVersion?: number;
  readonly occurredAt?: string;
  readonly [key: string]: unknown;
}

export interface EventToAppend {
  /** A UUID. Appending an event whose id is already in the stream is a no-op (idempotent). */
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent {
  readonly streamName: string;
  /** 0-based position of the event in its stream. */
  readonly revision: bigint;
  readonly position: Position;
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly createdAt: Date;
}

export interface AppendResult {
  /** Revision of the stream's last event after the append. */
  readonly nextRevision: bigint;
  /** Position of the last appended event in `$all`. */
  readonly position: Position;
  /**
   * True when these events (the same ids) were in the log already and nothing was written: an
   * idempotent re-append, e.g. two callers running one command (one command id) at once. The
   * log holds the earlier append's events — their data may differ from these (times, a
   * decision on other inputs), so a caller that answers from its own events must read them.
   * The PostgreSQL log says so; EventStoreDB answers such an append like any other, so its
   * adapter reads a command's events back and sets this when the stored ones differ.
   */
  readonly reappended?: boolean;
}

export interface ReadStreamOptions {
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

/** Which events of `$all` a reader wants. Categories are stream-name prefixes before the first `-`. */
export interface AllFilter {
  readonly categories?: readonly string[];
  readonly eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  readonly limit?: number;
  readonly filter?: AllFilter;
}

export interface ReadAllPage {
  /** Events strictly after the requested position, in `$all` order. */
  readonly events: readonly RecordedEvent[];
  /**
   * Where the next read resumes: the last event returned, or further when the page was not
   * full and filtered events were scanned past. Never beyond an event not yet readable.
   */
  readonly checkpoint: Position;
}

export interface SubscriptionOptions {
  readonly from?: Position;
  readonly filter?: AllFilter;
  /** Called once when the subscriber has read everything committed so far. */
  readonly onCaughtUp?: () => void;
  readonly onError?: (error: unknown) => void;
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface EventStore {
  readonly kind: 'postgres' | 'eventstoredb';
  append(streamName: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Events of a stream in order; an empty array when the stream does not exist. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(from: Position, options?: ReadAllOptions): Promise<ReadAllPage>;
  /** Catch-up then live: every matching event exactly once, in `$all` order, none skipped. */
  subscribeToAll(handler: (event: RecordedEvent) => Promise<void>, options?: SubscriptionOptions): Subscription;
  /** The newest readable position (START on an empty log). */
  headPosition(): Promise<Position>;
  /** Resolves when something may have been appended (a hint, not a promise of events). */
  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export class WrongExpectedVersion extends Error {
  override readonly name = 'WrongExpectedVersion';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** -1n when the stream does not exist. */
    readonly actual: bigint,
  ) {
    super(`stream ${streamName}: expected revision ${String(expected)}, actual ${actual === -1n ? 'no stream' : String(actual)}`);
  }
}

/** The stream was deleted for good (an EventStoreDB tombstone): it can be neither read nor written again. */
export class StreamDeleted extends Error {
  override readonly name = 'StreamDeleted';
  constructor(readonly streamName: string) {
    super(`stream ${streamName} is deleted for good (tombstoned)`);
  }
}

/**
 * The event log could not be reached or did not answer in time (a dropped connection, a node
 * that is not the leader, a deadline). Transient: a caller retries. For an append the outcome
 * is unknown — it may have been written — and a retry with the same event ids is safe (appends
 * are idempotent by event id). The HTTP edge answers 503 with Retry-After.
 */
export class EventLogUnavailable extends Error {
  override readonly name = 'EventLogUnavailable';
  constructor(
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`event log unavailable during ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * The event log refused the request for a reason a retry will not change: access denied to the
 * configured user, an append over the server's size limit, an argument it does not accept. A
 * configuration or programming fault: logged, answered 500.
 */
export class EventLogRefused extends Error {
  override readonly name = 'EventLogRefused';
  constructor(
    readonly operation: string,
    readonly reason: 'access_denied' | 'too_large' | 'invalid_argument' | 'unsupported' | 'unknown',
    override readonly cause: unknown,
  ) {
    super(`event log refused ${operation} (${reason}): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** `commit/prepare` as decimal strings: how positions travel in JSON and HTTP. */
export function formatPosition(position: Position): string {
  return `${position.commit}/${position.prepare}`;
}

export function parsePosition(text: string): Position | null {
  const match = /^(\d{1,20})\/(\d{1,20})$/.exec(text);
  return match ? { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) } : null;
}

export function categoryOf(streamName: string): string {
  const dash = streamName.indexOf('-');
  return dash < 0 ? streamName : streamName.slice(0, dash);
}

export function matchesFilter(filter: AllFilter | undefined, streamName: string, type: string): boolean {
  if (!filter) return true;
  if (filter.categories && !filter.categories.includes(categoryOf(streamName))) return false;
  if (filter.eventTypes && !filter.eventTypes.includes(type)) return false;
  return true;
}
