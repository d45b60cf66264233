import { RaiseMemberTier } from '../../commands/rewards/member-effect-kinds.js';
import { pickEvents } from '../../domain/event-codec.js';
import { EconomicEventEvent } from '../../domain/rewards/economic-event.js';
import { tierOfUpgrade } from '../../domain/rewards/member.js';
import { defineSaga } from '../saga.js';

export const MEMBER_UPGRADES = 'rewards-member-upgrades';

/**
 * an ingested upgrade report — `referral.user_upgraded_to_vip` (→ vip) or
 * `user.upgraded_to_pro` (→ pro), the actor being the upgraded member — raises that member's
 * tier on their `ConnectMember-<userId>` stream, which releases every locked reward waiting for
 * it (`MemberLockedRewardsReleased`, which the reward-actions saga unlocks). One flow per
 * upgrade event; the effect is keyed by the event id, so a redelivered event enqueues nothing new
 * and the same upgrade reported twice (two external ids) raises once (the tier only rises).
 * Other report types are not this saga's (no flow, no state).
 */
export function memberUpgradeSaga() {
  return defineSaga({
    name: MEMBER_UPGRADES,
    events: pickEvents(EconomicEventEvent, ['EconomicEventIngested']),
    initialState: { raised: false } as { readonly raised: boolean },
    flowId: (event) => (tierOfUpgrade(event.data.eventType) ? event.data.eventId : null),
    react(state, event) {
      const tier = tierOfUpgrade(event.data.eventType);
      if (!tier || state.raised) return { state };
      const { eventId, actorUserId } = event.data;
      return { state: { raised: true }, effects: [RaiseMemberTier.effect(`rewards.raise-tier:${eventId}`, { userId: actorUserId, tier, eventId }, { correlationId: eventId })] };
    },
  });
}
