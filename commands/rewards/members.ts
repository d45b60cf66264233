import type { MembersPart, RewardsDependencies } from './rewards-desks.js';

/** Members: tiers, referral graph, counters, locks (issue 14 items 4–5). Placeholder until built. */
export function membersPart(_deps: RewardsDependencies): MembersPart {
  const no = async (): Promise<never> => {
    throw new Error('members are not built yet');
  };
  return { part: {}, members: { factsFor: no, caughtUpWith: async () => undefined, holdLocked: no, raiseTier: no } };
}
