import { isDeepStrictEqual } from 'node:util';
import { left, right, isLeft, type Either } from 'fp-ts/Either';
import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import { blockchainTaskDecider, streamOfTask, type BlockchainTaskState } from '../../domain/blockchain/blockchain-task.js';
import type { Operation } from '../../domain/blockchain/operation.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { handleCommand } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';
import { taskIdFor } from './task-id.js';

export interface TaskRequest {
  readonly initiator: string;
  readonly requestId: string;
  readonly operation: Operation;
  readonly callbackUrl?: string;
  readonly resubmittedFrom?: string;
  readonly now: Date;
  readonly correlationId?: string;
}

export interface RequestedTask {
  readonly taskId: string;
  /** False when the same request had already created the task. */
  readonly created: boolean;
  readonly state: Exclude<BlockchainTaskState, { status: 'none' }>;
  readonly position: Position | null;
}

/**
 * Create the task for a caller's request, idempotently: the same request id with the same
 * parameters returns the existing task; with other parameters it is a conflict.
 */
export async function requestTask(store: EventStore, request: TaskRequest): Promise<Either<DomainError, RequestedTask>> {
  const taskId = taskIdFor(request.initiator, request.requestId);
  const stream = streamOfTask(taskId);
  const existing = await loadAggregate(store, blockchainTaskDecider, stream);
  if (existing.state.status !== 'none') return sameRequest(taskId, existing.state, request);
  const outcome = await handleCommand(
    store,
    blockchainTaskDecider,
    stream,
    { type: 'RequestTask', taskId, ...request },
    { commandId: `request:${taskId}`, correlationId: request.correlationId, actor: request.initiator, now: request.now },
  );
  if (isLeft(outcome)) {
    if (outcome.left.code !== 'task.exists') return outcome;
    const raced = await loadAggregate(store, blockchainTaskDecider, stream);
    return raced.state.status === 'none' ? outcome : sameRequest(taskId, raced.state, request);
  }
  const state = outcome.right.state;
  if (state.status === 'none') throw new Error('a requested task has state none');
  return right({ taskId, created: !outcome.right.replayed, state, position: outcome.right.position });
}

function sameRequest(taskId: string, state: Exclude<BlockchainTaskState, { status: 'none' }>, request: TaskRequest): Either<DomainError, RequestedTask> {
  if (!isDeepStrictEqual(state.operation, request.operation) || state.callbackUrl !== request.callbackUrl) {
    return left(domainError('conflict', 'request_id.reused', `request_id ${request.requestId} was already used with other parameters (task ${taskId})`, 'request_id'));
  }
  return right({ taskId, created: false, state, position: null });
}
