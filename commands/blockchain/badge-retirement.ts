import { left, right, type Either } from 'fp-ts/Either';
import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import { blockchainTaskDecider, streamOfTask } from '../../domain/blockchain/blockchain-task.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import type { BadgeQueries, MintedBadge } from '../../projections/blockchain/task-projection.js';
import { loadAggregate } from '../load-aggregate.js';

export interface BadgeRetirementDependencies {
  readonly store: EventStore;
  /** Who minted which item, which upgrades retire which item: the task read model's queries. */
  readonly badges: BadgeQueries;
  /** Resolves once the task read model has caught up with `position` (bounded). */
  readonly taskViewReached: (position: Position) => Promise<unknown>;
}

export interface BadgeRetirement {
  /** The caller's initiator id (`service:<id>` / `user:<id>`). */
  readonly initiator: string;
  /** An admin may name any badge. */
  readonly admin: boolean;
  readonly userId: string;
  /** `old_token_id`: the item index to retire. */
  readonly itemIndex: string;
  /** The upgrade task this request creates (or finds again, for a repeated request). */
  readonly taskId: string;
}

const FIELD = 'old_token_id';

/**
 * B-5's guard: an upgrade retires only a badge that the same caller minted (an nft_mint or
 * nft_upgrade task of theirs, confirmed, whose item index is `old_token_id`) for the same user
 * — any badge when an admin names it — and not one already retired or being retired by
 * another upgrade. The read model finds the minting task; its stream is the word on it.
 */
export async function mayRetireBadge(deps: BadgeRetirementDependencies, request: BadgeRetirement): Promise<Either<DomainError, void>> {
  if (!request.admin) {
    const minted = await mintingTask(deps, request.itemIndex);
    if (!minted) {
      return left(domainError('rule_violated', 'nft.unknown_badge', `no confirmed badge with item index ${request.itemIndex} was minted through the gateway`, FIELD));
    }
    if (minted.initiator !== request.initiator) {
      return left(domainError('forbidden', 'nft.not_your_badge', `badge ${request.itemIndex} was minted by another caller; only its minter (or an admin) may retire it`, FIELD));
    }
    if (minted.userId !== request.userId) {
      return left(domainError('rule_violated', 'nft.badge_of_other_user', `badge ${request.itemIndex} was not minted for user ${request.userId}`, FIELD));
    }
  }
  const others = (await deps.badges.retiringTasks(request.itemIndex)).filter((taskId) => taskId !== request.taskId);
  if (others.length > 0) {
    return left(domainError('conflict', 'nft.badge_retired', `badge ${request.itemIndex} is already retired or being retired (task ${others[0]})`, FIELD));
  }
  return right(undefined);
}

/** The confirmed task that minted `itemIndex`, checked against its stream; the read model gets one chance to catch up. */
async function mintingTask(deps: BadgeRetirementDependencies, itemIndex: string): Promise<MintedBadge | null> {
  let found = await deps.badges.mintedBadge(itemIndex);
  if (!found) {
    // Just confirmed (its callback may arrive before the read model has it): wait for the log's end once.
    await deps.taskViewReached(await deps.store.headPosition());
    found = await deps.badges.mintedBadge(itemIndex);
  }
  if (!found) return null;
  const { state } = await loadAggregate(deps.store, blockchainTaskDecider, streamOfTask(found.taskId));
  if (state.status !== 'confirmed' || state.result.onchainTokenId !== itemIndex) return null;
  if (state.operation.kind !== 'nft_mint' && state.operation.kind !== 'nft_upgrade') return null;
  return { taskId: found.taskId, initiator: state.initiator, userId: state.operation.userId };
}
