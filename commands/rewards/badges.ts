import type { BadgesPart, RewardsDependencies } from './rewards-desks.js';

/** The badge registry (NFT service) and on-chain badges (issue 14 item 6). Placeholder until built. */
export function badgesPart(_deps: RewardsDependencies): BadgesPart {
  const no = async (): Promise<never> => {
    throw new Error('badges are not built yet');
  };
  return { part: {}, nft: { award: no } };
}
