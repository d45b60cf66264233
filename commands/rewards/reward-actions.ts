import type { ContextPart } from '../../adapters/app/context-module.js';
import { rewardProjection } from '../../projections/rewards/reward-projection.js';
import { rewardQueryRoutes } from '../../projections/rewards/reward-query-routes.js';
import { rewardsStream } from '../../projections/rewards/rewards-stream.js';
import { rewardDispatchSaga } from '../../sagas/rewards/reward-dispatch-saga.js';
import { rewardUnlockSaga } from '../../sagas/rewards/reward-unlock-saga.js';
import { connectEventRoutes } from './connect-event-routes.js';
import { rewardActionEffects } from './reward-action-effects.js';
import { rewardActionRoutes } from './reward-action-routes.js';
import type { BadgesPart, MembersPart, PayoutsPart, RewardsDependencies, RulesPart } from './rewards-desks.js';

/** How long a report's answer waits for the events read model (then it answers anyway). */
const READ_YOUR_WRITES_MS = 3_000;

/**
 * Ingestion, reward actions and their dispatcher (R-3 … R-5), the read side of events and
 * actions with BI and the published stream `connect.rewards`.
 */
export function rewardActionsPart(deps: RewardsDependencies, parts: { rules: RulesPart; members: MembersPart; payouts: PayoutsPart; badges: BadgesPart }): ContextPart {
  const { system } = deps;
  const projection = rewardProjection(system.database.biSchema);
  return {
    migrations: [projection.migrations!],
    projections: [projection],
    sagas: [rewardDispatchSaga, rewardUnlockSaga],
    effects: rewardActionEffects({
      store: system.store,
      clock: system.clock,
      budgets: parts.rules.budgets,
      members: parts.members.members,
      points: parts.payouts.points,
      g2a: parts.payouts.g2a,
      nft: parts.badges.nft,
      gateway: deps.gateway,
    }),
    routes: [
      ...connectEventRoutes({
        store: system.store,
        clock: system.clock,
        ruleBook: parts.rules.ruleBook,
        members: parts.members.members,
        latest: { position: null },
        batchMax: system.config.rewards.batchMax,
        eventsReached: (position) => system.waitForProjection(projection.name, position, READ_YOUR_WRITES_MS),
      }),
      ...rewardActionRoutes({ store: system.store, clock: system.clock }),
      ...rewardQueryRoutes(system.database),
    ],
    publishedStreams: [rewardsStream],
  };
}
