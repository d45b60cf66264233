import type { ReportedEvent, RewardFacts } from '../../domain/rewards/reward-facts.js';
import type { RewardsDependencies, RulesPart } from './rewards-desks.js';

/** Rules as versioned data, their routes and the daily budgets (issue 14 item 2). Placeholder until built. */
export function rulesPart(_deps: RewardsDependencies, _facts: { readonly factsFor: (report: ReportedEvent) => Promise<RewardFacts> }): RulesPart {
  return {
    part: {},
    ruleBook: { activeFor: async () => [] },
    budgets: { claim: async () => ({ granted: true }) },
  };
}
