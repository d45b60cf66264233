import * as t from 'io-ts';
import { effectKind } from '../../sagas/effect-kind.js';

/**
 * The effects of Connect's reward flows (issue 14), enqueued by `sagas/rewards/reward-*-saga.ts`
 * and performed by `reward-action-effects.ts`. Each key names its step, so a step is enqueued once.
 */

/** Create the RewardAction an evaluation proposed (read from the EconomicEvent's evaluation). */
export const CreateRewardAction = effectKind('rewards.create-action', t.type({ eventId: t.string, actionId: t.string }));
export const createActionKey = (actionId: string) => `rewards.create:${actionId}`;

/** Claim the action's share of its rule's daily budget; granted or rejected on the action. */
export const ClaimRewardBudget = effectKind('rewards.claim-budget', t.type({ actionId: t.string }));
export const claimBudgetKey = (actionId: string) => `rewards.claim-budget:${actionId}`;

/** Register a locked action with its target member (who releases it once they qualify). */
export const HoldLockedReward = effectKind('rewards.hold-locked', t.type({ actionId: t.string }));
export const holdKey = (actionId: string) => `rewards.hold:${actionId}`;

/** Unlock an action its member released. */
export const UnlockRewardAction = effectKind('rewards.unlock-action', t.type({ actionId: t.string, cause: t.string }));
export const unlockKey = (actionId: string) => `rewards.unlock:${actionId}`;

/** Pay one attempt of an action out: points, off-chain G2A, a badge — or ask the gateway for the mint. */
export const DispatchRewardAction = effectKind('rewards.dispatch', t.type({ actionId: t.string, attempt: t.number }));
export const dispatchKey = (actionId: string, attempt: number) => `rewards.dispatch:${actionId}:${attempt}`;

/** Record the gateway's final outcome of an on-chain attempt on the action. */
export const SettleOnchainReward = effectKind(
  'rewards.settle-onchain',
  t.type({
    actionId: t.string,
    attempt: t.number,
    outcome: t.keyof({ confirmed: null, failed: null }),
    taskId: t.string,
    txHash: t.union([t.string, t.null]),
    error: t.union([t.string, t.null]),
  }),
);
export const settleKey = (actionId: string, attempt: number) => `rewards.settle-onchain:${actionId}:${attempt}`;
