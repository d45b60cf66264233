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

/** One public message type: its name and version, its payload's codec, and how an event becomes it. */
export interface PublicMessage<E extends DomainEvent, D extends t.Mixed = t.Mixed> {
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
  /** The message an event stands for (subject: the entity it is about), or null when this event is not one. */
  map(event: ProjectedEvent<E>): { readonly subject: string; readonly data: t.TypeOf<D> } | null;
}

/** A stream as a context declares it. */
export interface PublishedStreamDeclaration<E extends DomainEvent> {
  /** Public name, `<context>.<stream>`: `ticketing.events`. Consumers need the scope `stream:<name>`. */
  readonly name: string;
  readonly description: string;
  /** The events that go into it (`pickEvents` of the context's codecs). */
  readonly events: t.Type<E, unknown, unknown>;
  /** For every event type of `events`, its message. */
  readonly messages: { readonly [K in E['type']]: PublicMessage<Extract<E, { readonly type: K }>> };
}

/** A declared stream, as the platform holds it. */
export interface PublishedStream<E extends DomainEvent = DomainEvent> extends PublishedStreamDeclaration<E> {
  /** The scope a service principal needs to read it: `stream:<name>`. */
  readonly scope: string;
  /** The `$all` filter: the event types of `events`. */
  readonly eventTypes: readonly string[];
}

/** A published stream of any events, as lists of them hold it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPublishedStream = PublishedStream<any>;

/** `ticketing.events`, `GiftCertificates.Stream`: what the scope `stream:<name>` can hold. */
const STREAM_NAME = /^(?=.{3,63}$)[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z][A-Za-z0-9-]*)+$/;

/** Declare a published stream; every event type of `events` must have its message. */
export function definePublishedStream<E extends DomainEvent>(declaration: PublishedStreamDeclaration<E>): PublishedStream<E> {
  if (!STREAM_NAME.test(declaration.name)) throw new Error(`published stream ${declaration.name}: the name must look like <context>.<stream>`);
  const eventTypes = eventTypesOf(declaration.events as unknown as t.Mixed);
  const mapped = new Map(Object.entries(declaration.messages as Record<string, PublicMessage<DomainEvent>>));
  for (const type of eventTypes) if (!mapped.has(type)) throw new Error(`published stream ${declaration.name}: no message for ${type}`);
  for (const type of mapped.keys()) if (!eventTypes.includes(type)) throw new Error(`published stream ${declaration.name}: ${type} is not one of its events`);
  for (const message of mapped.values()) {
    if (!Number.isInteger(message.version) || message.version < 1) throw new Error(`published stream ${declaration.name}: ${message.type} needs a whole version ≥ 1`);
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

/** The message of one recorded event of the stream (decoded by the stream's codec), or null when it maps to none. */
export function messageOf(stream: AnyPublishedStream, recorded: RecordedEvent): StreamMessage | null {
  const [event] = projectedEvents<DomainEvent>(stream, [recorded]);
  if (!event) return null;
  const message = (stream.messages as Record<string, PublicMessage<DomainEvent>>)[event.type];
  if (!message) return null;
  const mapped = message.map(event);
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
export async function readStreamPage(store: Pick<EventStore, 'readAll'>, stream: AnyPublishedStream, after: Position, limit: number): Promise<StreamPage> {
  const messages: StreamMessage[] = [];
  let from = after;
  for (let scan = 0; scan < MAX_SCANS; scan++) {
    const wanted = limit - messages.length;
    // The page never holds more events than messages still wanted, so the checkpoint of a full page is its last event.
    const page = await store.readAll(from, { limit: wanted, filter: { eventTypes: stream.eventTypes } });
    for (const event of page.events) {
      const message = messageOf(stream, event);
      if (message) messages.push(message);
    }
    from = page.checkpoint;
    if (page.events.length < wanted) return { messages, checkpoint: from, caughtUp: true };
    if (messages.length >= limit) break;
  }
  return { messages, checkpoint: from, caughtUp: false };
}
