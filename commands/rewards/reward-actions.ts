import type { ContextPart } from '../../adapters/app/context-module.js';
import type { BadgesPart, MembersPart, PayoutsPart, RewardsDependencies, RulesPart } from './rewards-desks.js';

/** Ingestion, reward actions, the dispatcher, the read side of events and actions (issue 14 items 1, 3–6, 8). Placeholder until built. */
export function rewardActionsPart(_deps: RewardsDependencies, _parts: { rules: RulesPart; members: MembersPart; payouts: PayoutsPart; badges: BadgesPart }): ContextPart {
  return {};
}
