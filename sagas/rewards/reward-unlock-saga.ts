import { UnlockRewardAction, unlockKey } from '../../commands/rewards/reward-action-effect-kinds.js';
import { pickEvents } from '../../domain/event-codec.js';
import { MemberEvent } from '../../domain/rewards/member.js';
import { defineSaga } from '../saga.js';

export const REWARD_UNLOCK = 'rewards-unlock';

/**
 * a member released their locked rewards (an upgrade to VIP or PRO, or a hold arriving
 * after it) → each of those actions is unlocked, and the dispatcher pays it. The member stream
 * releases an action once ever, and the effect is keyed by the action, so each unlocks once.
 */
export const rewardUnlockSaga = defineSaga({
  name: REWARD_UNLOCK,
  events: pickEvents(MemberEvent, ['MemberLockedRewardsReleased']),
  initialState: {},
  flowId: (event) => event.data.userId,
  react: (state, event) => ({
    state,
    effects: event.data.actionIds.map((actionId) => UnlockRewardAction.effect(unlockKey(actionId), { actionId, cause: `${event.data.cause}:${event.data.tier}` })),
  }),
});
