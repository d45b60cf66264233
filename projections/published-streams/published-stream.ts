import { createHash } from 'node:crypto';
import type * as t from 'io-ts';
import { formatPosition, type EventStore, type Position, type RecordedEvent } from '../../adapters/eventstore/event-store.js';
import type { DomainEvent } from '../../domain/decider.js';
import { eventTypesOf } from '../../domain/event-codec.js';
import { projectedEvents, type ProjectedEvent } from '../projection.js';

/**
 * Published streams: what a context tells other services, as stable, versioned public
 * messages — never its internal event shapes. A context declares a stream (a public name, the
 * events that go into it, and for each how it becomes a message); consumers read it over HTTP
 * (`GET /streams/{name}`, a page or Server-Sent Events: published-stream-routes.ts).
 *
 * The log is the source of truth, so a stream is read straight from `$all` with the event-type
 * filter of its mappings, each event decoded by its codec (upcast to the current version) and
 * mapped at read time; the cursor is the log position (`commit/prepare`), whose checkpoints
 * never skip an event (docs/architecture.md, "Reading $all without gaps"). No table is needed,
 * a new mapping applies to the whole history, and a message's id is derived from its event's
 * id, so a consumer that sees a message twice (at-least-once) recognises it.
 */

/** The state of an event's source stream just before and just after it (a stateful stream's `map` gets it). */
export interface FoldedState<S> {
  readonly before: S;
  readonly after: S;
}

/**
 * A stream whose messages carry more than one event holds (the full object as of a change):
 * the state of each event's source stream (its own stream in the log, e.g. `GiftCertificate-<id>`),
 * folded from that stream's first event up to this one. The platform folds it at read time —
 * still no table, still the whole history — reading each source stream once per page.
 */
export interface StreamStateFold<S> {
  /** Which source streams have a state (others map with `state` undefined). */
  readonly appliesTo: (streamName: string) => boolean;
  /** The events of a source stream that change its state (others in it are skipped). */
  readonly events: t.Type<DomainEvent, unknown, unknown>;
  readonly initial: (streamName: string) => S;
  evolve(state: S, event: ProjectedEvent<DomainEvent>): S;
}

/** One public message type: its name and version, its payload's codec, and how an event becomes it. */
export interface PublicMessage<E extends DomainEvent, D extends t.Mixed = t.Mixed, S = never> {
  /** `ticket.purchased`: `<entity>.<what happened>`, stable for consumers. */
  readonly type: string;
  /** A whole number per message type; raised when `data` changes incompatibly (old versions are never re-shaped). */
  readonly version: number;
  readonly description: string;
  /**
   * The payload's codec: `t.exact(t.type({…}))`, snake_case fields. It is the contract (it
   * documents the message in /openapi.json) and the filter: encoding drops any field it does
   * not declare, so nothing of the internal event leaks by accident.
   */
  readonly data: D;
  /**
   * The message an event stands for (subject: the entity it is about), or null when this event
   * is not one. A stream with a `state` fold passes the event's source stream's state around it.
   */
  map(event: ProjectedEvent<E>, state: FoldedState<S> | undefined): { readonly subject: string; readonly data: t.TypeOf<D> } | null;
}

/** A stream as a context declares it. */
export interface PublishedStreamDeclaration<E extends DomainEvent, S = never> {
  /** Public name, `<context>.<stream>`: `ticketing.events`. Consumers need the scope `stream:<name>`. */
  readonly name: string;
  readonly description: string;
  /** The events that go into it (`pickEvents` of the context's codecs). */
  readonly events: t.Type<E, unknown, unknown>;
  /** For every event type of `events`, its message. */
  readonly messages: { readonly [K in E['type']]: PublicMessage<Extract<E, { readonly type: K }>, t.Mixed, S> };
  /** Optional: the state folded per source stream that `map` receives (see StreamStateFold). */
  readonly state?: StreamStateFold<S>;
}

/** A declared stream, as the platform holds it. */
export interface PublishedStream<E extends DomainEvent = DomainEvent, S = never> extends PublishedStreamDeclaration<E, S> {
  /** The scope a service principal needs to read it: `stream:<name>`. */
  readonly scope: string;
  /** The `$all` filter: the event types of `events`. */
  readonly eventTypes: readonly string[];
}

/** A published stream of any events, as lists of them hold it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPublishedStream = PublishedStream<any, any>;

/** `ticketing.events`, `GiftCertificates.Stream`: what the scope `stream:<name>` can hold. */
const STREAM_NAME = /^(?=.{3,63}$)[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z][A-Za-z0-9-]*)+$/;

/** Declare a published stream; every event type of `events` must have its message. */
export function definePublishedStream<E extends DomainEvent, S = never>(declaration: PublishedStreamDeclaration<E, S>): PublishedStream<E, S> {
  if (!STREAM_NAME.test(declaration.name)) throw new Error(`published stream ${declaration.name}: the name must look like <context>.<stream>`);
  const eventTypes = eventTypesOf(declaration.events as unknown as t.Mixed);
  const mapped = new Map(Object.entries(declaration.messages as Record<string, PublicMessage<DomainEvent, t.Mixed, S>>));
  for (const type of eventTypes) if (!mapped.has(type)) throw new Error(`published stream ${declaration.name}: no message for ${type}`);
  for (const type of mapped.keys()) if (!eventTypes.includes(type)) throw new Error(`published stream ${declaration.name}: ${type} is not one of its events`);
  for (const message of mapped.values()) {
    if (!Number.isInteger(message.version) || message.version < 1) throw new Error(`published stream ${declaration.name}: ${message.type} needs a whole version ≥ 1`);
  }
  // several events may stand for one message type (one object, several ways to change it): then with one payload codec
  const payloads = new Map<string, t.Mixed>();
  for (const message of mapped.values()) {
    const key = `${message.type}.v${message.version}`;
    const seen = payloads.get(key);
    if (seen && seen !== message.data) throw new Error(`published stream ${declaration.name}: ${key} is declared with two payload codecs`);
    payloads.set(key, message.data);
  }
  return { ...declaration, scope: `stream:${declaration.name}`, eventTypes };
}

/** Every stream name once: two contexts may not publish under one name. */
export function assertDistinctStreams(streams: readonly AnyPublishedStream[]): void {
  const seen = new Set<string>();
  for (const stream of streams) {
    if (seen.has(stream.name)) throw new Error(`published stream ${stream.name} is declared twice`);
    seen.add(stream.name);
  }
}

/** The public form of one message (snake_case, as it goes over the wire). */
export interface MessageEnvelope {
  /** Stable per event (a UUID derived from the stream name and the event's id): deduplicate on it. */
  readonly id: string;
  readonly type: string;
  readonly version: number;
  /** ISO-8601 instant the event happened (the command's clock). */
  readonly occurred_at: string;
  /** The entity it is about (a gathering id, a ticket id …). */
  readonly subject: string;
  readonly data: unknown;
}

/** A message and where it sits in the stream: resume `after` its cursor to get the ones after it. */
export interface StreamMessage {
  readonly cursor: string;
  readonly envelope: MessageEnvelope;
}

export interface StreamPage {
  readonly messages: readonly StreamMessage[];
  /** Where the next read resumes: past every event scanned, never past one not yet readable. */
  readonly checkpoint: Position;
  /** True when the read reached what is readable now (nothing more to take at once). */
  readonly caughtUp: boolean;
}

/** A message id: a UUID (version 8 form) from sha-256 of the stream name and the event id. */
export function messageIdOf(streamName: string, eventId: string): string {
  const hex = createHash('sha256').update(`${streamName}\n${eventId}`, 'utf8').digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const occurredAtOf = (event: RecordedEvent): string => {
  const stated = event.metadata.occurredAt;
  return typeof stated === 'string' && !Number.isNaN(Date.parse(stated)) ? new Date(stated).toISOString() : event.createdAt.toISOString();
};

/**
 * The message of one recorded event of the stream (decoded by the stream's codec), or null when
 * it maps to none. `state`: its source stream's state around it, for a stream with a state fold.
 */
export function messageOf(stream: AnyPublishedStream, recorded: RecordedEvent, state?: FoldedState<unknown>): StreamMessage | null {
  const [event] = projectedEvents<DomainEvent>(stream, [recorded]);
  if (!event) return null;
  const message = (stream.messages as Record<string, PublicMessage<DomainEvent, t.Mixed, unknown>>)[event.type];
  if (!message) return null;
  const mapped = message.map(event, state);
  if (!mapped) return null;
  return {
    cursor: formatPosition(recorded.position),
    envelope: {
      id: messageIdOf(stream.name, recorded.eventId),
      type: message.type,
      version: message.version,
      occurred_at: occurredAtOf(recorded),
      subject: mapped.subject,
      data: message.data.encode(mapped.data),
    },
  };
}

/** How many `$all` pages one read may scan for events that map to no message before it answers with fewer. */
const MAX_SCANS = 20;

/**
 * Up to `limit` messages after `after`, in log order. Reads `$all` with the stream's event-type
 * filter; the checkpoint is the log's, so the next read (from it) neither repeats nor skips.
 * A stored event its codec refuses is a MalformedEventError (a consumer must never silently
 * miss a message).
 */
export async function readStreamPage(store: Pick<EventStore, 'readAll' | 'readStream'>, stream: AnyPublishedStream, after: Position, limit: number): Promise<StreamPage> {
  const messages: StreamMessage[] = [];
  const stateOf = stream.state ? stateReader(store, stream.state) : undefined;
  let from = after;
  for (let scan = 0; scan < MAX_SCANS; scan++) {
    const wanted = limit - messages.length;
    // The page never holds more events than messages still wanted, so the checkpoint of a full page is its last event.
    const page = await store.readAll(from, { limit: wanted, filter: { eventTypes: stream.eventTypes } });
    for (const event of page.events) {
      const state = stateOf && stream.state!.appliesTo(event.streamName) ? await stateOf(event) : undefined;
      const message = messageOf(stream, event, state);
      if (message) messages.push(message);
    }
    from = page.checkpoint;
    if (page.events.length < wanted) return { messages, checkpoint: from, caughtUp: true };
    if (messages.length >= limit) break;
  }
  return { messages, checkpoint: from, caughtUp: false };
}

/**
 * The state of an event's source stream around it: folded from the stream's start, or on from
 * where the previous event of the same stream (in this read) left it — one stream read per
 * source stream per page when its events come in order, as they do in `$all`.
 */
function stateReader(store: Pick<EventStore, 'readStream'>, fold: StreamStateFold<unknown>) {
  const stateTypes = new Set(eventTypesOf(fold.events as unknown as t.Mixed));
  const folded = new Map<string, { revision: bigint; state: unknown }>();
  const evolve = (state: unknown, recorded: RecordedEvent): unknown => {
    if (!stateTypes.has(recorded.type)) return state;
    const [event] = projectedEvents<DomainEvent>(fold, [recorded]);
    return event ? fold.evolve(state, event) : state;
  };
  return async (event: RecordedEvent): Promise<FoldedState<unknown>> => {
    let known = folded.get(event.streamName);
    if (!known || known.revision >= event.revision) known = { revision: -1n, state: fold.initial(event.streamName) };
    let before = known.state;
    if (event.revision - known.revision > 1n) {
      const earlier = await store.readStream(event.streamName, { fromRevision: known.revision + 1n, maxCount: Number(event.revision - known.revision - 1n) });
      for (const recorded of earlier) if (recorded.revision < event.revision) before = evolve(before, recorded);
    }
    const after = evolve(before, event);
    folded.set(event.streamName, { revision: event.revision, state: after });
    return { before, after };
  };
}
