import { sql, type Transaction } from 'kysely';
import type { Database } from '../adapters/database/database.js';
import type { RecordedEvent } from '../adapters/eventstore/event-store.js';
import type { Projection } from '../projections/projection.js';
import type { Clock } from '../platform/clock.js';
import { enqueueEffect, type Effect } from './outbox.js';
import { cancelTimer, scheduleTimer, type DueTimer, type TimerHandler, type TimerRequest } from './timers.js';

/** What a saga decides in reaction to an event or a timer: all of it is stored in one transaction. */
export interface SagaReaction<S> {
  readonly state: S;
  /** Side effects and commands for the outbox worker (commands are effects whose handler runs a command). */
  readonly effects?: readonly Effect[];
  readonly schedule?: readonly TimerRequest[];
  readonly cancelTimers?: readonly string[];
}

/**
 * A process manager: reacts to events of several streams, keeps durable state per flow, and
 * acts only through the outbox and timers. `react` and `onTimer` are pure.
 */
export interface Saga<S> {
  readonly name: string;
  readonly eventTypes: readonly string[];
  /** The flow an event belongs to; null to ignore the event. */
  flowId(event: RecordedEvent): string | null;
  readonly initialState: S;
  react(state: S, event: RecordedEvent, now: Date): SagaReaction<S>;
  /** Timers of kind `saga:<name>` come back here with the flow id in their payload. */
  onTimer?(state: S, timer: DueTimer, now: Date): SagaReaction<S>;
}

/**
 * Runs a saga as a projection: its reactions, its state and its checkpoint are written in one
 * transaction, so each event is reacted to exactly once even across crashes.
 */
export function sagaProjection<S>(saga: Saga<S>, clock: Clock): Projection {
  return {
    name: `saga:${saga.name}`,
    eventTypes: saga.eventTypes,
    async apply(trx, events) {
      const states = new Map<string, S>();
      for (const event of events) {
        const flowId = saga.flowId(event);
        if (flowId === null) continue;
        const state = states.get(flowId) ?? (await loadSagaState(trx, saga, flowId));
        const now = clock.now();
        const reaction = saga.react(state, event, now);
        await storeReaction(trx, reaction, now);
        states.set(flowId, reaction.state);
      }
      for (const [flowId, state] of states) await saveSagaState(trx, saga.name, flowId, state);
    },
  };
}

/** The timer handler that feeds `saga:<name>` timers back into the saga. */
export function sagaTimerHandler<S>(saga: Saga<S>): TimerHandler {
  return async (trx, timer, now) => {
    if (!saga.onTimer) return;
    const flowId = String((timer.payload as { flowId?: unknown }).flowId);
    const state = await loadSagaState(trx, saga, flowId);
    const reaction = saga.onTimer(state, timer, now);
    await storeReaction(trx, reaction, now);
    await saveSagaState(trx, saga.name, flowId, reaction.state);
  };
}

export function sagaTimerKind(saga: Pick<Saga<unknown>, 'name'>): string {
  return `saga:${saga.name}`;
}

async function storeReaction<S>(trx: Transaction<any>, reaction: SagaReaction<S>, now: Date): Promise<void> {
  for (const effect of reaction.effects ?? []) await enqueueEffect(trx, effect, now);
  for (const timer of reaction.schedule ?? []) await scheduleTimer(trx, timer);
  for (const id of reaction.cancelTimers ?? []) await cancelTimer(trx, id);
}

async function loadSagaState<S>(trx: Transaction<any>, saga: Saga<S>, flowId: string): Promise<S> {
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
