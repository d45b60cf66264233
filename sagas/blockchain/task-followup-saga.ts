import * as t from 'io-ts';
import { DeliverCallback, MarkRetryDue, ReleaseAllowance } from '../../commands/blockchain/gateway-effect-kinds.js';
import { BlockchainTaskEvent } from '../../domain/blockchain/blockchain-task-events.js';
import { taskOfStream } from '../../domain/blockchain/blockchain-task.js';
import { pickEvents } from '../../domain/event-codec.js';
import type { Effect } from '../outbox.js';
import { defineSaga, sagaTimer, type SagaReaction } from '../saga.js';

/** What the follow-up of one task remembers. */
export interface TaskFollowupState {
  readonly taskId?: string;
  readonly kind?: string;
  readonly requestedAt?: string;
  readonly callbackUrl?: string;
}

export const TASK_FOLLOWUP = 'blockchain-task-followup';
const RetryTimer = sagaTimer(TASK_FOLLOWUP, t.type({ flowId: t.string, retryCount: t.number }));

/**
 * After a task's facts: a transient failure schedules a durable retry timer (its firing marks
 * the task due again); a final status calls the initiator back through the outbox (HMAC-signed,
 * retried); a failed transfer gives its reservation back to the day's allowance.
 */
export const taskFollowupSaga = defineSaga({
  name: TASK_FOLLOWUP,
  events: pickEvents(BlockchainTaskEvent, ['BlockchainTaskRequested', 'BlockchainTaskAttemptFailed', 'BlockchainTaskConfirmed', 'BlockchainTaskFailed']),
  timer: RetryTimer,
  initialState: {} as TaskFollowupState,
  flowId: (event) => taskOfStream(event.streamName),
  react(state, event): SagaReaction<TaskFollowupState> {
    const taskId = taskOfStream(event.streamName)!;
    switch (event.type) {
      case 'BlockchainTaskRequested':
        return {
          state: {
            taskId,
            kind: event.data.operation.kind,
            requestedAt: event.data.requestedAt,
            ...(event.data.callbackUrl ? { callbackUrl: event.data.callbackUrl } : {}),
          },
        };
      case 'BlockchainTaskAttemptFailed':
        return {
          state,
          schedule: [RetryTimer.at(`blockchain-retry:${taskId}:${event.data.retryCount}`, new Date(event.data.retryAt), { flowId: taskId, retryCount: event.data.retryCount })],
        };
      case 'BlockchainTaskConfirmed':
      case 'BlockchainTaskFailed': {
        const status = event.type === 'BlockchainTaskConfirmed' ? 'confirmed' : 'failed';
        const effects: Effect[] = [];
        if (state.callbackUrl) {
          effects.push(DeliverCallback.effect(`blockchain-callback:${taskId}:${status}`, { taskId }, { correlationId: String(event.metadata.correlationId ?? '') || undefined }));
        }
        if (status === 'failed' && state.kind === 'g2a_transfer' && state.requestedAt) {
          effects.push(ReleaseAllowance.effect(`blockchain-release:${taskId}`, { taskId, day: state.requestedAt }));
        }
        return { state, effects };
      }
      default:
        return { state };
    }
  },
  onTimer(state, timer) {
    const { flowId, retryCount } = timer.payload;
    return { state, effects: [MarkRetryDue.effect(`blockchain-retry-due:${flowId}:${retryCount}`, { taskId: flowId, retryCount })] };
  },
});
