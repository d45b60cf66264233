import type { EventStore, RecordedEvent } from '../adapters/eventstore/event-store.js';
import type { DomainEvent, EventSourcedDecider } from '../domain/decider.js';
import { decodeEvent } from '../domain/event-decoding.js';

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
