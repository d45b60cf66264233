import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START as ESDB_START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type AppendExpectedRevision,
  type JSONType,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  START,
  WrongExpectedVersion,
  comparePositions,
  matchesFilter,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type Position,
  type ReadAllOptions,
  type ReadAllPage,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscriptionOptions,
} from '../event-store.js';
import { delay } from '../../../platform/delay.js';
import { subscribeByPolling } from '../polling-subscription.js';

/**
 * The event log in EventStoreDB (selected by EVENTSTORE_URL). Positions are ESDB's own
 * (commit, prepare). `$all` reads skip system events (`$`-prefixed types and streams) and
 * filter by category / type on the client, so the checkpoint can move past filtered events.
 * `readAll` treats `fromPosition` as possibly inclusive and drops the event at the position.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly pollMs: number,
  ) {}

  static connect(connectionString: string, pollMs = 100): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString), pollMs);
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
      return { nextRevision: result.nextExpectedRevision, position: { commit: position.commit, prepare: position.prepare } };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = typeof error.actualVersion === 'bigint' ? error.actualVersion : -1n;
        throw new WrongExpectedVersion(streamName, expected, actual);
      }
      throw error;
    }
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
      throw error;
    }
    return events;
  }

  async readAll(from: Position, options: ReadAllOptions = {}): Promise<ReadAllPage> {
    const limit = options.limit ?? 1000;
    const events: RecordedEvent[] = [];
    let checkpoint = from;
    let scanned = 0;
    const fromPosition = comparePositions(from, START) === 0 ? ESDB_START : { commit: from.commit, prepare: from.prepare };
    for await (const resolved of this.client.readAll({ fromPosition, maxCount: limit + 1, direction: FORWARDS })) {
      const position = resolved.event?.position ?? resolved.commitPosition;
      const at = position && typeof position === 'object' ? { commit: position.commit, prepare: position.prepare } : null;
      if (!at || comparePositions(at, from) <= 0) continue;
      const recorded = toRecorded(resolved);
      if (events.length >= limit || scanned >= limit) continue; // read to the end (maxCount bounds it): a read left early keeps dispose() waiting
      scanned++;
      checkpoint = at;
      if (recorded && matchesFilter(options.filter, recorded.streamName, recorded.type)) events.push(recorded);
    }
    return { events, checkpoint };
  }

  subscribeToAll(handler: (event: RecordedEvent) => Promise<void>, options?: SubscriptionOptions) {
    return subscribeByPolling(this, handler, options, this.pollMs);
  }

  async headPosition(): Promise<Position> {
    let head = START;
    // read to the end (one event), never returned from inside: a read left early keeps dispose() waiting
    for await (const resolved of this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })) {
      const position = resolved.event?.position;
      if (position) head = { commit: position.commit, prepare: position.prepare };
    }
    return head;
  }

  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return delay(timeoutMs, signal);
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
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
