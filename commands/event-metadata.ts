import { randomUUID } from 'node:crypto';
import { derivedUuid } from './derived-uuid.js';
import type * as t from 'io-ts';
import type { EventMetadata, EventToAppend } from '../adapters/eventstore/event-store.js';
import type { DomainEvent } from '../domain/decider.js';
import { personalFieldsOf, schemaVersionOf } from '../domain/event-codec.js';

/** Who asked, why, when (always the injected clock's `now`) and which command this is: becomes the events' metadata. */
export interface AppendContext {
  readonly now: Date;
  readonly correlationId?: string | undefined;
  readonly causationId?: string | undefined;
  /**
   * A stable id for this command. Commands issued by sagas always carry one: a retried
   * command whose events are already in the stream returns them instead of deciding again,
   * and its events get ids derived from it (so a re-append is a no-op in the log).
   */
  readonly commandId?: string | undefined;
  readonly actor?: string | undefined;
}

/**
 * The one place an append's events get their ids and metadata, for every append path (the
 * command handler, the batching seller, ticket issue …): `schemaVersion` is each event type's
 * current version in `codec`, `occurredAt` the context's `now`, and `personal` names the
 * fields the codec marks as a person's data and whose (the store encrypts them).
 */
export function eventsToAppend<E extends DomainEvent>(
  codec: t.Type<E, unknown, unknown>,
  streamName: string,
  events: readonly E[],
  context: AppendContext,
  eventIdOf: (index: number) => string = (index) => (context.commandId ? derivedEventId(context.commandId, streamName, index) : randomUUID()),
): EventToAppend[] {
  return events.map((event, index) => ({
    eventId: eventIdOf(index),
    type: event.type,
    data: event.data,
    metadata: metadataOf(context, schemaVersionOf(codec as unknown as t.Mixed, event.type), personalFieldsOf(codec as unknown as t.Mixed, event.type, event.data)),
  }));
}

function metadataOf(context: AppendContext, schemaVersion: number, personal: { readonly subject: string; readonly fields: readonly string[] } | undefined): EventMetadata {
  const metadata: Record<string, unknown> = { schemaVersion, occurredAt: context.now.toISOString() };
  // The event store encrypts these fields with the subject's key before they reach the log.
  if (personal) metadata.personal = { subject: personal.subject, fields: [...personal.fields] };
  if (context.correlationId) metadata.correlationId = context.correlationId;
  if (context.causationId) metadata.causationId = context.causationId;
  if (context.commandId) metadata.commandId = context.commandId;
  if (context.actor) metadata.actor = context.actor;
  return metadata;
}

/** A UUID (version 8, name-based) derived from the command id, stream and index. */
export function derivedEventId(commandId: string, streamName: string, index: number): string {
  return derivedUuid(commandId, streamName, String(index));
}
