import * as t from 'io-ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { pickEvents } from '../../domain/event-codec.js';
import { EconomicEventEvent } from '../../domain/rewards/economic-event.js';
import { RewardActionEvent } from '../../domain/rewards/reward-action.js';
import { defineProjection, type ProjectedEvent, type Projection } from '../projection.js';

export const REWARDS_PROJECTION = 'connect-rewards';

const RewardReadEvents = pickEvents(t.union([EconomicEventEvent, RewardActionEvent]), [
  'EconomicEventIngested',
  'EconomicEventEvaluated',
  'RewardActionCreated',
  'RewardActionBudgetGranted',
  'RewardActionRejected',
  'RewardActionUnlocked',
  'RewardActionDispatched',
  'RewardActionCompleted',
  'RewardActionFailed',
  'RewardActionRetried',
]);
type RewardReadEvent = t.TypeOf<typeof RewardReadEvents>;

/**
 * The read side of Connect's events and rewards (R-6):
 * - `rm_economic_events` — every EconomicEvent with the rule versions it was evaluated under;
 * - `rm_reward_actions` — every RewardAction as it stands (a user's rewards, an event's actions);
 * - `rm_reward_action_history` — one row per status change (the action's history);
 * - BI `economic_events`, `reward_actions` (current), `reward_action_status_changes` (one row
 *   per change) and the view `reward_totals_daily` (per rule, version, UTC day and reward type).
 * User ids are pseudonyms; the event's context is not copied to BI (it is the source's free-form data).
 */
export function rewardProjection(biSchema = 'bi'): Projection<RewardReadEvent> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: REWARDS_PROJECTION,
    events: RewardReadEvents,
    migrations: rewardMigrations(biSchema),
    rebind: (other) => rewardProjection(other),
    async apply(trx, events) {
      for (const event of events) await applyOne(trx, event);
    },
  });

  async function status(trx: Transaction<any>, actionId: string, to: string, at: string, detail: Record<string, unknown>, extra: { attempt?: number; lastError?: string | null; result?: unknown; completedAt?: string } = {}) {
    await sql`
      update rm_reward_actions set status = ${to}, updated_at = ${at}::timestamptz,
        attempt = coalesce(${extra.attempt ?? null}::int, attempt),
        last_error = case when ${extra.lastError !== undefined} then ${extra.lastError ?? null} else last_error end,
        result = coalesce(${extra.result === undefined ? null : JSON.stringify(extra.result)}::jsonb, result),
        completed_at = coalesce(${extra.completedAt ?? null}::timestamptz, completed_at)
      where action_id = ${actionId}`.execute(trx);
    await sql`
      update ${bi('reward_actions')} set status = ${to}, updated_at = ${at}::timestamptz, completed_at = coalesce(${extra.completedAt ?? null}::timestamptz, completed_at),
        last_error = case when ${extra.lastError !== undefined} then ${extra.lastError ?? null} else last_error end
      where action_id = ${actionId}`.execute(trx);
    await history(trx, actionId, to, at, detail);
  }

  async function history(trx: Transaction<any>, actionId: string, to: string, at: string, detail: Record<string, unknown>) {
    await sql`
      insert into rm_reward_action_history (action_id, status, at, detail) values (${actionId}, ${to}, ${at}::timestamptz, ${JSON.stringify(detail)}::jsonb)`.execute(trx);
    await sql`
      insert into ${bi('reward_action_status_changes')} (action_id, rule_id, rule_version, reward_type, target_user_id, status, amount, changed_at)
      select action_id, rule_id, rule_version, reward_type, target_user_id, ${to}, amount, ${at}::timestamptz from rm_reward_actions where action_id = ${actionId}`.execute(trx);
  }

  async function applyOne(trx: Transaction<any>, event: ProjectedEvent<RewardReadEvent>) {
    switch (event.type) {
      case 'EconomicEventIngested': {
        const d = event.data;
        await sql`
          insert into rm_economic_events (event_id, external_id, source_service, event_type, actor_user_id, primary_subject_user_id, context, occurred_at, ingested_at, ingested_by)
          values (${d.eventId}, ${d.externalId}, ${d.sourceService}, ${d.eventType}, ${d.actorUserId}, ${d.primarySubjectUserId}, ${JSON.stringify(d.context)}::jsonb,
                  ${d.occurredAt}::timestamptz, ${d.ingestedAt}::timestamptz, ${d.ingestedBy})
          on conflict (event_id) do nothing`.execute(trx);
        await sql`
          insert into ${bi('economic_events')} (event_id, external_id, source_service, event_type, actor_user_id, primary_subject_user_id, occurred_at, ingested_at)
          values (${d.eventId}, ${d.externalId}, ${d.sourceService}, ${d.eventType}, ${d.actorUserId}, ${d.primarySubjectUserId}, ${d.occurredAt}::timestamptz, ${d.ingestedAt}::timestamptz)
          on conflict (event_id) do nothing`.execute(trx);
        return;
      }
      case 'EconomicEventEvaluated': {
        const d = event.data;
        await sql`update rm_economic_events set rules = ${JSON.stringify(d.rules)}::jsonb, proposed_actions = ${d.actions.length} where event_id = ${d.eventId}`.execute(trx);
        await sql`update ${bi('economic_events')} set rule_versions = ${d.rules.map((r) => `${r.ruleId}@${r.version}`).join(',')}, proposed_actions = ${d.actions.length} where event_id = ${d.eventId}`.execute(trx);
        return;
      }
      case 'RewardActionCreated': {
        const d = event.data;
        const inserted = await sql`
          insert into rm_reward_actions (action_id, event_id, external_id, source_service, event_type, rule_id, rule_version, reward_index, target_user_id, reward_type,
                                         amount, badge_type, badge_level, locked_until, status, attempt, created_at, updated_at)
          values (${d.actionId}, ${d.eventId}, ${d.externalId}, ${d.sourceService}, ${d.eventType}, ${d.ruleId}, ${d.ruleVersion}, ${d.rewardIndex}, ${d.targetUserId}, ${d.rewardType},
                  ${d.amount}, ${d.badge?.type ?? null}, ${d.badge?.level ?? null}, ${d.lockedUntil}, ${d.status}, 1, ${d.createdAt}::timestamptz, ${d.createdAt}::timestamptz)
          on conflict (action_id) do nothing`.execute(trx);
        if (Number(inserted.numAffectedRows ?? 0) === 0) return;
        await sql`
          insert into ${bi('reward_actions')} (action_id, event_id, event_type, source_service, rule_id, rule_version, target_user_id, reward_type, amount, badge_type, badge_level, status, event_occurred_at, created_at, updated_at)
          values (${d.actionId}, ${d.eventId}, ${d.eventType}, ${d.sourceService}, ${d.ruleId}, ${d.ruleVersion}, ${d.targetUserId}, ${d.rewardType}, ${d.amount === null ? null : sql`${d.amount}::numeric`},
                  ${d.badge?.type ?? null}, ${d.badge?.level ?? null}, ${d.status}, ${d.occurredAt}::timestamptz, ${d.createdAt}::timestamptz, ${d.createdAt}::timestamptz)
          on conflict (action_id) do nothing`.execute(trx);
        await history(trx, d.actionId, d.status, d.createdAt, { locked_until: d.lockedUntil });
        return;
      }
      case 'RewardActionBudgetGranted':
        await sql`update rm_reward_actions set budget_day = ${event.data.day} where action_id = ${event.data.actionId}`.execute(trx);
        return;
      case 'RewardActionRejected':
        return status(trx, event.data.actionId, 'rejected', event.data.rejectedAt, { reason: event.data.reason }, { lastError: event.data.reason });
      case 'RewardActionUnlocked':
        return status(trx, event.data.actionId, 'pending', event.data.unlockedAt, { cause: event.data.cause });
      case 'RewardActionDispatched':
        return status(trx, event.data.actionId, 'dispatched', event.data.dispatchedAt, { attempt: event.data.attempt, ...(event.data.gatewayRequestId ? { gateway_request_id: event.data.gatewayRequestId } : {}) }, { attempt: event.data.attempt });
      case 'RewardActionCompleted':
        return status(trx, event.data.actionId, 'completed', event.data.completedAt, { attempt: event.data.attempt, result: event.data.result }, { result: event.data.result, lastError: null, completedAt: event.data.completedAt });
      case 'RewardActionFailed':
        return status(trx, event.data.actionId, 'failed', event.data.failedAt, { attempt: event.data.attempt, code: event.data.code, reason: event.data.reason }, { lastError: `${event.data.code}: ${event.data.reason}` });
      case 'RewardActionRetried':
        return status(trx, event.data.actionId, 'pending', event.data.retriedAt, { attempt: event.data.attempt, retried_by: event.data.retriedBy }, { attempt: event.data.attempt, lastError: null });
    }
  }
}

function rewardMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return {
    'connect-rewards-0001-tables': {
      async up(db: Kysely<any>) {
        await sql`
          create table rm_economic_events (
            event_id text primary key,
            external_id text not null,
            source_service text not null,
            event_type text not null,
            actor_user_id text not null,
            primary_subject_user_id text,
            context jsonb not null,
            occurred_at timestamptz not null,
            ingested_at timestamptz not null,
            ingested_by text not null,
            rules jsonb not null default '[]',
            proposed_actions int not null default 0,
            unique (source_service, external_id)
          )`.execute(db);
        await sql`
          create table rm_reward_actions (
            action_id text primary key,
            event_id text not null,
            external_id text not null,
            source_service text not null,
            event_type text not null,
            rule_id text not null,
            rule_version int not null,
            reward_index int not null,
            target_user_id text not null,
            reward_type text not null,
            amount text,
            badge_type text,
            badge_level int,
            locked_until text,
            status text not null,
            attempt int not null,
            budget_day text,
            last_error text,
            result jsonb,
            created_at timestamptz not null,
            updated_at timestamptz not null,
            completed_at timestamptz
          )`.execute(db);
        await sql`create index rm_reward_actions_by_target on rm_reward_actions (target_user_id, created_at desc, action_id desc)`.execute(db);
        await sql`create index rm_reward_actions_by_event on rm_reward_actions (event_id)`.execute(db);
        await sql`create index rm_reward_actions_by_status on rm_reward_actions (status, created_at desc, action_id desc)`.execute(db);
        await sql`
          create table rm_reward_action_history (
            seq bigserial primary key,
            action_id text not null,
            status text not null,
            at timestamptz not null,
            detail jsonb not null
          )`.execute(db);
        await sql`create index rm_reward_action_history_by_action on rm_reward_action_history (action_id, seq)`.execute(db);

        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('economic_events')} (
            event_id text primary key,
            external_id text not null,
            source_service text not null,
            event_type text not null,
            actor_user_id text not null,
            primary_subject_user_id text,
            occurred_at timestamptz not null,
            ingested_at timestamptz not null,
            rule_versions text,
            proposed_actions int not null default 0
          )`.execute(db);
        await sql`
          create table ${bi('reward_actions')} (
            action_id text primary key,
            event_id text not null,
            event_type text not null,
            source_service text not null,
            rule_id text not null,
            rule_version int not null,
            target_user_id text not null,
            reward_type text not null,
            amount numeric,
            badge_type text,
            badge_level int,
            status text not null,
            last_error text,
            event_occurred_at timestamptz not null,
            created_at timestamptz not null,
            updated_at timestamptz not null,
            completed_at timestamptz
          )`.execute(db);
        await sql`
          create table ${bi('reward_action_status_changes')} (
            action_id text not null,
            rule_id text not null,
            rule_version int not null,
            reward_type text not null,
            target_user_id text not null,
            status text not null,
            amount text,
            changed_at timestamptz not null
          )`.execute(db);
        await sql`create index on ${bi('reward_action_status_changes')} (action_id, changed_at)`.execute(db);
        await sql`
          create view ${bi('reward_totals_daily')} as
          select rule_id, rule_version, (event_occurred_at at time zone 'UTC')::date as day, reward_type,
                 count(*) as actions,
                 count(*) filter (where status = 'completed') as completed,
                 count(*) filter (where status = 'locked') as locked,
                 count(*) filter (where status in ('pending', 'dispatched')) as in_flight,
                 count(*) filter (where status = 'failed') as failed,
                 count(*) filter (where status = 'rejected') as rejected,
                 coalesce(sum(amount) filter (where status = 'completed'), 0) as amount_completed,
                 coalesce(sum(amount), 0) as amount_granted
          from ${bi('reward_actions')}
          group by rule_id, rule_version, (event_occurred_at at time zone 'UTC')::date, reward_type`.execute(db);
        await sql`comment on table ${bi('economic_events')} is 'Connect (R-1): one row per EconomicEvent reported by a source service: type, source, actor and primary subject (user ids), when it happened and was ingested, the rule versions it was evaluated under (rule@version, comma-separated), how many reward actions it proposed. The source''s context is not copied'`.execute(db);
        await sql`comment on table ${bi('reward_actions')} is 'Connect (R-3): one row per RewardAction as it stands now: the event, the rule id and version that produced it, the target user id, reward type (points, g2a_offchain, g2a_onchain, nft), amount (points or G2A jetton units, 9 decimals) or badge, status (locked, pending, dispatched, completed, failed, rejected), when the event happened, created, last changed, completed'`.execute(db);
        await sql`comment on table ${bi('reward_action_status_changes')} is 'Connect (R-3): one row per status change of a RewardAction (its whole history), with the rule and version, type, target and amount'`.execute(db);
        await sql`comment on view ${bi('reward_totals_daily')} is 'Connect (R-6): totals per rule, rule version, UTC day of the event and reward type: actions, completed, locked, in flight, failed, rejected, amount completed and granted'`.execute(db);
      },
    },
  };
}

export interface RewardActionRow {
  action_id: string;
  event_id: string;
  external_id: string;
  source_service: string;
  event_type: string;
  rule_id: string;
  rule_version: number;
  reward_index: number;
  target_user_id: string;
  reward_type: string;
  amount: string | null;
  badge_type: string | null;
  badge_level: number | null;
  locked_until: string | null;
  status: string;
  attempt: number;
  last_error: string | null;
  result: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

export interface EconomicEventRow {
  event_id: string;
  external_id: string;
  source_service: string;
  event_type: string;
  actor_user_id: string;
  primary_subject_user_id: string | null;
  context: Record<string, unknown>;
  occurred_at: Date;
  ingested_at: Date;
  ingested_by: string;
  rules: { ruleId: string; version: number }[];
  proposed_actions: number;
}

const parsed = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));

/** The queries of the reward read models (routes, specs, the bench). */
export function rewardQueries(db: Kysely<any>) {
  const actionRow = (row: RewardActionRow): RewardActionRow => ({ ...row, result: row.result === null ? null : parsed(row.result) });
  return {
    async rewardsOf(userId: string, options: { status?: string; after?: { createdAt: string; actionId: string }; limit: number }): Promise<RewardActionRow[]> {
      const { rows } = await sql<RewardActionRow>`
        select * from rm_reward_actions
        where target_user_id = ${userId}
          and (${options.status ?? null}::text is null or status = ${options.status ?? null})
          and (${options.after?.createdAt ?? null}::timestamptz is null or (created_at, action_id) < (${options.after?.createdAt ?? null}::timestamptz, ${options.after?.actionId ?? ''}))
        order by created_at desc, action_id desc
        limit ${options.limit + 1}`.execute(db);
      return rows.map(actionRow);
    },
    async action(actionId: string): Promise<RewardActionRow | undefined> {
      const { rows } = await sql<RewardActionRow>`select * from rm_reward_actions where action_id = ${actionId}`.execute(db);
      return rows[0] ? actionRow(rows[0]) : undefined;
    },
    async historyOf(actionId: string): Promise<{ status: string; at: Date; detail: Record<string, unknown> }[]> {
      const { rows } = await sql<{ status: string; at: Date; detail: unknown }>`select status, at, detail from rm_reward_action_history where action_id = ${actionId} order by seq`.execute(db);
      return rows.map((r) => ({ status: r.status, at: r.at, detail: parsed(r.detail) }));
    },
    async actionsOfEvent(eventId: string): Promise<RewardActionRow[]> {
      const { rows } = await sql<RewardActionRow>`select * from rm_reward_actions where event_id = ${eventId} order by rule_id, reward_index, action_id`.execute(db);
      return rows.map(actionRow);
    },
    async economicEvent(eventId: string): Promise<EconomicEventRow | undefined> {
      const { rows } = await sql<EconomicEventRow>`select * from rm_economic_events where event_id = ${eventId}`.execute(db);
      const row = rows[0];
      return row ? { ...row, context: parsed(row.context), rules: parsed(row.rules) } : undefined;
    },
    async countByStatus(actionIds: readonly string[]): Promise<Map<string, number>> {
      if (actionIds.length === 0) return new Map();
      const { rows } = await sql<{ status: string; n: string }>`select status, count(*)::text as n from rm_reward_actions where action_id = any(${[...actionIds]}) group by status`.execute(db);
      return new Map(rows.map((r) => [r.status, Number(r.n)]));
    },
  };
}
export type RewardQueries = ReturnType<typeof rewardQueries>;
