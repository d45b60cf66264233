import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  rewardBudgetDecider as budget,
  rewardBudgetOfStream,
  streamOfRewardBudget,
  userTotalOf,
  utcDayOf,
  verdictOf,
  type ClaimBudget,
  type RewardBudgetEvent,
  type RewardBudgetState,
} from '../../../domain/rewards/reward-budget.js';
import type { RewardCaps } from '../../../domain/rewards/reward-facts.js';
import { given } from '../../support/decider-spec.js';

const now = new Date('2026-03-01T10:00:00.000Z');
const caps: RewardCaps = { perRulePerDay: '100', perUserPerDay: '30' };
const claim = (actionId: string, targetUserId: string, amount: bigint, c: RewardCaps = caps): ClaimBudget => ({ type: 'ClaimBudget', ruleId: 'reviews', day: '2026-03-01', actionId, version: 1, targetUserId, amount, caps: c, now });
const granted = (actionId: string, targetUserId: string, amount: string, ruleTotalAfter: string, userTotalAfter: string): RewardBudgetEvent => ({
  type: 'RewardBudgetClaimGranted',
  data: { ruleId: 'reviews', day: '2026-03-01', actionId, version: 1, targetUserId, amount, ruleTotalAfter, userTotalAfter, grantedAt: now.toISOString() },
});
const refused = (actionId: string, targetUserId: string, amount: string, reason: 'rule_daily_cap' | 'user_daily_cap'): RewardBudgetEvent => ({
  type: 'RewardBudgetClaimRefused',
  data: { ruleId: 'reviews', day: '2026-03-01', actionId, version: 1, targetUserId, amount, reason, refusedAt: now.toISOString() },
});

/** Decide and fold, as the hot stream does. */
function decideAll(claims: readonly ClaimBudget[], from: RewardBudgetState = budget.initialState): RewardBudgetState {
  let state = from;
  for (const c of claims) {
    const decision = budget.decide(c, state);
    assert.equal(decision._tag, 'Right');
    if (decision._tag === 'Right') for (const event of decision.right) state = budget.evolve(state, event);
  }
  return state;
}

describe('connect: a rule’s daily budget (RewardBudget, R-2 caps)', () => {
  it('names its stream RewardBudget-<rule>-<day> and reads both back (rule ids may hold dashes)', () => {
    assert.equal(streamOfRewardBudget('rf-reviews', '2026-03-01'), 'RewardBudget-rf-reviews-2026-03-01');
    assert.deepEqual(rewardBudgetOfStream('RewardBudget-rf-reviews-2026-03-01'), { ruleId: 'rf-reviews', day: '2026-03-01' });
    assert.equal(rewardBudgetOfStream('RewardBudget-2026-03-01'), undefined);
    assert.equal(utcDayOf('2026-03-01T23:30:00-02:00'), '2026-03-02', 'the UTC day of occurred_at');
    assert.equal(utcDayOf('nonsense'), undefined);
  });

  it('given room under both caps, when claimed, then granted with the totals after it', () => {
    given(budget).when(claim('a-1', 'u-1', 10n)).then([granted('a-1', 'u-1', '10', '10', '10')]);
    given(budget, [granted('a-1', 'u-1', '10', '10', '10')]).when(claim('a-2', 'u-1', 20n)).then([granted('a-2', 'u-1', '20', '30', '30')]);
  });

  it('given a user at their cap, when they claim more, then refused user_daily_cap — others still granted', () => {
    const history = [granted('a-1', 'u-1', '30', '30', '30')];
    given(budget, history).when(claim('a-2', 'u-1', 1n)).then([refused('a-2', 'u-1', '1', 'user_daily_cap')]);
    given(budget, history).when(claim('a-3', 'u-2', 30n)).then([granted('a-3', 'u-2', '30', '60', '30')]);
  });

  it('given the rule near its cap, when a claim would pass it, then refused rule_daily_cap (checked before the user’s)', () => {
    const history = [granted('a-1', 'u-1', '30', '30', '30'), granted('a-2', 'u-2', '30', '60', '30'), granted('a-3', 'u-3', '30', '90', '30')];
    given(budget, history).when(claim('a-4', 'u-1', 11n)).then([refused('a-4', 'u-1', '11', 'rule_daily_cap')]);
    given(budget, history).when(claim('a-5', 'u-4', 10n)).then([granted('a-5', 'u-4', '10', '100', '10')]);
  });

  it('given a claim answered, when asked again, then nothing new and the same answer — granted or refused, whatever happened since', () => {
    const state = decideAll([claim('a-1', 'u-1', 30n), claim('a-2', 'u-1', 5n)]);
    assert.deepEqual(verdictOf(state, 'a-1'), { granted: true });
    assert.deepEqual(verdictOf(state, 'a-2'), { granted: false, reason: 'user_daily_cap' });
    given(budget, [granted('a-1', 'u-1', '30', '30', '30'), refused('a-2', 'u-1', '5', 'user_daily_cap')]).when(claim('a-2', 'u-1', 5n, {})).then([]);
    given(budget, [granted('a-1', 'u-1', '30', '30', '30')]).when(claim('a-1', 'u-1', 30n)).then([]);
  });

  it('given no caps, then every claim is granted (and still recorded once)', () => {
    const state = decideAll(Array.from({ length: 5 }, (_, i) => claim(`a-${i}`, 'u-1', 1_000n, {})));
    assert.equal(userTotalOf(state, 'u-1'), 5_000n);
  });

  it('given a malformed claim, then it is refused as invalid (not a verdict)', () => {
    given(budget).when(claim('a-1', 'u-1', 0n)).thenFails('connect.budget_invalid_claim', { field: 'amount' });
    given(budget).when({ ...claim('a-1', 'u-1', 1n), day: '01.03.2026' }).thenFails('connect.budget_invalid_claim', { field: 'day' });
    given(budget).when(claim('a-1', 'u-1', 1n, { perUserPerDay: '1.5' })).thenFails('connect.budget_invalid_claim', { field: 'caps.perUserPerDay' });
    given(budget).when(claim('', 'u-1', 1n)).thenFails('connect.budget_invalid_claim', { field: 'actionId' });
  });

  it('given a state decided on again from an earlier point (a batch decided afresh after a conflict), then each state keeps its own answers', () => {
    const base = decideAll([claim('a-1', 'u-1', 10n)]);
    const one = decideAll([claim('a-2', 'u-1', 20n)], base);
    const other = decideAll([claim('a-3', 'u-2', 5n)], base);
    assert.deepEqual([verdictOf(one, 'a-2'), verdictOf(one, 'a-3')], [{ granted: true }, undefined]);
    assert.deepEqual([verdictOf(other, 'a-2'), verdictOf(other, 'a-3')], [undefined, { granted: true }]);
    assert.deepEqual([userTotalOf(base, 'u-1'), userTotalOf(one, 'u-1'), userTotalOf(other, 'u-1'), userTotalOf(other, 'u-2')], [10n, 30n, 10n, 5n]);
    assert.equal(verdictOf(decideAll([claim('a-2', 'u-1', 20n)], base), 'a-2')?.granted, true, 'the base forks again');
  });

  it('property: whatever the claims (repeats among them), the granted never pass the caps, and a repeat answers as the first', () => {
    const claims = fc.array(
      fc.record({ action: fc.integer({ min: 0, max: 40 }), user: fc.constantFrom('u-1', 'u-2', 'u-3'), amount: fc.bigInt({ min: 1n, max: 25n }) }),
      { maxLength: 120 },
    );
    fc.assert(
      fc.property(claims, fc.bigInt({ min: 1n, max: 200n }), fc.bigInt({ min: 1n, max: 60n }), (list, perRule, perUser) => {
        const c: RewardCaps = { perRulePerDay: perRule.toString(), perUserPerDay: perUser.toString() };
        let state = budget.initialState;
        const first = new Map<string, unknown>();
        const grantedTo = new Map<string, bigint>();
        let total = 0n;
        for (const { action, user, amount } of list) {
          const actionId = `a-${action}`;
          const decision = budget.decide(claim(actionId, user, amount, c), state);
          assert.equal(decision._tag, 'Right');
          if (decision._tag !== 'Right') return;
          for (const event of decision.right) {
            state = budget.evolve(state, event);
            if (event.type === 'RewardBudgetClaimGranted') {
              total += BigInt(event.data.amount);
              grantedTo.set(event.data.targetUserId, (grantedTo.get(event.data.targetUserId) ?? 0n) + BigInt(event.data.amount));
            }
          }
          const verdict = verdictOf(state, actionId);
          if (first.has(actionId)) assert.deepEqual(verdict, first.get(actionId));
          else first.set(actionId, verdict);
        }
        assert.ok(total <= perRule);
        assert.equal(state.ruleTotal, total);
        for (const [user, sum] of grantedTo) {
          assert.ok(sum <= perUser);
          assert.equal(userTotalOf(state, user), sum);
        }
      }),
      { numRuns: 300 },
    );
  });
});
