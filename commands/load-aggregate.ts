import { isLeft } from 'fp-ts/Either';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import type { EventStore, RecordedEvent } from '../adapters/eventstore/event-store.js';
import { formatPosition } from '../adapters/eventstore/event-store.js';
import type { Decider, DomainEvent } from '../domain/decider.js';

/** A decider together with the codec of the events it folds. */
export interface EventSourcedDecider<C, E extends DomainEvent, S> extends Decider<C, E, S> {
  readonly events: t.Type<E, unknown, unknown>;
}

/** A stored event its codec refused: names the stream and position so an operator can find it. */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
  constructor(
    readonly event: RecordedEvent,
    readonly problems: readonly string[],
  ) {
    super(
      `malformed event ${event.type} at ${event.streamName}@${event.revision} (position ${formatPosition(event.position)}): ${problems.join('; ')}`,
    );
  }
}

export function decodeEvent<E>(codec: t.Type<E, unknown, unknown>, event: RecordedEvent): E {
  const decoded = codec.decode({ type: event.type, data: event.data });
  if (isLeft(decoded)) throw new MalformedEventError(event, PathReporter.report(decoded));
  return decoded.right;
}

export interface LoadedAggregate<E, S> {
  readonly state: S;
  /** Revision of the last event, -1n when the stream does not exist. */
  readonly revision: bigint;
  readonly recorded: readonly RecordedEvent[];
  readonly events: readonly E[];
}

export async function loadAggregate<C, E extends DomainEvent, S>(
  store: EventStore,
  decider: EventSourcedDecider<C, E, S>,
  streamName: string,
): Promise<LoadedAggregate<E, S>> {
  const recorded = await store.readStream(streamName);
  const events = recorded.map((event) => decodeEvent(decider.events, event));
  const state = events.reduce(decider.evolve, decider.initialState);
  return { state, revision: recorded.length ? recorded[recorded.length - 1]!.revision : -1n, recorded, events };
}
