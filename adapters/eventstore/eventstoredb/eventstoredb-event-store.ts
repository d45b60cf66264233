import { EventEmitter } from 'node:events';
import {
  ANY,
  AccessDeniedError,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  InvalidArgumentError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  START as ESDB_START,
  STREAM_EXISTS,
  StreamDeletedError,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  UnsupportedError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type Filter,
  type JSONType,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  EventLogRefused,
  EventLogUnavailable,
  START,
  StreamDeleted,
  WrongExpectedVersion,
  comparePositions,
  matchesFilter,
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
  type Subscription,
  type SubscriptionOptions,
} from '../event-store.js';
import { delay } from '../../../platform/delay.js';
import { nextAppend } from '../append-signal.js';

/**
 * How many events the server scans between two checkpoints of a filtered subscription (the
 * client's `maxSearchWindow`; checkpointInterval 1). A reader whose filter excludes a long
 * stretch of the log learns every this many events how far it has come.
 */
const SEARCH_WINDOW = 256;
/** Resubscription backoff after a dropped subscription: doubles from the first to the last. */
const RESUBSCRIBE_FIRST_MS = 50;
const RESUBSCRIBE_LAST_MS = 2_000;

/**
 * The event log in EventStoreDB (selected by EVENTSTORE_URL), through @eventstore/db-client.
 * Positions are the server's own (commit, prepare).
 *
 * - `$all` is read with server-side filters: a page is a catch-up subscription from the
 *   position with the reader's filter (event-type or stream-name regex; system events excluded),
 *   taken until the page is full or the server reports it caught up. The client's `readAll`
 *   cannot carry a filter (6.2.1 sends `no_filter`), its `subscribeToAll` can, with checkpoints.
 *   A page that was not full ends at the head read before the subscription began (or further
 *   when a checkpoint or an event came later): every event up to there was scanned.
 *   Needs a server that sends CaughtUp (EventStoreDB 23.10 and later, KurrentDB).
 * - `subscribeToAll` is the client's live subscription with the same filter and checkpoints;
 *   after a dropped connection (or a handler that threw) it resubscribes from the last event
 *   handled or the last checkpoint — none skipped, none repeated.
 * - `waitForAppend` is woken by one live subscription to `$all` (system events excluded), so
 *   a projection runner wakes when any process appends instead of polling.
 * - Client errors become the port's: WrongExpectedVersion, StreamDeleted (tombstone),
 *   EventLogUnavailable (unreachable, not leader, deadline, cancelled), EventLogRefused
 *   (access denied, append too large, invalid or unsupported).
 * - Every read is read to its end (maxCount bounds it): client 6.2.1's dispose() waits for every
 *   gRPC stream to finish, and a read left early never does.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  private readonly appended = new EventEmitter().setMaxListeners(0);
  private waker: Subscription | undefined;
  private closed = false;

  private constructor(private readonly client: EventStoreDBClient) {}

  static connect(connectionString: string): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString));
  }

  async append(streamName: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    try {
      const result = await this.client.appendToStream(
        streamName,
        events.map((event) =>
          jsonEvent({ id: event.eventId, type: event.type, data: event.data as JSONType, metadata: event.metadata as JSONType }),
        ),
        { expectedRevision: toEsdbRevision(expected) },
      );
      const position = result.position ?? (await this.headPosition());
      const reappended = events[0]?.metadata.commandId !== undefined && (await this.storedDiffer(streamName, events, result.nextExpectedRevision));
      return { nextRevision: result.nextExpectedRevision, position: { commit: position.commit, prepare: position.prepare }, ...(reappended ? { reappended } : {}) };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = typeof error.actualVersion === 'bigint' ? error.actualVersion : -1n;
        throw new WrongExpectedVersion(streamName, expected, actual);
      }
      throw portError(`append to ${streamName}`, error);
    }
  }

  /**
   * EventStoreDB acknowledges a repeat of event ids already in the stream like a write and does
   * not say it was one. For a command's append (its events carry the command id) the adapter
   * reads the events at the revisions the server named and compares them with what it sent: if
   * they differ, the same command ran at the same moment elsewhere and the log holds that run's
   * events — `reappended`, as the PostgreSQL log reports it (the command handler then answers
   * from the stored events). One read of a few events, only for command appends.
   */
  private async storedDiffer(streamName: string, events: readonly EventToAppend[], lastRevision: bigint): Promise<boolean> {
    const stored = await this.readStream(streamName, { fromRevision: lastRevision - BigInt(events.length) + 1n, maxCount: events.length });
    if (stored.length !== events.length) return true;
    return events.some((event, i) => {
      const mine = stored[i]!;
      return mine.eventId !== event.eventId || JSON.stringify(mine.data) !== JSON.stringify(event.data) || JSON.stringify(mine.metadata) !== JSON.stringify(event.metadata);
    });
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamName, {
        fromRevision: options.fromRevision ?? ESDB_START,
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
        direction: FORWARDS,
      })) {
        const recorded = toRecorded(resolved);
        if (recorded) events.push(recorded);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw portError(`read of ${streamName}`, error);
    }
    return events;
  }

  async readAll(from: Position, options: ReadAllOptions = {}): Promise<ReadAllPage> {
    const limit = Math.max(1, options.limit ?? 1000);
    // The head first: a page that is not full may end there, as every event up to it is scanned before CaughtUp.
    const head = await this.headPosition();
    if (comparePositions(head, from) <= 0) return { events: [], checkpoint: from };
    return new Promise<ReadAllPage>((resolve, reject) => {
      const events: RecordedEvent[] = [];
      let scannedTo = from;
      let done = false;
      const subscription = this.client.subscribeToAll({
        fromPosition: atOrStart(from),
        filter: serverFilter(options.filter, (position) => {
          if (!done && comparePositions(position, scannedTo) > 0) scannedTo = position;
        }),
      });
      const finish = (outcome: { page: ReadAllPage } | { error: unknown }) => {
        if (done) return;
        done = true;
        subscription.removeAllListeners('data');
        void subscription.unsubscribe().then(
          () => ('page' in outcome ? resolve(outcome.page) : reject(portError('read of $all', outcome.error))),
          () => ('page' in outcome ? resolve(outcome.page) : reject(portError('read of $all', outcome.error))),
        );
      };
      subscription.on('data', (resolved: AllStreamResolvedEvent) => {
        if (done) return;
        const at = positionOf(resolved);
        if (!at || comparePositions(at, from) <= 0) return;
        scannedTo = at;
        const recorded = toRecorded(resolved);
        if (recorded && matchesFilter(options.filter, recorded.streamName, recorded.type)) events.push(recorded);
        if (events.length >= limit) finish({ page: { events, checkpoint: at } });
      });
      subscription.once('caughtUp', () => finish({ page: { events, checkpoint: comparePositions(head, scannedTo) > 0 ? head : scannedTo } }));
      subscription.on('error', (error) => finish({ error }));
      subscription.once('end', () => finish({ error: new Error('the server ended the subscription before it caught up') }));
    });
  }

  subscribeToAll(handler: (event: RecordedEvent) => Promise<void>, options: SubscriptionOptions = {}): Subscription {
    return this.liveSubscription(handler, options, options.from ?? START);
  }

  async headPosition(): Promise<Position> {
    let head = START;
    try {
      // read to the end (one event), never returned from inside: a read left early keeps dispose() waiting
      for await (const resolved of this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })) {
        const position = resolved.event?.position;
        if (position) head = { commit: position.commit, prepare: position.prepare };
      }
    } catch (error) {
      throw portError('read of the head of $all', error);
    }
    return head;
  }

  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (!this.waker && !this.closed) {
      // One live subscription from the end of $all wakes every waiter of this process on any append.
      this.waker = this.liveSubscription(async () => void this.appended.emit('append'), { onError: () => this.appended.emit('append') }, 'end');
    }
    return nextAppend(this.appended, timeoutMs, signal);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.waker?.stop();
    this.appended.emit('append');
    this.appended.removeAllListeners();
    await this.client.dispose();
  }

  /**
   * The client's subscription to `$all` after `from`, handled one event at a time; after an
   * error (a dropped connection, a handler that threw) it subscribes again from the last event
   * handled or the last checkpoint, with a growing pause, until stopped.
   */
  private liveSubscription(handler: (event: RecordedEvent) => Promise<void>, options: SubscriptionOptions, start: Position | 'end'): Subscription {
    const abort = new AbortController();
    let from: Position | 'end' = start;
    let current: AllStreamSubscription | undefined;
    let caughtUp = false;
    const loop = (async () => {
      let failures = 0;
      while (!abort.signal.aborted) {
        const subscription = this.client.subscribeToAll({
          fromPosition: from === 'end' ? END : atOrStart(from),
          filter: serverFilter(options.filter, (position) => {
            if (from === 'end' || comparePositions(position, from) > 0) from = position;
          }),
        });
        current = subscription;
        // the loop below sees an error through the iterator; one raised after it has left must not go unheard
        subscription.on('error', () => {});
        subscription.once('caughtUp', () => {
          failures = 0;
          if (caughtUp) return;
          caughtUp = true;
          options.onCaughtUp?.();
        });
        try {
          for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
            if (abort.signal.aborted) break;
            const at = positionOf(resolved);
            if (!at || (from !== 'end' && comparePositions(at, from) <= 0)) continue;
            const recorded = toRecorded(resolved);
            if (recorded && matchesFilter(options.filter, recorded.streamName, recorded.type)) await handler(recorded);
            from = at;
            failures = 0;
          }
          if (!abort.signal.aborted) throw new Error('the server ended the subscription');
        } catch (error) {
          if (abort.signal.aborted) break;
          options.onError?.(portError('subscription to $all', error));
          await delay(Math.min(RESUBSCRIBE_LAST_MS, RESUBSCRIBE_FIRST_MS * 2 ** failures++), abort.signal);
        } finally {
          await subscription.unsubscribe().catch(() => {});
        }
      }
    })();
    return {
      async stop() {
        abort.abort();
        await current?.unsubscribe().catch(() => {});
        await loop;
      },
    };
  }
}

/**
 * The server-side filter for a reader's filter: event types (a regex of the exact names) when
 * it names types, else categories (a regex of `<category>-` prefixes and bare names), else
 * every event but the system's. What the server cannot combine (types and categories) the
 * adapter checks again on the client.
 */
function serverFilter(filter: AllFilter | undefined, onCheckpoint: (position: Position) => void): Filter {
  const checkpointReached = (_subscription: unknown, position: Position) => onCheckpoint({ commit: position.commit, prepare: position.prepare });
  const window = { maxSearchWindow: SEARCH_WINDOW, checkpointInterval: 1, checkpointReached };
  if (filter?.eventTypes) {
    const types = filter.eventTypes.filter((type) => !type.startsWith('$'));
    return eventTypeFilter({ regex: types.length === 0 ? '^$' : `^(?:${types.map(escapeRegex).join('|')})$`, ...window });
  }
  if (filter?.categories) {
    return streamNameFilter({ regex: filter.categories.length === 0 ? '^$' : `^(?:${filter.categories.map(escapeRegex).join('|')})(?:-|$)`, ...window });
  }
  return excludeSystemEvents(window);
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A subscription from START starts at the beginning; from any other position it delivers what follows it. */
function atOrStart(from: Position) {
  return comparePositions(from, START) === 0 ? ESDB_START : { commit: from.commit, prepare: from.prepare };
}

function positionOf(resolved: AllStreamResolvedEvent): Position | null {
  const position = resolved.event?.position ?? resolved.commitPosition;
  return position && typeof position === 'object' ? { commit: position.commit, prepare: position.prepare } : null;
}

/** The client's errors as the port's. */
function portError(operation: string, error: unknown): Error {
  if (error instanceof WrongExpectedVersion || error instanceof StreamDeleted || error instanceof EventLogUnavailable || error instanceof EventLogRefused) return error;
  if (error instanceof StreamDeletedError) return new StreamDeleted(error.streamName);
  if (error instanceof AccessDeniedError) return new EventLogRefused(operation, 'access_denied', error);
  if (error instanceof MaxAppendSizeExceededError) return new EventLogRefused(operation, 'too_large', error);
  if (error instanceof InvalidArgumentError) return new EventLogRefused(operation, 'invalid_argument', error);
  if (error instanceof UnsupportedError) return new EventLogRefused(operation, 'unsupported', error);
  if (
    error instanceof UnavailableError ||
    error instanceof NotLeaderError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof CancelledError
  ) {
    return new EventLogUnavailable(operation, error);
  }
  // UnknownError and anything the client did not classify (a connection torn mid-call): the outcome is unknown, a retry may do.
  return new EventLogUnavailable(operation, error);
}

function toEsdbRevision(expected: ExpectedRevision): AppendExpectedRevision {
  if (typeof expected === 'bigint') return expected;
  return expected === 'no_stream' ? NO_STREAM : expected === 'exists' ? STREAM_EXISTS : ANY;
}

function toRecorded(resolved: ResolvedEvent): RecordedEvent | null {
  const event = resolved.event;
  if (!event || event.type.startsWith('$') || event.streamId.startsWith('$')) return null;
  const position = event.position ?? { commit: 0n, prepare: 0n };
  return {
    streamName: event.streamId,
    revision: event.revision,
    position: { commit: position.commit, prepare: position.prepare },
    eventId: event.id,
    type: event.type,
    data: event.data,
    metadata: (event.metadata ?? {}) as RecordedEvent['metadata'],
    createdAt: event.created instanceof Date ? event.created : new Date(Number(event.created) / 10_000 - 62_135_596_800_000),
  };
}
