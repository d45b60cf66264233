import { memberProjection } from '../../projections/rewards/member-projection.js';
import { memberQueryRoutes } from '../../projections/rewards/member-query-routes.js';
import { memberUpgradeSaga } from '../../sagas/rewards/member-upgrade-saga.js';
import { memberDesk } from './member-desk.js';
import { memberEffects } from './member-effects.js';
import type { MembersPart, RewardsDependencies } from './rewards-desks.js';

/**
 * Members (issue 14 items 4–5): tiers, the referral graph and counters as read models of the
 * ingested events (`rewards-members`: rm_connect_members, rm_connect_activity,
 * rm_connect_locked_rewards, BI connect_members), the facts snapshot a report is evaluated with,
 * the locks on `ConnectMember-<userId>` (hold / release), the saga that raises a member's tier on
 * an upgrade report (`rewards-member-upgrades` → `rewards.raise-tier`), and the membership routes.
 */
export function membersPart(deps: RewardsDependencies): MembersPart {
  const { system } = deps;
  const projection = memberProjection(system.database.biSchema);
  const members = memberDesk(system);
  return {
    part: {
      migrations: [projection.migrations!],
      projections: [projection],
      sagas: [memberUpgradeSaga()],
      effects: memberEffects(members),
      routes: memberQueryRoutes(system.database),
    },
    members,
  };
}
