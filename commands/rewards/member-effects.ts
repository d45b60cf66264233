import { DomainErrorException } from '../../domain/decider.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import { PermanentEffectFailure } from '../../sagas/outbox-worker.js';
import { RaiseMemberTier } from './member-effect-kinds.js';
import type { MemberDesk } from './rewards-desks.js';

/**
 * `rewards.raise-tier`: the member desk raises the tier (idempotent by the upgrade's event id, so
 * a retried effect raises nothing twice and releases nothing twice). A refusal (a report without
 * a member) cannot succeed later: a dead letter at once.
 */
export function memberEffects(members: Pick<MemberDesk, 'raiseTier'>): EffectPerformer[] {
  return [
    performs(RaiseMemberTier, async ({ userId, tier, eventId }) => {
      try {
        await members.raiseTier({ userId, tier, eventId });
      } catch (error) {
        if (error instanceof DomainErrorException) throw new PermanentEffectFailure(`${error.error.code}: ${error.error.message}`);
        throw error;
      }
    }),
  ];
}
