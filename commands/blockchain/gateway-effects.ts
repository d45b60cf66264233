import { isLeft } from 'fp-ts/Either';
import { deliverSignedCallback } from '../../adapters/callbacks/signed-callback.js';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { blockchainTaskDecider, streamOfTask } from '../../domain/blockchain/blockchain-task.js';
import { streamOfAllowance, transferAllowanceDecider } from '../../domain/blockchain/transfer-allowance.js';
import type { Clock } from '../../platform/clock.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import { PermanentEffectFailure } from '../../sagas/outbox-worker.js';
import { DeliverCallback, MarkRetryDue, ReleaseAllowance } from './gateway-effect-kinds.js';
import { handleCommand } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';

export interface GatewayEffectDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly callbackSecret: string;
}

/** The body a gateway callback carries (snake_case, as the initiators' APIs expect). */
export function callbackBody(state: Awaited<ReturnType<typeof loadTask>>['state']) {
  if (state.status !== 'confirmed' && state.status !== 'failed') throw new PermanentEffectFailure(`task is ${state.status}: nothing to report`);
  return {
    task_id: state.taskId,
    request_id: state.requestId,
    kind: state.operation.kind,
    status: state.status,
    retry_count: state.retryCount,
    ...(state.status === 'confirmed'
      ? {
          onchain_token_id: state.result.onchainTokenId ?? null,
          tx_hash: state.result.txHash ?? null,
          message_hash: state.messageHash,
        }
      : { last_error: state.lastError }),
  };
}

const loadTask = (store: EventStore, taskId: string) => loadAggregate(store, blockchainTaskDecider, streamOfTask(taskId));

/** Outbox effects of the gateway: callbacks, giving a failed transfer's allowance back, retry timers firing. */
export function gatewayEffectHandlers(deps: GatewayEffectDependencies): EffectPerformer[] {
  return [
    performs(DeliverCallback, async ({ taskId }, { idempotencyKey }) => {
      const { state } = await loadTask(deps.store, taskId);
      if (state.status === 'none' || !state.callbackUrl) throw new PermanentEffectFailure(`task ${taskId} has no callback`);
      const response = await deliverSignedCallback({ url: state.callbackUrl, body: callbackBody(state), idempotencyKey }, deps.callbackSecret, deps.clock.now());
      const now = deps.clock.now();
      await handleCommand(deps.store, blockchainTaskDecider, streamOfTask(taskId), { type: 'RecordCallbackDelivered', httpStatus: response.status, now }, { commandId: `${idempotencyKey}:delivered`, now });
    }),
    performs(ReleaseAllowance, async ({ taskId, day }, { idempotencyKey }) => {
      const now = deps.clock.now();
      const result = await handleCommand(deps.store, transferAllowanceDecider, streamOfAllowance(new Date(day)), { type: 'Release', taskId, now }, { commandId: idempotencyKey, now }, { maxRetries: 50 });
      if (isLeft(result)) throw new PermanentEffectFailure(result.left.message);
    }),
    performs(MarkRetryDue, async ({ taskId, retryCount }, { idempotencyKey }) => {
      const now = deps.clock.now();
      const result = await handleCommand(deps.store, blockchainTaskDecider, streamOfTask(taskId), { type: 'MarkRetryDue', retryCount, now }, { commandId: idempotencyKey, now });
      if (isLeft(result)) throw new PermanentEffectFailure(result.left.message);
    }),
  ];
}
