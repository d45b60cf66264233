import { isLeft } from 'fp-ts/Either';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import type { Logger } from '../../adapters/observability/logger.js';
import { badgeDecider, streamOfBadge, type BadgeCommand, type OnchainRequest } from '../../domain/rewards/badge.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import { PermanentEffectFailure } from '../../sagas/outbox-worker.js';
import { handleCommand } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';
import { RecordBadgeOnchainOutcome, RequestBadgeOnchain } from './badge-effect-kinds.js';
import { onchainRequestIdOf } from './badge-registry.js';
import type { BlockchainGateway } from './ports/blockchain-gateway.js';

const ACTOR = 'system:badge-onchain-saga';

export interface BadgeEffectDependencies {
  readonly store: EventStore;
  readonly logger: Logger;
  readonly gateway: BlockchainGateway;
}

/**
 * How the on-chain badge saga's steps are performed. Both are idempotent: the instance records
 * a request before the gateway is asked and the gateway finds its task by the request id, so a
 * step repeated after a crash asks for the same task again; an outcome is recorded once.
 */
export function badgeEffectHandlers(deps: BadgeEffectDependencies): EffectPerformer[] {
  const decide = (userId: string, badgeType: string, command: BadgeCommand, correlationId: string | null) =>
    handleCommand(deps.store, badgeDecider, streamOfBadge(userId, badgeType), command, { correlationId: correlationId ?? `badge:${userId}:${badgeType}`, actor: ACTOR, now: command.now }, { maxRetries: 50 });

  /** Ask the gateway for a recorded request (again): a refusal fails the request with its code. */
  async function ask(userId: string, badgeType: string, request: OnchainRequest, correlationId: string | null, now: Date): Promise<void> {
    const common = { requestId: request.requestId, userId, toAddress: request.toAddress, badge: badgeType, level: request.level, ...(correlationId ? { correlationId } : {}) };
    const answer =
      request.kind === 'upgrade' && request.oldTokenId !== null ? await deps.gateway.upgradeBadge({ ...common, oldTokenId: request.oldTokenId }) : await deps.gateway.mintBadge(common);
    if (!('kind' in answer)) return; // accepted: the saga follows the task's stream
    deps.logger.warn({ requestId: request.requestId, badgeType, level: request.level, code: answer.code }, 'the gateway refused a badge request');
    const failed = await decide(userId, badgeType, { type: 'RecordOnchainOutcome', requestId: request.requestId, outcome: { status: 'failed', error: answer.code }, now }, correlationId);
    if (isLeft(failed)) throw new PermanentEffectFailure(`badge ${badgeType} of ${userId}: ${failed.left.message}`);
  }

  return [
    performs(RequestBadgeOnchain, async (p, { correlationId }) => {
      const now = new Date(p.decidedAt);
      const stream = streamOfBadge(p.userId, p.badgeType);
      const { state } = await loadAggregate(deps.store, badgeDecider, stream);
      if (state.instanceId === null) throw new PermanentEffectFailure(`badge ${p.badgeType} of ${p.userId} was never awarded`);
      const requestId = onchainRequestIdOf(state.instanceId, p.level);
      const recorded = state.requests.get(requestId);
      if (recorded) {
        if (recorded.status === 'pending') await ask(p.userId, p.badgeType, recorded, correlationId, now);
        return;
      }
      // moved on meanwhile (a higher level, a request in flight, the level on chain): the saga asks for what the badge wants next
      if (p.level !== state.level || state.inFlight !== null || (state.confirmedLevel ?? 0) >= p.level) return;
      const wallets = await deps.gateway.verifiedWallets(p.userId);
      const toAddress = wallets[0];
      if (toAddress === undefined) {
        const waiting = await decide(p.userId, p.badgeType, { type: 'AwaitWallet', level: p.level, now }, correlationId);
        if (isLeft(waiting)) throw new PermanentEffectFailure(`badge ${p.badgeType} of ${p.userId}: ${waiting.left.message}`);
        return;
      }
      const requested = await decide(p.userId, p.badgeType, { type: 'RequestOnchain', level: p.level, requestId, toAddress, taskStream: deps.gateway.taskStreamOf(requestId), now }, correlationId);
      if (isLeft(requested)) {
        // another step got there first (a request in flight, the level on chain): nothing to ask
        if (requested.left.kind === 'conflict') return;
        throw new PermanentEffectFailure(`badge ${p.badgeType} of ${p.userId}: ${requested.left.message}`);
      }
      const request = requested.right.state.requests.get(requestId);
      if (request?.status === 'pending') await ask(p.userId, p.badgeType, request, correlationId, now);
    }),
    performs(RecordBadgeOnchainOutcome, async (p, { correlationId }) => {
      const now = new Date(p.decidedAt);
      const o = p.outcome;
      const outcome =
        o.status === 'failed'
          ? ({ status: 'failed', error: o.error } as const)
          : o.onchainTokenId === null
            ? ({ status: 'failed', error: 'confirmed without an item index' } as const)
            : ({ status: 'confirmed', onchainTokenId: o.onchainTokenId, itemAddress: o.itemAddress } as const);
      const recorded = await decide(p.userId, p.badgeType, { type: 'RecordOnchainOutcome', requestId: p.requestId, outcome, now }, correlationId);
      if (isLeft(recorded)) throw new PermanentEffectFailure(`badge ${p.badgeType} of ${p.userId}: ${recorded.left.message}`);
    }),
  ];
}
