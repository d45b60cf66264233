import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Database } from '../../adapters/database/database.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { CursorTimestamp, pageCodec, pageOf, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import type { Principal } from '../../adapters/http/principal.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';
import { REWARD_ACTION_STATUSES } from '../../domain/rewards/reward-action.js';
import { rewardWithEventFields } from './reward-fields.js';
import { rewardQueries, type EconomicEventRow, type RewardActionRow } from './reward-projection.js';

const UserFilter = withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= 200, 'UserId'), { type: 'string', minLength: 1, maxLength: 200 }, { expected: 'a user id' });
const StatusFilter = withJsonSchema(
  t.keyof(Object.fromEntries(REWARD_ACTION_STATUSES.map((s) => [s, null])) as Record<string, null>),
  { type: 'string', enum: [...REWARD_ACTION_STATUSES] },
  { expected: `one of ${REWARD_ACTION_STATUSES.join(', ')}` },
);
const Id = withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= 100, 'Id'), { type: 'string', minLength: 1, maxLength: 100 });
const RewardKey = t.type({ createdAt: CursorTimestamp, actionId: t.string });

/** Support and admins read anyone's rewards; rewards admins too (they run the rules). */
const seesAll = (principal: Principal) => ['admin', 'support', 'rewards_admin'].some((role) => principal.roles.includes(role));

export const RewardView = t.type({
  ...rewardWithEventFields,
  locked_until: t.union([t.string, t.null]),
  attempt: t.number,
  last_error: t.union([t.string, t.null]),
  result: t.union([t.UnknownRecord, t.null]),
  created_at: t.string,
  updated_at: t.string,
  completed_at: t.union([t.string, t.null]),
});

export const rewardView = (row: RewardActionRow) => ({
  action_id: row.action_id,
  event_id: row.event_id,
  event_type: row.event_type,
  source_service: row.source_service,
  external_id: row.external_id,
  rule_id: row.rule_id,
  rule_version: row.rule_version,
  target_user_id: row.target_user_id,
  reward_type: row.reward_type,
  amount: row.amount,
  badge: row.badge_type === null ? null : { type: row.badge_type, level: row.badge_level ?? 1 },
  status: row.status,
  locked_until: row.locked_until,
  attempt: row.attempt,
  last_error: row.last_error,
  result: row.result,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  completed_at: row.completed_at?.toISOString() ?? null,
});

const eventView = (row: EconomicEventRow) => ({
  event_id: row.event_id,
  external_id: row.external_id,
  source_service: row.source_service,
  event_type: row.event_type,
  actor_user_id: row.actor_user_id,
  primary_subject_user_id: row.primary_subject_user_id,
  context: row.context,
  occurred_at: row.occurred_at.toISOString(),
  ingested_at: row.ingested_at.toISOString(),
  rule_versions: row.rules.map((r) => ({ rule_id: r.ruleId, version: r.version })),
});

/** a user's rewards with their statuses, one reward with its history, an EconomicEvent with the actions it caused. */
export function rewardQueryRoutes(database: Database): Route[] {
  const queries = rewardQueries(database.db);
  return [
    defineRoute({
      method: 'get',
      path: '/connect/rewards',
      summary: 'A user’s rewards with their statuses, newest first, cursor-paginated (R-6)',
      description:
        'A signed-in user reads their own; support, rewards admins and admins may name `user_id`. Filter by `status` (locked, pending, dispatched, completed, failed, rejected). `limit` 1–100 (default 20); pass `nextCursor` as `cursor` for the next page. A reward appears a moment after its event was ingested (the dispatcher creates it).',
      tags: ['connect'],
      auth: { roles: ['user', 'support', 'rewards_admin'] },
      query: t.intersection([pageQuery, t.partial({ user_id: UserFilter, status: StatusFilter })]),
      responses: {
        200: { description: 'A page of rewards', schema: pageCodec(RewardView) },
        400: { description: 'A malformed user_id, status, limit or cursor' },
        403: { description: 'rewards.not_yours: user_id names another user and the caller is neither support nor an admin' },
      },
      handle: async ({ query, principal }) => {
        const page = readPageRequest(query, RewardKey);
        const userId = query.user_id ?? principal.id;
        if (userId !== principal.id && !seesAll(principal)) return left(domainError('forbidden', 'rewards.not_yours', 'a user reads only their own rewards', 'user_id'));
        const rows = await queries.rewardsOf(userId, { ...(query.status ? { status: query.status } : {}), ...(page.after ? { after: page.after } : {}), limit: page.limit });
        const paged = pageOf(rows, page, (row) => ({ createdAt: row.created_at.toISOString(), actionId: row.action_id }), RewardKey);
        return right({ status: 200, body: { items: paged.items.map(rewardView), nextCursor: paged.nextCursor } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/connect/rewards/:id',
      summary: 'One reward action with its status history (R-3)',
      tags: ['connect'],
      auth: { roles: ['user', 'support', 'rewards_admin'] },
      params: t.type({ id: Id }),
      responses: {
        200: { description: 'The reward and every status it went through', schema: t.intersection([RewardView, t.type({ history: t.array(t.type({ status: t.string, at: t.string, detail: t.UnknownRecord })) })]) },
        404: { description: 'No such reward (or not the caller’s)' },
      },
      handle: async ({ params, principal }) => {
        const row = await queries.action(params.id);
        if (!row || (row.target_user_id !== principal.id && !seesAll(principal))) return left(domainError('not_found', 'reward.not_found', `no reward ${params.id}`, 'id'));
        const history = await queries.historyOf(params.id);
        return right({ status: 200, body: { ...rewardView(row), history: history.map((h) => ({ status: h.status, at: h.at.toISOString(), detail: h.detail })) } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/connect/events/:id',
      summary: 'An EconomicEvent with the reward actions it caused (R-1, R-6)',
      description: 'Support, rewards admins and admins; the service principal that reported it. The rule versions it was evaluated under are listed — a rule activated later never changes them.',
      tags: ['connect'],
      auth: {},
      params: t.type({ id: Id }),
      responses: {
        200: { description: 'The event and its actions', schema: t.UnknownRecord },
        404: { description: 'No such event (or not visible to the caller)' },
      },
      handle: async ({ params, principal }) => {
        const row = await queries.economicEvent(params.id);
        const reporter = row?.ingested_by === `${principal.kind}:${principal.id}`;
        if (!row || (!reporter && !seesAll(principal))) return left(domainError('not_found', 'connect.event_not_found', `no event ${params.id}`, 'id'));
        const actions = await queries.actionsOfEvent(params.id);
        return right({ status: 200, body: { ...eventView(row), proposed_actions: row.proposed_actions, actions: actions.map(rewardView) } });
      },
    }),
  ];
}
