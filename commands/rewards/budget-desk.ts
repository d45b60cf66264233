import { randomUUID } from 'node:crypto';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { domainError, DomainErrorException } from '../../domain/decider.js';
import {
  rewardBudgetDecider,
  streamOfRewardBudget,
  verdictOf,
  type ClaimBudget,
  type RewardBudgetEvent,
  type RewardBudgetState,
} from '../../domain/rewards/reward-budget.js';
import type { Clock } from '../../platform/clock.js';
import { HotStreamDecisions } from '../hot-stream-decisions.js';
import type { BudgetAnswer, BudgetDesk } from './rewards-desks.js';

/** Per process: with a sequence, makes every decision's command id unique (see developer-ledger-commands.ts). */
const processTag = randomUUID().slice(0, 8);
let sequence = 0;

export const budgetBusy = () => domainError('rate_limited', 'connect.budget_busy', 'the rule’s daily budget is being claimed by many at once; retry');

/**
 * The daily budgets of rules with caps. A popular rule's day is a hot stream — every
 * reward the rule grants that day claims on `RewardBudget-<ruleId>-<day>`, many at once, from
 * every worker — so claims go through HotStreamDecisions: those queued on one day in this
 * process are decided in order against the cached budget and written as one append with the
 * expected revision; another process's append costs a catch-up read and a new decision, never a
 * grant past a cap. Idempotency is the decider's (by action id: a claim asked again answers as
 * the first time); the events' command ids are unique per decision, as the developer ledger's
 * lesson says (ids derived from the claim would let a racing instance's append pass as an
 * idempotent re-append of another's, and it would cache its stale decision).
 *
 * A claim whose rule has no caps is granted at once and writes nothing (there is nothing to
 * count against). A budget busy past the conflicts' limit throws `connect.budget_busy` (429;
 * the caller — an outbox effect — retries).
 */
export function budgetDesk(deps: { readonly store: EventStore; readonly clock: Clock }): BudgetDesk & { current(ruleId: string, day: string): Promise<RewardBudgetState> } {
  const runner = new HotStreamDecisions<ClaimBudget, RewardBudgetEvent, RewardBudgetState>(deps.store, rewardBudgetDecider, {
    commandIdOf: (command) => `reward-budget:${command.actionId}:${processTag}:${++sequence}`,
    nowOf: (command) => command.now,
    busy: budgetBusy,
    // a cached day holds every claim of it: keep the busy days, not every rule-day there ever was
    maxLanes: 1_000,
  });
  return {
    async claim(claim): Promise<BudgetAnswer> {
      if (claim.caps.perRulePerDay === undefined && claim.caps.perUserPerDay === undefined) return { granted: true };
      const outcome = await runner.decide({
        stream: streamOfRewardBudget(claim.ruleId, claim.day),
        command: { type: 'ClaimBudget', ruleId: claim.ruleId, day: claim.day, actionId: claim.actionId, version: claim.version, targetUserId: claim.targetUserId, amount: claim.amount, caps: claim.caps, now: deps.clock.now() },
        correlationId: claim.actionId,
        actor: 'system:connect-budgets',
      });
      if (outcome._tag === 'Left') throw new DomainErrorException(outcome.left);
      const verdict = verdictOf(outcome.right.state, claim.actionId);
      if (!verdict) throw new DomainErrorException(domainError('conflict', 'connect.budget_not_recorded', `the claim of action ${claim.actionId} was not recorded`));
      return verdict;
    },
    current: (ruleId, day) => runner.current(streamOfRewardBudget(ruleId, day)),
  };
}
