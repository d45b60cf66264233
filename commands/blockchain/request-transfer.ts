import { left, isLeft, type Either } from 'fp-ts/Either';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { streamOfAllowance, transferAllowanceDecider, type TransferLimits } from '../../domain/blockchain/transfer-allowance.js';
import { streamOfWalletLink, walletLinkDecider } from '../../domain/blockchain/wallet-link.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { handleCommand } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';
import { requestTask, type RequestedTask } from './request-task.js';
import { taskIdFor } from './task-id.js';
import { rawAddress } from './ton-address.js';

export interface TransferRequest {
  readonly initiator: string;
  readonly requestId: string;
  readonly userId: string;
  readonly to: string;
  readonly amount: bigint;
  readonly callbackUrl?: string;
  readonly limits: TransferLimits;
  readonly now: Date;
  readonly correlationId?: string;
}

/**
 * B-3: G2A goes out only to a wallet the user has verified, and only within the limits. The
 * reservation on the day's allowance is the invariant (one stream per day, so concurrent
 * withdrawals cannot both take the last of a limit); the task follows it. A retried request
 * finds its reservation (keyed by the task id) and its task.
 */
export async function requestTransfer(store: EventStore, request: TransferRequest): Promise<Either<DomainError, RequestedTask>> {
  const wallets = await loadAggregate(store, walletLinkDecider, streamOfWalletLink(request.userId));
  if (!wallets.state.verified.includes(rawAddress(request.to))) {
    return left(domainError('rule_violated', 'wallet.not_verified', `user ${request.userId} has not verified wallet ${request.to}`, 'to_address'));
  }
  const taskId = taskIdFor(request.initiator, request.requestId);
  const context = { commandId: `reserve:${taskId}`, correlationId: request.correlationId, actor: request.initiator, now: request.now };
  const reserved = await handleCommand(
    store,
    transferAllowanceDecider,
    streamOfAllowance(request.now),
    { type: 'Reserve', taskId, userId: request.userId, amount: request.amount, limits: request.limits, now: request.now },
    context,
    { maxRetries: 50 },
  );
  if (isLeft(reserved)) return reserved;
  const refusal = reserved.right.events.find((event) => event.type === 'TransferRefused');
  if (refusal && refusal.type === 'TransferRefused') {
    const names = { per_transfer: 'per transfer', per_user_per_day: 'per user per day', global_per_day: 'for everyone per day' } as Record<string, string>;
    return left(
      domainError('rule_violated', `limits.${refusal.data.reason}`, `the transfer of ${refusal.data.amount} exceeds the limit of ${refusal.data.limit} ${names[refusal.data.reason] ?? ''}`.trim(), 'amount'),
    );
  }
  return requestTask(store, {
    initiator: request.initiator,
    requestId: request.requestId,
    operation: { kind: 'g2a_transfer', to: request.to, amount: request.amount.toString(), userId: request.userId },
    ...(request.callbackUrl ? { callbackUrl: request.callbackUrl } : {}),
    now: request.now,
    ...(request.correlationId ? { correlationId: request.correlationId } : {}),
  });
}
