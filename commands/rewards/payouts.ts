import type { PayoutsPart, RewardsDependencies } from './rewards-desks.js';

/** Points ledger, off-chain G2A ledger, withdrawals, balances (issue 14 items 6–7). Placeholder until built. */
export function payoutsPart(_deps: RewardsDependencies): PayoutsPart {
  const no = async (): Promise<never> => {
    throw new Error('payouts are not built yet');
  };
  return { part: {}, points: { credit: no }, g2a: { credit: no } };
}
