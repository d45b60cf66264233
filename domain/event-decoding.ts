import { isLeft } from 'fp-ts/Either';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import { eventSchemas } from './event-codec.js';

/** What decoding needs of a stored event (the event log's RecordedEvent has all of it). */
export interface StoredEvent {
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: { readonly schemaVersion?: unknown } | Readonly<Record<string, unknown>>;
  readonly streamName: string;
  readonly revision: bigint;
  readonly position: { readonly commit: bigint; readonly prepare: bigint };
}

/** A stored event its codec refused: names the stream, revision and position so an operator can find it. */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
  constructor(
    readonly event: StoredEvent,
    readonly problems: readonly string[],
  ) {
    super(
      `malformed event ${event.type} at ${event.streamName}@${event.revision} (position ${event.position.commit}/${event.position.prepare}): ${problems.join('; ')}`,
    );
  }
}

/**
 * The typed event a stored one stands for: its data upcast from the stored `schemaVersion`
 * (1 when absent) to the codec's current version, then decoded. An unknown type, a version
 * newer than this build knows, or data the codec refuses is a MalformedEventError.
 */
export function decodeEvent<E>(codec: t.Type<E, unknown, unknown>, event: StoredEvent): E {
  const schema = eventSchemas(codec as unknown as t.Mixed).get(event.type);
  if (!schema) throw new MalformedEventError(event, [`${event.type} is not an event this reader knows`]);
  const stored = Number((event.metadata as { schemaVersion?: unknown } | undefined)?.schemaVersion ?? 1);
  if (!Number.isInteger(stored) || stored < 1) throw new MalformedEventError(event, [`schemaVersion ${String(stored)} is not a version`]);
  if (stored > schema.version) {
    throw new MalformedEventError(event, [`written as v${stored} by a newer build; this one reads ${event.type} up to v${schema.version}`]);
  }
  let data = event.data;
  try {
    for (let version = stored; version < schema.version; version++) data = schema.upcasters[version]!(data);
  } catch (error) {
    throw new MalformedEventError(event, [`upcasting from v${stored} failed: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const decoded = codec.decode({ type: event.type, data });
  if (isLeft(decoded)) throw new MalformedEventError(event, PathReporter.report(decoded));
  return decoded.right;
}
