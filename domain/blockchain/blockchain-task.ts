import { left, right } from 'fp-ts/Either';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { BlockchainTaskEvent } from './blockchain-task-events.js';
import { operationProblem, type OnchainResult, type Operation } from './operation.js';

/**
 * BlockchainTask: one on-chain operation requested by a caller (B-1…B-6).
 * pending → sent → confirmed | failed; a transient failure returns it to pending with
 * retry_count + 1 and a retry time; a permanent one (or too many retries) fails it.
 * It is never sent twice: `RecordSent` is refused unless the task is pending and due.
 */
export type BlockchainTaskState =
  | { readonly status: 'none' }
  | (TaskFacts & { readonly status: 'pending'; readonly due: boolean })
  | (TaskFacts & { readonly status: 'sent'; readonly messageHash: string; readonly validUntil: number; readonly messageBoc: string; readonly seqno: string })
  | (TaskFacts & { readonly status: 'confirmed'; readonly messageHash: string; readonly result: OnchainResult })
  | (TaskFacts & { readonly status: 'failed'; readonly lastError: string });

interface TaskFacts {
  readonly taskId: string;
  readonly requestId: string;
  readonly initiator: string;
  readonly operation: Operation;
  readonly callbackUrl?: string;
  readonly retryCount: number;
  readonly attempts: number;
  readonly lastError?: string;
  readonly callbackDelivered?: boolean;
}

export type BlockchainTaskCommand =
  | {
      readonly type: 'RequestTask';
      readonly taskId: string;
      readonly requestId: string;
      readonly initiator: string;
      readonly operation: Operation;
      readonly callbackUrl?: string;
      readonly resubmittedFrom?: string;
      readonly now: Date;
    }
  | {
      readonly type: 'RecordSent';
      readonly messageHash: string;
      readonly seqno: string;
      readonly validUntil: number;
      readonly messageBoc: string;
      readonly itemIndex?: string;
      readonly actions?: readonly number[];
      readonly now: Date;
    }
  | { readonly type: 'Confirm'; readonly messageHash: string; readonly result: OnchainResult; readonly now: Date }
  | { readonly type: 'RecordTransientFailure'; readonly error: string; readonly maxRetries: number; readonly retryAt: Date; readonly now: Date }
  | { readonly type: 'RecordPermanentFailure'; readonly error: string; readonly now: Date }
  | { readonly type: 'MarkRetryDue'; readonly retryCount: number; readonly now: Date }
  | { readonly type: 'RecordCallbackDelivered'; readonly httpStatus: number; readonly now: Date };

export const streamOfTask = (taskId: string): string => `BlockchainTask-${taskId}`;
/** The task a `BlockchainTask-<id>` stream holds; null for any other stream. */
export const taskOfStream = (streamName: string): string | null => (streamName.startsWith('BlockchainTask-') ? streamName.slice('BlockchainTask-'.length) : null);

export const blockchainTaskDecider: EventSourcedDecider<BlockchainTaskCommand, BlockchainTaskEvent, BlockchainTaskState> = {
  events: BlockchainTaskEvent,
  initialState: { status: 'none' },

  decide(command, state) {
    if (command.type === 'RequestTask') {
      if (state.status !== 'none') return left(domainError('conflict', 'task.exists', `task ${command.taskId} already exists`));
      // What no contract message could carry never enters the log (the edge refuses it first).
      const problem = operationProblem(command.operation);
      if (problem) {
        const field = problem.field === 'amount' ? 'amount' : 'old_token_id';
        return left(domainError('rule_violated', 'task.operation_unencodable', `${field} ${problem.message}`, field));
      }
      return right([
        {
          type: 'BlockchainTaskRequested',
          data: {
            taskId: command.taskId,
            requestId: command.requestId,
            initiator: command.initiator,
            operation: command.operation,
            requestedAt: command.now.toISOString(),
            ...(command.callbackUrl ? { callbackUrl: command.callbackUrl } : {}),
            ...(command.resubmittedFrom ? { resubmittedFrom: command.resubmittedFrom } : {}),
          },
        },
      ]);
    }
    if (state.status === 'none') return left(domainError('not_found', 'task.not_found', 'no such task'));
    switch (command.type) {
      case 'RecordSent':
        if (state.status === 'sent' && state.messageHash === command.messageHash) return right([]);
        if (state.status !== 'pending' || !state.due) {
          return left(domainError('conflict', 'task.not_sendable', `task ${state.taskId} is ${state.status}${state.status === 'pending' ? ' and waits for its retry time' : ''}`));
        }
        return right([
          {
            type: 'BlockchainTaskSent',
            data: {
              attempt: state.attempts + 1,
              messageHash: command.messageHash,
              seqno: command.seqno,
              validUntil: command.validUntil,
              messageBoc: command.messageBoc,
              sentAt: command.now.toISOString(),
              ...(command.itemIndex !== undefined ? { itemIndex: command.itemIndex } : {}),
              ...(command.actions !== undefined ? { actions: [...command.actions] } : {}),
            },
          },
        ]);
      case 'Confirm':
        if (state.status === 'confirmed' && state.messageHash === command.messageHash) return right([]);
        if (state.status !== 'sent' || state.messageHash !== command.messageHash) {
          return left(domainError('conflict', 'task.not_sent_with_message', `task ${state.taskId} has no sent message ${command.messageHash}`));
        }
        return right([{ type: 'BlockchainTaskConfirmed', data: { messageHash: command.messageHash, result: command.result, confirmedAt: command.now.toISOString() } }]);
      case 'RecordTransientFailure': {
        if (state.status !== 'pending' && state.status !== 'sent') return left(domainError('conflict', 'task.finished', `task ${state.taskId} is ${state.status}`));
        const retryCount = state.retryCount + 1;
        if (retryCount > command.maxRetries) {
          return right([
            { type: 'BlockchainTaskFailed', data: { error: `gave up after ${state.retryCount} retries: ${command.error}`, permanent: false, retryCount: state.retryCount, failedAt: command.now.toISOString() } },
          ]);
        }
        return right([
          {
            type: 'BlockchainTaskAttemptFailed',
            data: { attempt: state.attempts, error: command.error, retryCount, retryAt: command.retryAt.toISOString(), failedAt: command.now.toISOString() },
          },
        ]);
      }
      case 'RecordPermanentFailure':
        if (state.status !== 'pending' && state.status !== 'sent') return left(domainError('conflict', 'task.finished', `task ${state.taskId} is ${state.status}`));
        return right([{ type: 'BlockchainTaskFailed', data: { error: command.error, permanent: true, retryCount: state.retryCount, failedAt: command.now.toISOString() } }]);
      case 'MarkRetryDue':
        if (state.status !== 'pending' || state.due || state.retryCount !== command.retryCount) return right([]);
        return right([{ type: 'BlockchainTaskRetryDue', data: { retryCount: command.retryCount, dueAt: command.now.toISOString() } }]);
      case 'RecordCallbackDelivered':
        if (state.status !== 'confirmed' && state.status !== 'failed') return left(domainError('conflict', 'task.not_finished', `task ${state.taskId} is ${state.status}`));
        if (state.callbackDelivered) return right([]);
        return right([{ type: 'BlockchainTaskCallbackDelivered', data: { status: state.status, httpStatus: command.httpStatus, deliveredAt: command.now.toISOString() } }]);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'BlockchainTaskRequested':
        return {
          status: 'pending',
          due: true,
          taskId: event.data.taskId,
          requestId: event.data.requestId,
          initiator: event.data.initiator,
          operation: event.data.operation,
          ...(event.data.callbackUrl ? { callbackUrl: event.data.callbackUrl } : {}),
          retryCount: 0,
          attempts: 0,
        };
      case 'BlockchainTaskSent':
        if (state.status === 'none') return state;
        return { ...facts(state), status: 'sent', attempts: event.data.attempt, messageHash: event.data.messageHash, validUntil: event.data.validUntil, messageBoc: event.data.messageBoc, seqno: event.data.seqno };
      case 'BlockchainTaskConfirmed':
        if (state.status === 'none') return state;
        return { ...facts(state), status: 'confirmed', messageHash: event.data.messageHash, result: event.data.result };
      case 'BlockchainTaskAttemptFailed':
        if (state.status === 'none') return state;
        return { ...facts(state), status: 'pending', due: false, retryCount: event.data.retryCount, lastError: event.data.error };
      case 'BlockchainTaskRetryDue':
        return state.status === 'pending' ? { ...state, due: true } : state;
      case 'BlockchainTaskFailed':
        if (state.status === 'none') return state;
        return { ...facts(state), status: 'failed', lastError: event.data.error };
      case 'BlockchainTaskCallbackDelivered':
        return state.status === 'none' ? state : { ...state, callbackDelivered: true };
    }
  },
};

function facts(state: Exclude<BlockchainTaskState, { status: 'none' }>): TaskFacts {
  return {
    taskId: state.taskId,
    requestId: state.requestId,
    initiator: state.initiator,
    operation: state.operation,
    ...(state.callbackUrl ? { callbackUrl: state.callbackUrl } : {}),
    retryCount: state.retryCount,
    attempts: state.attempts,
    ...(state.lastError ? { lastError: state.lastError } : {}),
    ...(state.callbackDelivered ? { callbackDelivered: true } : {}),
  };
}
