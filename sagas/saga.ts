import type * as t from 'io-ts';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../adapters/database/database.js';
import type { DomainEvent } from '../domain/decider.js';
import type { Clock } from '../platform/clock.js';
import type { ProjectedEvent, Projection } from '../projections/projection.js';
import { enqueueEffects, type Effect } from './outbox.js';
import { fires, timerKind, type TimerFiring, type TimerKind } from './timer-kind.js';
import { cancelTimer, scheduleTimer, type DueTimer, type TimerRequest } from './timers.js';

/** What a saga decides in reaction to an event or a timer: all of it is stored in one transaction. */
export interface SagaReaction<S> {
  readonly state: S;
  /** Side effects and commands for the outbox worker (commands are effects whose handler runs a command). */
  readonly effects?: readonly Effect[];
  readonly schedule?: readonly TimerRequest[];
  readonly cancelTimers?: readonly string[];
  /**
   * Streams whose later events belong to this flow although they do not name it (an order's
   * payment transaction): from now on `flowId` returning null for an event of such a stream
   * routes it here. Stored with the state, in the same transaction.
   */
  readonly linkStreams?: readonly string[];
}

/** What a saga's timers carry: at least the flow they belong to. */
export interface SagaTimerPayload {
  readonly flowId: string;
}

/**
 * A process manager: reacts to events of several streams, keeps durable state per flow, and
 * acts only through the outbox and timers. `react` and `onTimer` are pure. It is declared with
 * the codec of the events it reacts to (`pickEvents`), so they arrive decoded and typed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Saga<S, E extends DomainEvent = any, P extends SagaTimerPayload = SagaTimerPayload> {
  readonly name: string;
  readonly events: t.Type<E, unknown, unknown>;
  /** The flow an event belongs to; null for none — unless its stream was linked to a flow (`SagaReaction.linkStreams`), then that flow. */
  flowId(event: ProjectedEvent<E>): string | null;
  /** Whether its reactions link streams to flows (`SagaReaction.linkStreams`): only then are links looked up. */
  readonly linksStreams?: boolean;
  readonly initialState: S;
  react(state: S, event: ProjectedEvent<E>, now: Date): SagaReaction<S>;
  /** The saga's own timer kind (`sagaTimer(name, payload codec)`); its timers come back to `onTimer`. */
  readonly timer?: TimerKind<P>;
  onTimer?(state: S, timer: DueTimer & { readonly payload: P }, now: Date): SagaReaction<S>;
}

/** The timer kind of saga `name` (`saga:<name>`), with the codec of what its timers carry. */
export function sagaTimer<P extends SagaTimerPayload>(name: string, payload: t.Type<P, unknown, unknown>): TimerKind<P> {
  return timerKind(`saga:${name}`, payload);
}

/**
 * Runs a saga as a projection: its reactions, its state and its checkpoint are written in one
 * transaction, so each event is reacted to exactly once even across crashes.
 */
export function sagaProjection<S, E extends DomainEvent>(saga: Saga<S, E>, clock: Clock): Projection<E> {
  return {
    name: `saga:${saga.name}`,
    events: saga.events,
    async apply(trx, events) {
      const states = new Map<string, S>();
      // only flows whose state changed are written (a reaction that only enqueues keeps its state)
      const changed = new Set<string>();
      const links = new Map<string, string | null>();
      // the batch's effects are stored with one statement at its end (same transaction, same order of keys)
      const effects: Effect[] = [];
      for (const event of events) {
        const flowId = saga.flowId(event) ?? (saga.linksStreams ? await linkedFlow(trx, saga.name, event.streamName, links) : null);
        if (flowId === null) continue;
        const state = states.get(flowId) ?? (await loadSagaState(trx, saga, flowId));
        const now = clock.now();
        const reaction = saga.react(state, event, now);
        effects.push(...(reaction.effects ?? []));
        await storeTimers(trx, reaction);
        for (const stream of reaction.linkStreams ?? []) {
          await sql`
            insert into saga_flow_links (saga, stream_name, flow_id) values (${saga.name}, ${stream}, ${flowId})
            on conflict (saga, stream_name) do nothing`.execute(trx);
          links.set(stream, flowId);
        }
        if (reaction.state !== state) changed.add(flowId);
        states.set(flowId, reaction.state);
      }
      await enqueueEffects(trx, effects, clock.now());
      for (const flowId of changed) await saveSagaState(trx, saga.name, flowId, states.get(flowId));
    },
  };
}

/** Feeds the saga's timers back into it (undefined for a saga without timers). */
export function sagaTimerFiring<S, E extends DomainEvent, P extends SagaTimerPayload>(saga: Saga<S, E, P>): TimerFiring | undefined {
  const { timer, onTimer } = saga;
  if (!timer || !onTimer) return undefined;
  return fires(timer, async (trx, due, now) => {
    const state = await loadSagaState(trx, saga, due.payload.flowId);
    const reaction = onTimer.call(saga, state, due, now);
    await storeReaction(trx, reaction, now);
    await saveSagaState(trx, saga.name, due.payload.flowId, reaction.state);
  });
}

/** The flow a stream was linked to (cached for the batch; null when none). */
async function linkedFlow(trx: Transaction<any>, saga: string, stream: string, cache: Map<string, string | null>): Promise<string | null> {
  if (cache.has(stream)) return cache.get(stream)!;
  const { rows } = await sql<{ flow_id: string }>`select flow_id from saga_flow_links where saga = ${saga} and stream_name = ${stream}`.execute(trx);
  const flow = rows[0]?.flow_id ?? null;
  cache.set(stream, flow);
  return flow;
}

async function storeReaction<S>(trx: Transaction<any>, reaction: SagaReaction<S>, now: Date): Promise<void> {
  await enqueueEffects(trx, reaction.effects ?? [], now);
  await storeTimers(trx, reaction);
}

/** Timers in the order the reaction asked (a schedule then a cancel of the same id must stay in that order). */
async function storeTimers<S>(trx: Transaction<any>, reaction: SagaReaction<S>): Promise<void> {
  for (const timer of reaction.schedule ?? []) await scheduleTimer(trx, timer);
  for (const id of reaction.cancelTimers ?? []) await cancelTimer(trx, id);
}

async function loadSagaState<S>(trx: Transaction<any>, saga: Pick<Saga<S>, 'name' | 'initialState'>, flowId: string): Promise<S> {
  const { rows } = await sql<{ state: unknown }>`
    select state from saga_state where saga = ${saga.name} and flow_id = ${flowId} for update`.execute(trx);
  const stored = rows[0]?.state;
  if (stored === undefined) return saga.initialState;
  return (typeof stored === 'string' ? JSON.parse(stored) : stored) as S;
}

async function saveSagaState(trx: Transaction<any>, saga: string, flowId: string, state: unknown): Promise<void> {
  await sql`
    insert into saga_state (saga, flow_id, state) values (${saga}, ${flowId}, ${JSON.stringify(state)}::jsonb)
    on conflict (saga, flow_id) do update set state = excluded.state, updated_at = now()`.execute(trx);
}

/** Read a flow's state (for queries and tests). */
export async function readSagaState<S>(database: Database, saga: string, flowId: string): Promise<S | undefined> {
  const { rows } = await sql<{ state: unknown }>`
    select state from saga_state where saga = ${saga} and flow_id = ${flowId}`.execute(database.db);
  const stored = rows[0]?.state;
  return stored === undefined ? undefined : ((typeof stored === 'string' ? JSON.parse(stored) : stored) as S);
}

/** Declare a saga: its event type follows from `events`, so `flowId` and `react` get them typed. */
export function defineSaga<S, E extends DomainEvent, P extends SagaTimerPayload = SagaTimerPayload>(saga: Saga<S, E, P>): Saga<S, E, P> {
  return saga;
}
