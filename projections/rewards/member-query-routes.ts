import { right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Database } from '../../adapters/database/database.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { MAX_SPONSOR_LEVELS } from '../../domain/rewards/reward-facts.js';
import { memberQueries, sponsorChain, unknownMember } from './member-projection.js';

const UserId = withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= 200, 'UserId'), { type: 'string', minLength: 1, maxLength: 200 }, { expected: 'a member’s user id' });
const Instant = t.union([t.string, t.null]);

/** A member as Connect knows them (issue 14 item 4). */
export const MembershipView = t.type({
  user_id: t.string,
  /** basic, vip or pro: the highest upgrade reported (the tier never goes down). */
  tier: t.keyof({ basic: null, vip: null, pro: null }),
  vip_since: Instant,
  pro_since: Instant,
  /** The direct sponsor (whose referral link they joined through); null when none was reported. */
  sponsor_id: t.union([t.string, t.null]),
  /** The sponsor chain upward, direct sponsor first, up to MAX_SPONSOR_LEVELS (ends early at a member already in it). */
  sponsor_chain: t.array(t.string),
  joined_at: Instant,
  /** Members who joined through this member's link (level 1). */
  referral_count: t.number,
  /** Members who joined through the links of this member's referrals (level 2). */
  second_level_referral_count: t.number,
  /** Locked rewards waiting for this member to satisfy their condition (e.g. vip_or_pro). */
  locked_rewards_waiting: t.number,
});
export type MembershipView = t.TypeOf<typeof MembershipView>;

const DESCRIPTION = `The member’s tier (basic, vip, pro — from the upgrade reports: referral.user_upgraded_to_vip, user.upgraded_to_pro), the direct sponsor and the chain of sponsors above (up to ${MAX_SPONSOR_LEVELS} levels; from referral.joined / referral.subjoined), how many joined through their link (level 1 and 2), and how many locked rewards wait for them (released when they become VIP or PRO). A user no event named yet is a basic member with nothing. Read models of the ingested events: they follow an ingestion within moments.`;

/** A member's membership: their own (`/me`), anyone's for support and admins. */
export function memberQueryRoutes(database: Database): Route[] {
  const queries = memberQueries(database.db);
  async function membership(userId: string) {
    const records = await queries.records([userId]);
    const member = records.get(userId) ?? unknownMember(userId);
    const body: MembershipView = {
      user_id: userId,
      tier: member.tier,
      vip_since: member.vip_since,
      pro_since: member.pro_since,
      sponsor_id: member.sponsor_id,
      sponsor_chain: sponsorChain(records, userId),
      joined_at: member.joined_at,
      referral_count: member.referral_count,
      second_level_referral_count: member.second_level_referral_count,
      locked_rewards_waiting: await queries.waitingLockedRewards(userId),
    };
    return right({ status: 200, body });
  }
  return [
    // before /{userId}: "me" is the caller
    defineRoute({
      method: 'get',
      path: '/connect/users/me/membership',
      summary: 'The caller’s Connect membership: tier, sponsors, referrals, locked rewards waiting (issue 14)',
      description: `Any signed-in user: their own. ${DESCRIPTION}`,
      tags: ['connect'],
      auth: { roles: ['user'] },
      responses: {
        200: { description: 'The membership', schema: MembershipView },
        401: { description: 'No valid access token' },
        403: { description: 'Not a user (a service principal)' },
      },
      handle: async ({ principal }) => membership(principal.id),
    }),
    defineRoute({
      method: 'get',
      path: '/connect/users/:userId/membership',
      summary: 'A member’s Connect membership, for support and admins (issue 14)',
      description: `Support and admins; a member reads their own at /connect/users/me/membership. ${DESCRIPTION}`,
      tags: ['connect'],
      auth: { roles: ['admin', 'support'] },
      params: t.type({ userId: UserId }),
      responses: {
        200: { description: 'The membership', schema: MembershipView },
        400: { description: 'A malformed user id' },
        401: { description: 'No valid access token' },
        403: { description: 'Neither support nor admin' },
      },
      handle: async ({ params }) => membership(params.userId),
    }),
  ];
}
