import type { RecordedEvent } from '../../adapters/eventstore/event-store.js';
import type { BlockchainTaskEvent } from '../../domain/blockchain/blockchain-task-events.js';
import type { Saga, SagaReaction } from '../saga.js';

/** What the follow-up of one task remembers. */
export interface TaskFollowupState {
  readonly taskId?: string;
  readonly kind?: string;
  readonly requestedAt?: string;
  readonly callbackUrl?: string;
}

export const TASK_FOLLOWUP = 'blockchain-task-followup';

/**
 * After a task's facts: a transient failure schedules a durable retry timer (its firing marks
 * the task due again); a final status calls the initiator back through the outbox (HMAC-signed,
 * retried); a failed transfer gives its reservation back to the day's allowance.
 */
export const taskFollowupSaga: Saga<TaskFollowupState> = {
  name: TASK_FOLLOWUP,
  eventTypes: ['BlockchainTaskRequested', 'BlockchainTaskAttemptFailed', 'BlockchainTaskConfirmed', 'BlockchainTaskFailed'],
  initialState: {},
  flowId: (event: RecordedEvent) => (event.streamName.startsWith('BlockchainTask-') ? event.streamName.slice('BlockchainTask-'.length) : null),
  react(state, recorded): SagaReaction<TaskFollowupState> {
    const event = { type: recorded.type, data: recorded.data } as BlockchainTaskEvent;
    const taskId = recorded.streamName.slice('BlockchainTask-'.length);
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
          schedule: [
            {
              id: `blockchain-retry:${taskId}:${event.data.retryCount}`,
              kind: 'saga:' + TASK_FOLLOWUP,
              dueAt: new Date(event.data.retryAt),
              payload: { flowId: taskId, retryCount: event.data.retryCount },
            },
          ],
        };
      case 'BlockchainTaskConfirmed':
      case 'BlockchainTaskFailed': {
        const status = event.type === 'BlockchainTaskConfirmed' ? 'confirmed' : 'failed';
        const effects = [];
        if (state.callbackUrl) {
          effects.push({ idempotencyKey: `blockchain-callback:${taskId}:${status}`, kind: 'blockchain.callback', payload: { taskId }, correlationId: String(recorded.metadata.correlationId ?? '') || undefined });
        }
        if (status === 'failed' && state.kind === 'g2a_transfer' && state.requestedAt) {
          effects.push({ idempotencyKey: `blockchain-release:${taskId}`, kind: 'blockchain.release-allowance', payload: { taskId, day: state.requestedAt } });
        }
        return { state, effects };
      }
      default:
        return { state };
    }
  },
  onTimer(state, timer) {
    const { flowId, retryCount } = timer.payload as { flowId: string; retryCount: number };
    return {
      state,
      effects: [{ idempotencyKey: `blockchain-retry-due:${flowId}:${retryCount}`, kind: 'blockchain.mark-retry-due', payload: { taskId: flowId, retryCount } }],
    };
  },
};
