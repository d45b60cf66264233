import * as t from 'io-ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { pickEvents } from '../../domain/event-codec.js';
import { EconomicEventEvent } from '../../domain/rewards/economic-event.js';
import { REWARD_ACTION_STATUS_EVENTS, RewardActionEvent } from '../../domain/rewards/reward-action.js';
import { defineProjection, type ProjectedEvent, type Projection } from '../projection.js';

export const REWARDS_PROJECTION = 'connect-rewards';

const RewardReadEvents = pickEvents(t.union([EconomicEventEvent, RewardActionEvent]), ['EconomicEventIngested', 'EconomicEventEvaluated', 'RewardActionBudgetGranted', ...REWARD_ACTION_STATUS_EVENTS]);
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
    apply: (trx, events) => applyBatch(trx, fold(events)),
  });

  /** A batch in a handful of set-based statements: new rows inserted as they stand after the batch, older ones updated once, every change a history row. */
  async function applyBatch(trx: Transaction<any>, batch: FoldedBatch) {
    const events = [...batch.events.values()];
    if (events.length > 0) {
      const set = sql`jsonb_to_recordset(${JSON.stringify(events)}::jsonb) as x(event_id text, external_id text, source_service text, event_type text, actor_user_id text, primary_subject_user_id text,
        context jsonb, occurred_at timestamptz, ingested_at timestamptz, ingested_by text, rules jsonb, proposed_actions int)`;
      await sql`
        insert into rm_economic_events (event_id, external_id, source_service, event_type, actor_user_id, primary_subject_user_id, context, occurred_at, ingested_at, ingested_by, rules, proposed_actions)
        select event_id, external_id, source_service, event_type, actor_user_id, primary_subject_user_id, context, occurred_at, ingested_at, ingested_by, coalesce(rules, '[]'), coalesce(proposed_actions, 0) from ${set}
        on conflict (event_id) do nothing`.execute(trx);
      await sql`
        insert into ${bi('economic_events')} (event_id, external_id, source_service, event_type, actor_user_id, primary_subject_user_id, occurred_at, ingested_at, rule_versions, proposed_actions)
        select event_id, external_id, source_service, event_type, actor_user_id, primary_subject_user_id, occurred_at, ingested_at,
               (select string_agg((r->>'ruleId') || '@' || (r->>'version'), ',') from jsonb_array_elements(coalesce(rules, '[]')) r), coalesce(proposed_actions, 0)
        from ${set}
        on conflict (event_id) do nothing`.execute(trx);
    }
    // an evaluation whose ingestion came in an earlier batch (they are appended together, so rarely)
    for (const evaluated of batch.lateEvaluations) {
      await sql`update rm_economic_events set rules = ${JSON.stringify(evaluated.rules)}::jsonb, proposed_actions = ${evaluated.proposed_actions} where event_id = ${evaluated.event_id}`.execute(trx);
      await sql`update ${bi('economic_events')} set rule_versions = ${evaluated.rules.map((r) => `${r.ruleId}@${r.version}`).join(',')}, proposed_actions = ${evaluated.proposed_actions} where event_id = ${evaluated.event_id}`.execute(trx);
    }
    const created = [...batch.actions.values()].filter((a) => a.created !== null);
    if (created.length > 0) {
      const rows = created.map((a) => ({ ...a.created!, ...a.now }));
      const set = sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(action_id text, event_id text, external_id text, source_service text, event_type text, rule_id text, rule_version int,
        reward_index int, target_user_id text, reward_type text, amount text, badge_type text, badge_level int, locked_until text, event_occurred_at timestamptz, created_at timestamptz,
        status text, attempt int, budget_day text, last_error text, result jsonb, updated_at timestamptz, completed_at timestamptz)`;
      await sql`
        insert into rm_reward_actions (action_id, event_id, external_id, source_service, event_type, rule_id, rule_version, reward_index, target_user_id, reward_type,
                                       amount, badge_type, badge_level, locked_until, status, attempt, budget_day, last_error, result, created_at, updated_at, completed_at)
        select action_id, event_id, external_id, source_service, event_type, rule_id, rule_version, reward_index, target_user_id, reward_type,
               amount, badge_type, badge_level, locked_until, status, coalesce(attempt, 1), budget_day, last_error, result, created_at, coalesce(updated_at, created_at), completed_at
        from ${set}
        on conflict (action_id) do nothing`.execute(trx);
      await sql`
        insert into ${bi('reward_actions')} (action_id, event_id, event_type, source_service, rule_id, rule_version, target_user_id, reward_type, amount, badge_type, badge_level,
                                             status, last_error, event_occurred_at, created_at, updated_at, completed_at)
        select action_id, event_id, event_type, source_service, rule_id, rule_version, target_user_id, reward_type, amount::numeric, badge_type, badge_level,
               status, last_error, event_occurred_at, created_at, coalesce(updated_at, created_at), completed_at
        from ${set}
        on conflict (action_id) do nothing`.execute(trx);
    }
    const changed = [...batch.actions.values()].filter((a) => a.created === null && (a.now.status !== undefined || a.now.budget_day !== undefined)).map((a) => a.now);
    if (changed.length > 0) {
      const set = sql`jsonb_to_recordset(${JSON.stringify(changed)}::jsonb) as x(action_id text, status text, attempt int, budget_day text, last_error text, clear_error boolean, result jsonb, updated_at timestamptz, completed_at timestamptz)`;
      await sql`
        update rm_reward_actions a set status = coalesce(x.status, a.status), attempt = coalesce(x.attempt, a.attempt), budget_day = coalesce(x.budget_day, a.budget_day),
          last_error = case when x.clear_error then null else coalesce(x.last_error, a.last_error) end,
          result = coalesce(x.result, a.result), updated_at = coalesce(x.updated_at, a.updated_at), completed_at = coalesce(x.completed_at, a.completed_at)
        from ${set} where a.action_id = x.action_id`.execute(trx);
      await sql`
        update ${bi('reward_actions')} a set status = coalesce(x.status, a.status),
          last_error = case when x.clear_error then null else coalesce(x.last_error, a.last_error) end,
          updated_at = coalesce(x.updated_at, a.updated_at), completed_at = coalesce(x.completed_at, a.completed_at)
        from ${set} where a.action_id = x.action_id`.execute(trx);
    }
    if (batch.history.length > 0) {
      const set = sql`jsonb_to_recordset(${JSON.stringify(batch.history.map((h, n) => ({ ...h, n })))}::jsonb) as x(action_id text, status text, at timestamptz, detail jsonb, n int)`;
      await sql`insert into rm_reward_action_history (action_id, status, at, detail) select action_id, status, at, detail from ${set} order by n`.execute(trx);
      await sql`
        insert into ${bi('reward_action_status_changes')} (action_id, rule_id, rule_version, reward_type, target_user_id, status, amount, changed_at)
        select x.action_id, a.rule_id, a.rule_version, a.reward_type, a.target_user_id, x.status, a.amount, x.at
        from ${set} join rm_reward_actions a on a.action_id = x.action_id order by x.n`.execute(trx);
    }
  }
}

interface EventRow {
  event_id: string;
  external_id: string;
  source_service: string;
  event_type: string;
  actor_user_id: string;
  primary_subject_user_id: string | null;
  context: Record<string, unknown>;
  occurred_at: string;
  ingested_at: string;
  ingested_by: string;
  rules?: readonly { ruleId: string; version: number }[];
  proposed_actions?: number;
}

/** What a batch changes on one action: its row as created in the batch (or null), and the columns the batch set. */
interface ActionChange {
  created: Record<string, unknown> | null;
  now: { action_id: string; status?: string; attempt?: number; budget_day?: string; last_error?: string | null; clear_error?: boolean; result?: unknown; updated_at?: string; completed_at?: string };
}

interface FoldedBatch {
  readonly events: Map<string, EventRow>;
  readonly lateEvaluations: { event_id: string; rules: readonly { ruleId: string; version: number }[]; proposed_actions: number }[];
  readonly actions: Map<string, ActionChange>;
  readonly history: { action_id: string; status: string; at: string; detail: Record<string, unknown> }[];
}

/** The batch folded in memory, in log order: one row per event and per action, every status change. */
function fold(events: readonly ProjectedEvent<RewardReadEvent>[]): FoldedBatch {
  const batch: FoldedBatch = { events: new Map(), lateEvaluations: [], actions: new Map(), history: [] };
  const change = (actionId: string): ActionChange => {
    let known = batch.actions.get(actionId);
    if (!known) batch.actions.set(actionId, (known = { created: null, now: { action_id: actionId } }));
    return known;
  };
  const status = (actionId: string, to: string, at: string, detail: Record<string, unknown>, set: Omit<ActionChange['now'], 'action_id' | 'status' | 'updated_at'> = {}) => {
    const c = change(actionId);
    Object.assign(c.now, { status: to, updated_at: at }, set);
    if (set.last_error === null) Object.assign(c.now, { clear_error: true, last_error: undefined });
    else if (set.last_error !== undefined) c.now.clear_error = false;
    batch.history.push({ action_id: actionId, status: to, at, detail });
  };
  for (const event of events) {
    switch (event.type) {
      case 'EconomicEventIngested': {
        const d = event.data;
        batch.events.set(d.eventId, {
          event_id: d.eventId,
          external_id: d.externalId,
          source_service: d.sourceService,
          event_type: d.eventType,
          actor_user_id: d.actorUserId,
          primary_subject_user_id: d.primarySubjectUserId,
          context: d.context,
          occurred_at: d.occurredAt,
          ingested_at: d.ingestedAt,
          ingested_by: d.ingestedBy,
        });
        break;
      }
      case 'EconomicEventEvaluated': {
        const d = event.data;
        const row = batch.events.get(d.eventId);
        if (row) Object.assign(row, { rules: d.rules, proposed_actions: d.actions.length });
        else batch.lateEvaluations.push({ event_id: d.eventId, rules: d.rules, proposed_actions: d.actions.length });
        break;
      }
      case 'RewardActionCreated': {
        const d = event.data;
        const c = change(d.actionId);
        c.created = {
          action_id: d.actionId,
          event_id: d.eventId,
          external_id: d.externalId,
          source_service: d.sourceService,
          event_type: d.eventType,
          rule_id: d.ruleId,
          rule_version: d.ruleVersion,
          reward_index: d.rewardIndex,
          target_user_id: d.targetUserId,
          reward_type: d.rewardType,
          amount: d.amount,
          badge_type: d.badge?.type ?? null,
          badge_level: d.badge?.level ?? null,
          locked_until: d.lockedUntil,
          event_occurred_at: d.occurredAt,
          created_at: d.createdAt,
        };
        Object.assign(c.now, { status: d.status, attempt: 1, updated_at: d.createdAt });
        batch.history.push({ action_id: d.actionId, status: d.status, at: d.createdAt, detail: { locked_until: d.lockedUntil } });
        break;
      }
      case 'RewardActionBudgetGranted':
        Object.assign(change(event.data.actionId).now, { budget_day: event.data.day });
        break;
      case 'RewardActionRejected':
        status(event.data.actionId, 'rejected', event.data.rejectedAt, { reason: event.data.reason }, { last_error: event.data.reason });
        break;
      case 'RewardActionUnlocked':
        status(event.data.actionId, 'pending', event.data.unlockedAt, { cause: event.data.cause });
        break;
      case 'RewardActionDispatched':
        status(event.data.actionId, 'dispatched', event.data.dispatchedAt, { attempt: event.data.attempt, ...(event.data.gatewayRequestId ? { gateway_request_id: event.data.gatewayRequestId } : {}) }, { attempt: event.data.attempt });
        break;
      case 'RewardActionCompleted':
        status(event.data.actionId, 'completed', event.data.completedAt, { attempt: event.data.attempt, result: event.data.result }, { result: event.data.result, last_error: null, completed_at: event.data.completedAt });
        break;
      case 'RewardActionFailed':
        status(event.data.actionId, 'failed', event.data.failedAt, { attempt: event.data.attempt, code: event.data.code, reason: event.data.reason }, { last_error: `${event.data.code}: ${event.data.reason}` });
        break;
      case 'RewardActionRetried':
        status(event.data.actionId, 'pending', event.data.retriedAt, { attempt: event.data.attempt, retried_by: event.data.retriedBy }, { attempt: event.data.attempt, last_error: null });
        break;
    }
  }
  return batch;
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
