import { isLeft, left, right, type Either } from 'fp-ts/Either';
import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import { badgeDecider, onchainStatusOf, streamOfBadge, type BadgeState } from '../../domain/rewards/badge.js';
import type { DomainError } from '../../domain/decider.js';
import type { Clock } from '../../platform/clock.js';
import { handleCommand } from '../command-handler.js';
import { derivedUuid } from '../derived-uuid.js';
import { NftRefusal, type BadgeAward, type BadgeAwarded, type NftService } from './ports/nft-service.js';

/**
 * Connect's own badge registry — the NFT service of the embedded default (seeds 000 §3–4, 001 §7):
 * one NFTInstance per user and badge type (`Badge-<userId>-<badgeType>`, domain/rewards/badge.ts),
 * awarded idempotently by award id. Badge types listed in CONNECT_ONCHAIN_BADGES go on chain
 * through the gateway after the award (sagas/rewards/badge-onchain-saga.ts); the award answers
 * at once with the instance as it stands.
 */
export interface BadgeRegistryDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  /** Badge types minted on chain (`system.config.rewards.onchainBadges`). */
  readonly onchainBadges: readonly string[];
}

/** The NFTInstance id of a user's badge of a type: the same whoever asks. */
export const badgeInstanceIdOf = (userId: string, badgeType: string): string => derivedUuid('nft-instance', userId, badgeType);
/** The gateway request id of the on-chain representation of an instance at a level (one per instance and level). */
export const onchainRequestIdOf = (instanceId: string, level: number): string => derivedUuid('nft-onchain', instanceId, String(level));

export interface AwardOutcome {
  readonly answer: BadgeAwarded;
  readonly userId: string;
  readonly badgeType: string;
  /** False when the award id had been recorded before (a repeat). */
  readonly created: boolean;
  /** Position of the award's event (null for a repeat). */
  readonly position: Position | null;
}

/** What an instance answers for an award. */
export function awardAnswer(awardId: string, state: BadgeState): BadgeAwarded {
  return {
    awardId,
    instanceId: state.instanceId ?? '',
    level: state.level,
    onchainStatus: onchainStatusOf(state),
    onchainTokenId: state.onchainTokenId,
  };
}

export function badgeRegistry(deps: BadgeRegistryDependencies) {
  const onchain = new Set(deps.onchainBadges);
  /** Record an award on its instance (idempotent by award id; the same id at another level is a conflict). */
  async function award(award: BadgeAward, context: { readonly correlationId?: string; readonly actor: string }): Promise<Either<DomainError, AwardOutcome>> {
    const instanceId = badgeInstanceIdOf(award.userId, award.badgeType);
    const outcome = await handleCommand(
      deps.store,
      badgeDecider,
      streamOfBadge(award.userId, award.badgeType),
      { type: 'AwardBadge', instanceId, awardId: award.awardId, userId: award.userId, badgeType: award.badgeType, level: award.level, onchain: onchain.has(award.badgeType), now: deps.clock.now() },
      { correlationId: context.correlationId ?? `badge:${instanceId}`, actor: context.actor, now: deps.clock.now() },
      { maxRetries: 50 },
    );
    if (isLeft(outcome)) return left(outcome.left);
    const created = outcome.right.events.length > 0;
    return right({ answer: awardAnswer(award.awardId, outcome.right.state), userId: award.userId, badgeType: award.badgeType, created, position: outcome.right.position });
  }

  /** The registry as Connect's reward dispatcher sees it (the NftService port), in process. */
  const nft: NftService = {
    async award(request) {
      const outcome = await award(request, { actor: 'system:connect-rewards', correlationId: `reward-action:${request.awardId}` });
      if (isLeft(outcome)) throw new NftRefusal(outcome.left.code, outcome.left.message);
      return outcome.right.answer;
    },
  };
  return { award, nft };
}
export type BadgeRegistry = ReturnType<typeof badgeRegistry>;
