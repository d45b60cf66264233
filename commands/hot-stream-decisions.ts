import { left, right, type Either } from 'fp-ts/Either';
import { WrongExpectedVersion, type EventStore, type Position } from '../adapters/eventstore/event-store.js';
import type { DomainError, DomainEvent, EventSourcedDecider } from '../domain/decider.js';
import { decodeEvent } from '../domain/event-decoding.js';
import { eventsToAppend } from './event-metadata.js';

/** One command for one stream, and who asked (becomes the appended events' metadata). */
export interface HotStreamRequest<C> {
  readonly stream: string;
  readonly command: C;
  readonly correlationId?: string;
  readonly actor?: string;
}

/**
 * How a command was decided. `state` is the stream's state right after this command's own
 * events (and those of the commands decided before it in the same batch); `events` are the
 * events it produced; `position` is where the batch that carried them is in `$all` (null when
 * the command produced none: an idempotent repeat).
 */
export interface HotStreamOutcome<S, E> {
  readonly state: S;
  readonly events: readonly E[];
  readonly position: Position | null;
}

export interface HotStreamOptions<C, E, S = unknown> {
  /** The metadata `commandId` of the events a command produced (their event ids derive from it). */
  commandIdOf(command: C): string;
  /** The metadata time (`occurredAt`) of the events a command produced. */
  nowOf(command: C): Date;
  /** The answer when the stream stayed contended past `maxConflicts` (a 429: nothing happened, retry). */
  busy(): DomainError;
  /**
   * Appended events that still answer the requester with a refusal (e.g. the pool's
   * `PoolExhausted`, recorded once, answers 409). Undefined: the command succeeded.
   */
  refusalOf?(command: C, events: readonly E[]): DomainError | undefined;
  /**
   * A refusal this state gives that every later state of the stream gives too (sold out: seats
   * only go). Asked of the cached state when a request arrives: such a request is answered at
   * once, not queued behind the batch in flight. Undefined (or absent): queue as usual.
   */
  refusedForGood?(command: C, state: S): DomainError | undefined;
  /** Most commands decided and appended together (default 500). */
  readonly maxBatch?: number;
  /** Conflicts with other processes a batch survives before its requesters get `busy()` (default 100). */
  readonly maxConflicts?: number;
  /** Idle streams whose cached state is kept; past that, a stream's cache is dropped once it goes idle (default 10,000). */
  readonly maxLanes?: number;
}

interface Waiting<C, S, E> {
  readonly request: HotStreamRequest<C>;
  resolve(outcome: Either<DomainError, HotStreamOutcome<S, E>>): void;
  reject(error: unknown): void;
}

interface Known<S> {
  readonly state: S;
  /** Revision of the stream's last event folded into `state`; -1n: the stream does not exist. */
  readonly revision: bigint;
}

interface Lane<C, S, E> {
  readonly stream: string;
  readonly queue: Waiting<C, S, E>[];
  running: boolean;
  /** The stream as this process last saw it; other processes' appends arrive by catch-up. */
  known?: Known<S>;
}

/**
 * Batched decisions on a hot stream: the one algorithm for every stream that many requests
 * decide on at once — a ticket type's inventory during an on-sale rush (BatchingTicketSeller),
 * a gift-certificate pool per (nominal, currency) (BatchingPoolDecisions), one gift
 * certificate redeemed by many tills — where a plain load-decide-append per request
 * (`handleCommand`) loses most races and reloads a growing stream.
 *
 * Requests on one stream queue in this process (a lane per stream). Whatever queued while the
 * previous append was in flight (up to `maxBatch`) is decided in arrival order against the
 * cached state, each command seeing the events of those before it, and written as ONE append
 * with the expected revision: one round trip decides the whole batch, and the stream is read
 * only from where this process left it. Other processes (API instances) do the same on their
 * own; the expected revision keeps the database the single arbiter. On a conflict the lane
 * reads the events the other process appended, decides the whole batch again on the new state
 * and retries after a jittered backoff (up to 50 ms); after `maxConflicts` conflicts every
 * request of the batch is answered `busy()`. Requesters are answered only once their batch is
 * in the log, so an answer is never undone. A batch whose append throws anything else rejects
 * every request in it and drops the lane's cache.
 *
 * The answers: a decider refusal is answered as is (`left`), and nothing is appended for it;
 * a command that produced no events (an idempotent repeat) answers `right({ state, events: [],
 * position: null })`; appended events answer `right({ state, events, position })`, unless
 * `refusalOf` turns them into a refusal (events recorded, requester refused).
 *
 * Events get their ids from `commandIdOf` (`derivedEventId`), so a command decided twice
 * (a retry after a lost answer) cannot append twice. Any stream naming works: the lane is the
 * stream name, so one instance serves every stream of a decider (e.g. one lane per certificate
 * for redemptions); idle lanes past `maxLanes` are dropped (only their cache is lost).
 */
export class HotStreamDecisions<C, E extends DomainEvent, S> {
  private readonly lanes = new Map<string, Lane<C, S, E>>();
  private readonly maxBatch: number;
  private readonly maxConflicts: number;
  private readonly maxLanes: number;

  constructor(
    private readonly store: EventStore,
    private readonly decider: EventSourcedDecider<C, E, S>,
    private readonly options: HotStreamOptions<C, E, S>,
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxConflicts = options.maxConflicts ?? 100;
    this.maxLanes = options.maxLanes ?? 10_000;
  }

  /** Decides `request.command` on `request.stream`, batched with whatever else is queued on that stream. */
  decide(request: HotStreamRequest<C>): Promise<Either<DomainError, HotStreamOutcome<S, E>>> {
    const lane = this.laneOf(request.stream);
    const refused = lane.known && this.options.refusedForGood?.(request.command, lane.known.state);
    if (refused) return Promise.resolve(left(refused));
    const waiting = new Promise<Either<DomainError, HotStreamOutcome<S, E>>>((resolve, reject) => lane.queue.push({ request, resolve, reject }));
    if (!lane.running) void this.drain(lane);
    return waiting;
  }

  /** The stream's state now, caught up with every instance's appends. */
  async current(stream: string): Promise<S> {
    const lane = this.laneOf(stream);
    try {
      return (await this.catchUp(lane)).state;
    } finally {
      this.retireIfIdle(lane);
    }
  }

  private laneOf(stream: string): Lane<C, S, E> {
    let lane = this.lanes.get(stream);
    if (!lane) {
      lane = { stream, queue: [], running: false };
      this.lanes.set(stream, lane);
    }
    return lane;
  }

  private retireIfIdle(lane: Lane<C, S, E>): void {
    if (this.lanes.size > this.maxLanes && !lane.running && lane.queue.length === 0 && this.lanes.get(lane.stream) === lane) this.lanes.delete(lane.stream);
  }

  private async drain(lane: Lane<C, S, E>): Promise<void> {
    lane.running = true;
    try {
      while (lane.queue.length > 0) {
        const batch = lane.queue.splice(0, this.maxBatch);
        try {
          await this.settle(lane, batch);
        } catch (error) {
          lane.known = undefined;
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      lane.running = false;
      this.retireIfIdle(lane);
    }
  }

  private async settle(lane: Lane<C, S, E>, batch: readonly Waiting<C, S, E>[]): Promise<void> {
    for (let conflicts = 0; ; conflicts++) {
      const known = await this.catchUp(lane);
      let state = known.state;
      const toAppend: { waiting: Waiting<C, S, E>; events: readonly E[] }[] = [];
      const answers: { waiting: Waiting<C, S, E>; answer: Either<DomainError, HotStreamOutcome<S, E>>; appended: boolean }[] = [];
      for (const waiting of batch) {
        const decision = this.decider.decide(waiting.request.command, state);
        if (decision._tag === 'Left') {
          answers.push({ waiting, answer: decision, appended: false });
          continue;
        }
        const events = decision.right;
        for (const event of events) state = this.decider.evolve(state, event);
        if (events.length > 0) toAppend.push({ waiting, events });
        answers.push({ waiting, answer: right({ state, events, position: null }), appended: events.length > 0 });
      }
      let position: Position | null = null;
      if (toAppend.length > 0) {
        try {
          const appended = await this.store.append(
            lane.stream,
            toAppend.flatMap(({ waiting, events }) =>
              eventsToAppend(this.decider.events, lane.stream, events, {
                now: this.options.nowOf(waiting.request.command),
                commandId: this.options.commandIdOf(waiting.request.command),
                correlationId: waiting.request.correlationId,
                actor: waiting.request.actor,
              }),
            ),
            known.revision === -1n ? 'no_stream' : known.revision,
          );
          const expectedNext = known.revision + BigInt(toAppend.reduce((count, { events }) => count + events.length, 0));
          if (appended.nextRevision !== expectedNext) {
            // the store answered an idempotent re-append: these events (same ids) were in the log already, but not
            // where this batch would have put them — another instance appended them first, so the decision (balances,
            // remaining stock…) was made on a stale state. Read the stream afresh and decide the batch again.
            lane.known = undefined;
            if (conflicts >= this.maxConflicts) {
              for (const waiting of batch) waiting.resolve(left(this.options.busy()));
              return;
            }
            continue;
          }
          lane.known = { state, revision: appended.nextRevision };
          position = appended.position;
        } catch (error) {
          if (!(error instanceof WrongExpectedVersion)) throw error;
          if (conflicts >= this.maxConflicts) {
            for (const waiting of batch) waiting.resolve(left(this.options.busy()));
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * 2 ** conflicts)));
          continue;
        }
      }
      for (const { waiting, answer, appended } of answers) {
        if (!appended || answer._tag === 'Left') {
          waiting.resolve(answer);
          continue;
        }
        const refusal = this.options.refusalOf?.(waiting.request.command, answer.right.events);
        waiting.resolve(refusal ? left(refusal) : right({ ...answer.right, position }));
      }
      return;
    }
  }

  /** The stream up to its latest event: the cached state plus whatever others appended since. */
  private async catchUp(lane: Lane<C, S, E>): Promise<Known<S>> {
    const known = lane.known ?? { state: this.decider.initialState, revision: -1n };
    const newer = await this.store.readStream(lane.stream, { fromRevision: known.revision + 1n });
    if (newer.length === 0) return known;
    let state = known.state;
    for (const recorded of newer) state = this.decider.evolve(state, decodeEvent(this.decider.events, recorded));
    const caughtUp = { state, revision: newer[newer.length - 1]!.revision };
    // a concurrent catch-up (current() while a batch settles) may have got further: keep the newest
    if (!lane.known || lane.known.revision < caughtUp.revision) lane.known = caughtUp;
    return caughtUp;
  }
}
