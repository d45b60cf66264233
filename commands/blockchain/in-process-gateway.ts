import { isLeft, type Either } from 'fp-ts/Either';
import type { SystemDependencies } from '../../adapters/app/context-module.js';
import { streamOfTask } from '../../domain/blockchain/blockchain-task.js';
import type { Operation } from '../../domain/blockchain/operation.js';
import { streamOfWalletLink, walletLinkDecider } from '../../domain/blockchain/wallet-link.js';
import type { DomainError } from '../../domain/decider.js';
import { waitForProjection } from '../../projections/checkpoints.js';
import { badgeQueries } from '../../projections/blockchain/task-projection.js';
import type { BlockchainGateway, GatewayAnswer } from '../rewards/ports/blockchain-gateway.js';
import { loadAggregate } from '../load-aggregate.js';
import { mayRetireBadge } from './badge-retirement.js';
import { requestTask, type RequestedTask } from './request-task.js';
import { requestTransfer } from './request-transfer.js';
import { taskIdFor } from './task-id.js';

/** The initiator the gateway records for Connect's tasks (no HTTP principal can have this form). */
export const CONNECT_INITIATOR = 'context:connect';

function answer(result: Either<DomainError, RequestedTask>): GatewayAnswer {
  if (isLeft(result)) return { kind: 'refused', code: result.left.code, message: result.left.message };
  return { taskId: result.right.taskId, taskStream: streamOfTask(result.right.taskId), status: result.right.state.status };
}

/**
 * The Blockchain Gateway for Connect in the same process (the port
 * `commands/rewards/ports/blockchain-gateway.ts`): the same request functions as the gateway's
 * HTTP routes (idempotent by request id, limits, wallet verification, badge retirement), with
 * Connect as the initiator. Outcomes are followed on the task streams by Connect's sagas.
 */
export function inProcessGateway(system: SystemDependencies): BlockchainGateway {
  const { store, clock } = system;
  const badges = badgeQueries(system.database.db);
  const task = (requestId: string, operation: Operation, correlationId?: string) =>
    requestTask(store, { initiator: CONNECT_INITIATOR, requestId, operation, now: clock.now(), ...(correlationId ? { correlationId } : {}) }).then(answer);
  return {
    async verifiedWallets(userId) {
      const link = await loadAggregate(store, walletLinkDecider, streamOfWalletLink(userId));
      return [...link.state.verified].reverse();
    },
    taskStreamOf: (requestId) => streamOfTask(taskIdFor(CONNECT_INITIATOR, requestId)),
    mintG2a: (r) => task(r.requestId, { kind: 'g2a_mint', to: r.toAddress, amount: r.amount.toString() }, r.correlationId),
    transferG2a: async (r) =>
      answer(
        await requestTransfer(store, {
          initiator: CONNECT_INITIATOR,
          requestId: r.requestId,
          userId: r.userId,
          to: r.toAddress,
          amount: r.amount,
          limits: system.config.gateway.limits,
          now: clock.now(),
          ...(r.correlationId ? { correlationId: r.correlationId } : {}),
        }),
      ),
    mintBadge: (r) => task(r.requestId, { kind: 'nft_mint', to: r.toAddress, userId: r.userId, badge: r.badge, level: r.level }, r.correlationId),
    async upgradeBadge(r) {
      const retirable = await mayRetireBadge(
        { store, badges, taskViewReached: (position) => waitForProjection(system.database, 'blockchain-tasks', position, 3000) },
        { initiator: CONNECT_INITIATOR, admin: false, userId: r.userId, itemIndex: r.oldTokenId, taskId: taskIdFor(CONNECT_INITIATOR, r.requestId) },
      );
      if (isLeft(retirable)) return { kind: 'refused', code: retirable.left.code, message: retirable.left.message };
      return task(r.requestId, { kind: 'nft_upgrade', to: r.toAddress, userId: r.userId, badge: r.badge, level: r.level, retiredItemIndex: r.oldTokenId }, r.correlationId);
    },
  };
}
