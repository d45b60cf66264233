import { left, right, isLeft, type Either } from 'fp-ts/Either';
import { WrongExpectedVersion, type EventStore, type Position } from '../adapters/eventstore/event-store.js';
import type { DomainError, DomainEvent } from '../domain/decider.js';
import type { EventSourcedDecider } from '../domain/decider.js';
import { eventsToAppend, type AppendContext } from './event-metadata.js';
import { loadAggregate } from './load-aggregate.js';

export { derivedEventId } from './event-metadata.js';

/** Who asked, why, when and which command this is (see AppendContext). */
export type CommandContext = AppendContext;

export interface CommandOutcome<E, S> {
  readonly events: readonly E[];
  readonly state: S;
  /** Stream revision after the command (-1n: the stream still does not exist). */
  readonly revision: bigint;
  /** Position of the last event in `$all`; null when the command produced no events. */
  readonly position: Position | null;
  /** True when the command had already been handled (same commandId). */
  readonly replayed: boolean;
}

export interface CommandHandlerOptions {
  /** Attempts after a WrongExpectedVersion before giving up (default 10). */
  readonly maxRetries?: number;
}

export class ConcurrencyExhausted extends Error {
  override readonly name = 'ConcurrencyExhausted';
  constructor(readonly streamName: string, readonly attempts: number) {
    super(`stream ${streamName}: gave up after ${attempts} concurrent-write retries`);
  }
}

/**
 * Load → fold → decide → append with the expected revision; on WrongExpectedVersion reload
 * and decide again, a bounded number of times with jittered exponential backoff.
 */
export async function handleCommand<C, E extends DomainEvent, S>(
  store: EventStore,
  decider: EventSourcedDecider<C, E, S>,
  streamName: string,
  command: C,
  context: CommandContext,
  options: CommandHandlerOptions = {},
): Promise<Either<DomainError, CommandOutcome<E, S>>> {
  const maxRetries = options.maxRetries ?? 10;
  for (let attempt = 0; ; attempt++) {
    const loaded = await loadAggregate(store, decider, streamName);
    if (context.commandId) {
      const earlier = loaded.recorded.filter((event) => event.metadata.commandId === context.commandId);
      if (earlier.length > 0) {
        const last = earlier[earlier.length - 1]!;
        const events = earlier.map((event) => loaded.events[loaded.recorded.indexOf(event)]!);
        return right({ events, state: loaded.state, revision: loaded.revision, position: last.position, replayed: true });
      }
    }
    const decision = decider.decide(command, loaded.state);
    if (isLeft(decision)) return left(decision.left);
    const events = decision.right;
    if (events.length === 0) {
      return right({ events, state: loaded.state, revision: loaded.revision, position: null, replayed: false });
    }
    const toAppend = eventsToAppend(decider.events, streamName, events, context);
    try {
      const result = await store.append(streamName, toAppend, loaded.revision === -1n ? 'no_stream' : loaded.revision);
      // the same command ran at the same moment elsewhere and its events are the ones in the log: read
      // them (the next round finds them by command id) rather than answer from this round's decision
      if (result.reappended && context.commandId && attempt < maxRetries) continue;
      const state = events.reduce(decider.evolve, loaded.state);
      return right({ events, state, revision: result.nextRevision, position: result.position, replayed: false });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion)) throw error;
      if (attempt >= maxRetries) throw new ConcurrencyExhausted(streamName, attempt + 1);
      await backoff(attempt);
    }
  }
}

function backoff(attempt: number): Promise<void> {
  const cap = Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
}
