import * as t from 'io-ts';
import { FailWithdrawal, HoldWithdrawal, ReleaseWithdrawalHold, SendWithdrawal, SettleWithdrawal } from '../../commands/rewards/withdrawal-effect-kinds.js';
import { BlockchainTaskEvent } from '../../domain/blockchain/blockchain-task-events.js';
import { taskOfStream } from '../../domain/blockchain/blockchain-task.js';
import { pickEvents } from '../../domain/event-codec.js';
import { G2aWithdrawalEvent } from '../../domain/rewards/g2a-withdrawal.js';
import type { Effect } from '../outbox.js';
import { defineSaga } from '../saga.js';

export const WITHDRAWAL_SAGA = 'rewards-withdrawal';

export const WithdrawalSagaEvents = pickEvents(t.union([G2aWithdrawalEvent, BlockchainTaskEvent]), [
  'G2aWithdrawalRequested',
  'G2aWithdrawalHeld',
  'G2aWithdrawalFailed',
  'BlockchainTaskConfirmed',
  'BlockchainTaskFailed',
]);

/** One withdrawal as the saga keeps it: who, and the effects it enqueued (no address, no amount). */
export interface WithdrawalSagaState {
  readonly withdrawalId?: string;
  readonly userId?: string;
  readonly emitted: readonly string[];
}

/**
 * A G2A withdrawal's flow (issue 14, item 7; seed 000 §2 stage 2), one per withdrawal:
 * requested → (link the gateway's task stream, known before asking; hold — the route holds at
 * once, the effect finishes a hold a crash interrupted) → held → the gateway is asked for the
 * transfer → its task's `BlockchainTaskConfirmed` settles the hold and completes the withdrawal;
 * `BlockchainTaskFailed` (permanent, or the last retry — the gateway's transient failures are
 * `BlockchainTaskAttemptFailed` and not seen here) fails it; a failed withdrawal that held its
 * amount has its hold released. The stream is linked when the withdrawal is requested, in the
 * same transaction that enqueues the first effect, so no event of the task comes before the link.
 */
export const withdrawalSaga = defineSaga<WithdrawalSagaState, t.TypeOf<typeof WithdrawalSagaEvents>>({
  name: WITHDRAWAL_SAGA,
  events: WithdrawalSagaEvents,
  linksStreams: true,
  initialState: { emitted: [] },
  flowId: (event) => (event.type.startsWith('G2aWithdrawal') ? (event.data as { withdrawalId: string }).withdrawalId : null),
  react(state, event) {
    const once = (effect: Effect, next: WithdrawalSagaState = state) =>
      next.emitted.includes(effect.idempotencyKey) ? { state: next } : { state: { ...next, emitted: [...next.emitted, effect.idempotencyKey] }, effects: [effect] };
    switch (event.type) {
      case 'G2aWithdrawalRequested': {
        const { withdrawalId, userId, taskStream } = event.data;
        const next = { ...state, withdrawalId, userId };
        return { ...once(HoldWithdrawal.effect(`withdrawal-hold:${withdrawalId}`, { withdrawalId }, { correlationId: withdrawalId }), next), linkStreams: [taskStream] };
      }
      case 'G2aWithdrawalHeld':
        return once(SendWithdrawal.effect(`withdrawal-send:${event.data.withdrawalId}`, { withdrawalId: event.data.withdrawalId }, { correlationId: event.data.withdrawalId }));
      case 'G2aWithdrawalFailed':
        if (!event.data.wasHeld || state.userId === undefined) return { state };
        return once(ReleaseWithdrawalHold.effect(`withdrawal-release:${event.data.withdrawalId}`, { withdrawalId: event.data.withdrawalId, userId: state.userId }, { correlationId: event.data.withdrawalId }));
      case 'BlockchainTaskConfirmed': {
        const taskId = taskOfStream(event.streamName);
        if (state.withdrawalId === undefined || taskId === null) return { state };
        return once(SettleWithdrawal.effect(`withdrawal-settle:${state.withdrawalId}`, { withdrawalId: state.withdrawalId, taskId, txHash: event.data.result.txHash ?? null }, { correlationId: state.withdrawalId }));
      }
      case 'BlockchainTaskFailed': {
        const taskId = taskOfStream(event.streamName);
        if (state.withdrawalId === undefined || taskId === null) return { state };
        return once(FailWithdrawal.effect(`withdrawal-fail:${state.withdrawalId}`, { withdrawalId: state.withdrawalId, taskId, error: event.data.error }, { correlationId: state.withdrawalId }));
      }
    }
  },
});
