import { mergeContextParts, type ContextFactory, type SystemDependencies } from '../../adapters/app/context-module.js';
import { badgesPart } from './badges.js';
import { membersPart } from './members.js';
import { payoutsPart } from './payouts.js';
import type { BlockchainGateway } from './ports/blockchain-gateway.js';
import { rewardActionsPart } from './reward-actions.js';
import type { RewardsDependencies } from './rewards-desks.js';
import { rulesPart } from './rules.js';

/**
 * Rewards "Connect" (SPEC R-1 … R-6): other services report what users did; each report is an
 * EconomicEvent evaluated by rules kept as versioned data; the rewards are RewardActions paid
 * out by the dispatcher — points, off-chain G2A, on-chain G2A through the gateway, NFT badges.
 * Each part is its own file; this one only wires them.
 */
export function rewardsModule(options: { readonly gateway: (system: SystemDependencies) => BlockchainGateway }): ContextFactory {
  return async (system) => {
    const deps: RewardsDependencies = { system, gateway: options.gateway(system) };
    const members = membersPart(deps);
    // simulate (POST /connect/rules/{id}/versions/{v}/simulate) evaluates with the facts the members read models give
    const rules = rulesPart(deps, { factsFor: (report) => members.members.factsFor(report) });
    const payouts = payoutsPart(deps);
    const badges = badgesPart(deps);
    const actions = rewardActionsPart(deps, { rules, members, payouts, badges });
    return {
      name: 'rewards',
      roles: [{ name: 'rewards_admin', description: 'writes and activates reward rules, retries failed rewards (Connect)' }],
      ...mergeContextParts([rules.part, members.part, payouts.part, badges.part, actions]),
    };
  };
}
