import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRight } from 'fp-ts/Either';
import { readyToDispatch, rewardActionDecider, type RewardActionCommand, type RewardActionEvent, type RewardActionState } from '../../../domain/rewards/reward-action.js';
import { given } from '../../support/decider-spec.js';

const now = new Date('2026-06-01T10:00:00.000Z');
const at = now.toISOString();
const action = {
  actionId: 'a-1',
  eventId: 'e-1',
  externalId: 'ref-evt-1001',
  sourceService: 'referral_service',
  eventType: 'referral.subjoined',
  occurredAt: '2026-06-01T09:59:00.000Z',
  ruleId: 'referral_subjoined_l2',
  ruleVersion: 1,
  rewardIndex: 0,
  targetUserId: 'user_sponsor',
  rewardType: 'points' as const,
  amount: '50',
  badge: null,
  lockedUntil: null as 'vip_or_pro' | null,
  caps: {},
};
const created = (over: Partial<typeof action> = {}, status: 'locked' | 'pending' = 'pending'): RewardActionEvent => ({ type: 'RewardActionCreated', data: { ...action, ...over, status, createdAt: at } });
const dispatched = (attempt = 1): RewardActionEvent => ({ type: 'RewardActionDispatched', data: { actionId: 'a-1', attempt, dispatchedAt: at } });
const failed: RewardActionEvent = { type: 'RewardActionFailed', data: { actionId: 'a-1', attempt: 1, code: 'points.unknown_user', reason: 'no such user', failedAt: at } };

describe('domain: RewardAction (R-3)', () => {
  it('given a reward with a lock, when created, then it is locked; without one, pending', () => {
    given(rewardActionDecider).when({ type: 'CreateRewardAction', action: { ...action, lockedUntil: 'vip_or_pro' }, now }).then([created({ lockedUntil: 'vip_or_pro' }, 'locked')]);
    given(rewardActionDecider).when({ type: 'CreateRewardAction', action, now }).then([created()]);
  });

  it('given a created action, when created again, then nothing new', () => {
    given(rewardActionDecider, [created()]).when({ type: 'CreateRewardAction', action, now }).then([]);
  });

  it('given no amount for points or no badge for an nft, when created, then it is refused', () => {
    given(rewardActionDecider).when({ type: 'CreateRewardAction', action: { ...action, amount: '0' }, now }).thenFails('reward.invalid');
    given(rewardActionDecider).when({ type: 'CreateRewardAction', action: { ...action, rewardType: 'nft', amount: null, badge: null }, now }).thenFails('reward.invalid');
  });

  it('given a locked action, when dispatched, then it is refused; when unlocked twice, then it is unlocked once', () => {
    const locked = [created({ lockedUntil: 'vip_or_pro' }, 'locked')];
    given(rewardActionDecider, locked).when({ type: 'DispatchRewardAction', actionId: 'a-1', attempt: 1, now }).thenFails('reward.locked');
    const unlocked: RewardActionEvent = { type: 'RewardActionUnlocked', data: { actionId: 'a-1', cause: 'upgrade:vip', unlockedAt: at } };
    given(rewardActionDecider, locked).when({ type: 'UnlockRewardAction', actionId: 'a-1', cause: 'upgrade:vip', now }).then([unlocked]);
    given(rewardActionDecider, [...locked, unlocked]).when({ type: 'UnlockRewardAction', actionId: 'a-1', cause: 'upgrade:vip', now }).then([]);
  });

  it('given a capped rule, when its budget is not granted yet, then the action is not ready; when rejected, then it never dispatches', () => {
    const capped = [created({ caps: { perUserPerDay: '100' } })];
    assert.equal(readyToDispatch(given(rewardActionDecider, capped).state), false);
    given(rewardActionDecider, capped).when({ type: 'DispatchRewardAction', actionId: 'a-1', attempt: 1, now }).thenFails('reward.budget_pending');
    const granted: RewardActionEvent = { type: 'RewardActionBudgetGranted', data: { actionId: 'a-1', day: '2026-06-01', grantedAt: at } };
    assert.equal(readyToDispatch(given(rewardActionDecider, [...capped, granted]).state), true);
    const rejected: RewardActionEvent = { type: 'RewardActionRejected', data: { actionId: 'a-1', reason: 'user_daily_cap', rejectedAt: at } };
    given(rewardActionDecider, capped).when({ type: 'RejectOverBudget', actionId: 'a-1', reason: 'user_daily_cap', now }).then([rejected]);
    given(rewardActionDecider, [...capped, rejected]).when({ type: 'DispatchRewardAction', actionId: 'a-1', attempt: 1, now }).then([]);
    given(rewardActionDecider, [...capped, rejected]).when({ type: 'GrantBudget', actionId: 'a-1', day: '2026-06-01', now }).then([]);
  });

  it('given a dispatched attempt, when completed twice, then it completes once; a stale attempt is nothing', () => {
    const done: RewardActionEvent = { type: 'RewardActionCompleted', data: { actionId: 'a-1', attempt: 1, result: { entry_id: 'p-1' }, completedAt: at } };
    given(rewardActionDecider, [created(), dispatched()]).when({ type: 'CompleteRewardAction', actionId: 'a-1', attempt: 1, result: { entry_id: 'p-1' }, now }).then([done]);
    given(rewardActionDecider, [created(), dispatched(), done]).when({ type: 'CompleteRewardAction', actionId: 'a-1', attempt: 1, result: { entry_id: 'p-1' }, now }).then([]);
    given(rewardActionDecider, [created(), dispatched()]).when({ type: 'CompleteRewardAction', actionId: 'a-1', attempt: 2, result: {}, now }).then([]);
  });

  it('given a failed action, when retried, then it is pending with attempt 2; a completed one is not retried', () => {
    const retried = given(rewardActionDecider, [created(), dispatched(), failed]).when({ type: 'RetryRewardAction', actionId: 'a-1', by: 'user:admin', now });
    const state = retried.then([{ type: 'RewardActionRetried', data: { actionId: 'a-1', attempt: 2, retriedBy: 'user:admin', retriedAt: at } }]);
    assert.equal(state.status, 'pending');
    assert.equal((state as { attempt?: number }).attempt, 2);
    const done: RewardActionEvent = { type: 'RewardActionCompleted', data: { actionId: 'a-1', attempt: 1, result: {}, completedAt: at } };
    given(rewardActionDecider, [created(), dispatched(), done]).when({ type: 'RetryRewardAction', actionId: 'a-1', by: 'user:admin', now }).thenFails('reward.not_failed');
  });

  it('property: whatever commands arrive, in any order and repeated, an action completes at most once per attempt and never from locked or rejected', () => {
    const command = fc.oneof(
      fc.constant<RewardActionCommand>({ type: 'UnlockRewardAction', actionId: 'a-1', cause: 'upgrade:vip', now }),
      fc.constant<RewardActionCommand>({ type: 'GrantBudget', actionId: 'a-1', day: '2026-06-01', now }),
      fc.constant<RewardActionCommand>({ type: 'RejectOverBudget', actionId: 'a-1', reason: 'rule_daily_cap', now }),
      fc.integer({ min: 1, max: 3 }).map<RewardActionCommand>((attempt) => ({ type: 'DispatchRewardAction', actionId: 'a-1', attempt, now })),
      fc.integer({ min: 1, max: 3 }).map<RewardActionCommand>((attempt) => ({ type: 'CompleteRewardAction', actionId: 'a-1', attempt, result: {}, now })),
      fc.integer({ min: 1, max: 3 }).map<RewardActionCommand>((attempt) => ({ type: 'FailRewardAction', actionId: 'a-1', attempt, code: 'x', reason: 'y', now })),
      fc.constant<RewardActionCommand>({ type: 'RetryRewardAction', actionId: 'a-1', by: 'user:admin', now }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.array(command, { maxLength: 40 }), (locked, capped, commands) => {
        let state: RewardActionState = rewardActionDecider.evolve(rewardActionDecider.initialState, created({ lockedUntil: locked ? 'vip_or_pro' : null, caps: capped ? { perRulePerDay: '10' } : {} }, locked ? 'locked' : 'pending'));
        const completions = new Map<number, number>();
        for (const c of commands) {
          const before = state;
          const decided = rewardActionDecider.decide(c, state);
          if (!isRight(decided)) continue;
          for (const e of decided.right) {
            if (e.type === 'RewardActionCompleted') {
              completions.set(e.data.attempt, (completions.get(e.data.attempt) ?? 0) + 1);
              assert.equal(before.status, 'dispatched');
            }
            if (e.type === 'RewardActionDispatched') {
              assert.ok(before.status === 'pending', `dispatched from ${before.status}`);
              assert.ok(!capped || (before as { budgetGranted?: boolean }).budgetGranted === true, 'dispatched before its budget');
            }
            state = rewardActionDecider.evolve(state, e);
          }
        }
        for (const n of completions.values()) assert.equal(n, 1);
        if (completions.size > 0) assert.equal(state.status, 'completed');
      }),
    );
  });
});
