import * as t from 'io-ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { RewardRuleEvent } from '../../domain/rewards/reward-rule.js';
import type { RuleVersionDocument } from '../../domain/rewards/rule-document.js';
import { defineProjection, type Projection } from '../projection.js';

export const RULES_PROJECTION = 'rewards-rules';

/**
 * Reward rules, read side:
 * - `rm_reward_rules`: one row per rule — its event type, name (of its latest version), the
 *   active version (null: inactive) and the latest version;
 * - `rm_reward_rule_versions`: every version with its document (jsonb), who made it and when.
 * The rule book (`activeFor(eventType)`) reads the active versions' documents from these: one
 * indexed query per evaluated event.
 * BI (the configurable BI schema): `reward_rules`, one row per version (rule, version, event
 * type, name, priority, created; when it first became active and when it last stopped being
 * active — null while it is), and `reward_rule_activations`, one row per period a version was
 * active. Rule and version ids, names and documents' figures only: no personal data (who made
 * a version stays in the read model).
 *
 * Rule events are few (an admin's changes, the default set at first start), so a batch is
 * applied event by event, in order — an activation closes the period of the version it
 * replaces — with the rows it touches loaded once.
 */
export function ruleProjection(biSchema = 'bi'): Projection<RewardRuleEvent> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: RULES_PROJECTION,
    events: RewardRuleEvent,
    migrations: ruleMigrations(biSchema),
    rebind: (other) => ruleProjection(other),
    async apply(trx, events) {
      const ids = [...new Set(events.map((e) => e.data.ruleId))];
      const active = await activeVersions(trx, ids);
      for (const event of events) {
        const d = event.data;
        switch (event.type) {
          case 'RuleVersionCreated': {
            const e = event.data;
            const name = typeof e.document.name === 'string' ? e.document.name : null;
            const priority = Number.isInteger(e.document.priority) ? (e.document.priority as number) : 1;
            await sql`
              insert into rm_reward_rule_versions (rule_id, version, event_type, document, created_by, created_at)
              values (${e.ruleId}, ${e.version}, ${e.eventType}, ${JSON.stringify(e.document)}::jsonb, ${e.createdBy}, ${e.createdAt}::timestamptz)
              on conflict do nothing`.execute(trx);
            await sql`
              insert into rm_reward_rules (rule_id, event_type, name, active_version, latest_version, created_at, updated_at)
              values (${e.ruleId}, ${e.eventType}, ${name}, null, ${e.version}, ${e.createdAt}::timestamptz, ${e.createdAt}::timestamptz)
              on conflict (rule_id) do update set name = excluded.name, latest_version = greatest(rm_reward_rules.latest_version, excluded.latest_version), updated_at = excluded.updated_at`.execute(trx);
            await sql`
              insert into ${bi('reward_rules')} (rule_id, version, event_type, name, priority, created_at, active_from, active_to)
              values (${e.ruleId}, ${e.version}, ${e.eventType}, ${name}, ${priority}, ${e.createdAt}::timestamptz, null, null)
              on conflict do nothing`.execute(trx);
            break;
          }
          case 'RuleVersionActivated': {
            const previous = active.get(d.ruleId) ?? null;
            const at = event.data.activatedAt;
            if (previous !== null) await closePeriod(trx, bi, d.ruleId, previous, at);
            await sql`update rm_reward_rules set active_version = ${d.version}, updated_at = ${at}::timestamptz where rule_id = ${d.ruleId}`.execute(trx);
            await sql`update ${bi('reward_rules')} set active_from = coalesce(active_from, ${at}::timestamptz), active_to = null where rule_id = ${d.ruleId} and version = ${d.version}`.execute(trx);
            await sql`
              insert into ${bi('reward_rule_activations')} (rule_id, activation_revision, version, active_from, active_to)
              values (${d.ruleId}, ${event.revision.toString()}::bigint, ${d.version}, ${at}::timestamptz, null) on conflict do nothing`.execute(trx);
            active.set(d.ruleId, d.version);
            break;
          }
          case 'RuleDeactivated': {
            const at = event.data.deactivatedAt;
            const previous = active.get(d.ruleId) ?? null;
            if (previous !== null) await closePeriod(trx, bi, d.ruleId, previous, at);
            await sql`update rm_reward_rules set active_version = null, updated_at = ${at}::timestamptz where rule_id = ${d.ruleId}`.execute(trx);
            active.set(d.ruleId, null);
            break;
          }
        }
      }
    },
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function closePeriod(trx: Transaction<any>, bi: (table: string) => ReturnType<typeof sql.table>, ruleId: string, version: number, at: string): Promise<void> {
  await sql`update ${bi('reward_rules')} set active_to = ${at}::timestamptz where rule_id = ${ruleId} and version = ${version}`.execute(trx);
  await sql`update ${bi('reward_rule_activations')} set active_to = ${at}::timestamptz where rule_id = ${ruleId} and version = ${version} and active_to is null`.execute(trx);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function activeVersions(trx: Transaction<any>, ids: readonly string[]): Promise<Map<string, number | null>> {
  const found = new Map<string, number | null>();
  if (ids.length === 0) return found;
  const { rows } = await sql<{ rule_id: string; active_version: number | null }>`select rule_id, active_version from rm_reward_rules where rule_id = any(${[...ids]}::text[])`.execute(trx);
  for (const row of rows) found.set(row.rule_id, row.active_version === null ? null : Number(row.active_version));
  return found;
}

function ruleMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return {
    'rewards-rules-0001-tables': {
      async up(db) {
        await sql`
          create table rm_reward_rules (
            rule_id text primary key, event_type text not null, name text, active_version integer, latest_version integer not null,
            created_at timestamptz not null, updated_at timestamptz not null
          )`.execute(db);
        await sql`create index rm_reward_rules_active on rm_reward_rules (event_type) where active_version is not null`.execute(db);
        await sql`
          create table rm_reward_rule_versions (
            rule_id text not null, version integer not null, event_type text not null, document jsonb not null, created_by text not null, created_at timestamptz not null,
            primary key (rule_id, version)
          )`.execute(db);
        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('reward_rules')} (
            rule_id text not null, version integer not null, event_type text not null, name text, priority integer not null,
            created_at timestamptz not null, active_from timestamptz, active_to timestamptz,
            primary key (rule_id, version)
          )`.execute(db);
        await sql`
          create table ${bi('reward_rule_activations')} (
            rule_id text not null, activation_revision bigint not null, version integer not null, active_from timestamptz not null, active_to timestamptz,
            primary key (rule_id, activation_revision)
          )`.execute(db);
        await sql`comment on table ${bi('reward_rules')} is 'One row per reward rule version (Connect, R-2): the rule, its version (1, 2, …; immutable), the event type it rewards, its name and priority, when it was created, when it first became active and when it last stopped being active (null while active; both null: never activated). Totals per rule version are in the reward tables'`.execute(db);
        await sql`comment on column ${bi('reward_rules')}.active_from is 'When this version first became active (a version activated again keeps its first time; every period is in reward_rule_activations)'`.execute(db);
        await sql`comment on column ${bi('reward_rules')}.active_to is 'When this version last stopped being active (another version activated, or the rule deactivated); null while it is active or was never active'`.execute(db);
        await sql`comment on table ${bi('reward_rule_activations')} is 'One row per period a reward rule version was active: from its activation to the activation of another version or the rule''s deactivation (active_to null: active now). An event is evaluated with the versions active when it is ingested'`.execute(db);
        await sql`comment on column ${bi('reward_rule_activations')}.activation_revision is 'Where the activation is in the rule''s history (its stream revision): orders the periods of one rule'`.execute(db);
      },
    },
  };
}

/* ---------- views (the HTTP answers) ---------- */

export const RuleSummaryView = t.type({
  rule_id: t.string,
  event_type: t.string,
  name: t.union([t.string, t.null]),
  /** null: the rule is inactive. */
  active_version: t.union([t.number, t.null]),
  latest_version: t.number,
  created_at: t.string,
  updated_at: t.string,
});
export type RuleSummaryView = t.TypeOf<typeof RuleSummaryView>;

export const RuleVersionSummaryView = t.type({ version: t.number, active: t.boolean, created_by: t.string, created_at: t.string });
export const RuleDetailView = t.intersection([RuleSummaryView, t.type({ versions: t.array(RuleVersionSummaryView) })]);
export type RuleDetailView = t.TypeOf<typeof RuleDetailView>;

export const RuleVersionView = t.type({
  rule_id: t.string,
  version: t.number,
  event_type: t.string,
  active: t.boolean,
  document: t.record(t.string, t.unknown),
  created_by: t.string,
  created_at: t.string,
});
export type RuleVersionView = t.TypeOf<typeof RuleVersionView>;

interface RuleRow {
  rule_id: string;
  event_type: string;
  name: string | null;
  active_version: number | string | null;
  latest_version: number | string;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (v: Date | string): string => new Date(v).toISOString();
const summaryOf = (row: RuleRow): RuleSummaryView => ({
  rule_id: row.rule_id,
  event_type: row.event_type,
  name: row.name,
  active_version: row.active_version === null ? null : Number(row.active_version),
  latest_version: Number(row.latest_version),
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
});

const documentOf = (value: unknown): Record<string, unknown> => (typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : (value as Record<string, unknown>));

/* ---------- queries ---------- */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ruleQueries(db: Kysely<any>) {
  return {
    /** The rule book: every active rule version for an event type, with its document. */
    async activeFor(eventType: string): Promise<readonly RuleVersionDocument[]> {
      const { rows } = await sql<{ rule_id: string; version: number | string; document: unknown }>`
        select v.rule_id, v.version, v.document from rm_reward_rules r
        join rm_reward_rule_versions v on v.rule_id = r.rule_id and v.version = r.active_version
        where r.event_type = ${eventType} and r.active_version is not null
        order by v.rule_id`.execute(db);
      return rows.map((row) => ({ ruleId: row.rule_id, version: Number(row.version), document: documentOf(row.document) }));
    },
    /** Whether any rule exists (the default rules were seeded, or an admin wrote one). */
    async anyRule(): Promise<boolean> {
      const { rows } = await sql<{ found: boolean }>`select exists (select 1 from rm_reward_rules) as found`.execute(db);
      return rows[0]?.found === true;
    },
    /** Rules by id, after `after`, `limit + 1` of them (pagination). */
    async rules(filter: { readonly after?: string; readonly eventType?: string; readonly limit: number }): Promise<RuleSummaryView[]> {
      const { rows } = await sql<RuleRow>`
        select * from rm_reward_rules
        where (${filter.after ?? null}::text is null or rule_id > ${filter.after ?? null}::text)
          and (${filter.eventType ?? null}::text is null or event_type = ${filter.eventType ?? null}::text)
        order by rule_id limit ${filter.limit + 1}`.execute(db);
      return rows.map(summaryOf);
    },
    async rule(ruleId: string): Promise<RuleDetailView | undefined> {
      const { rows } = await sql<RuleRow>`select * from rm_reward_rules where rule_id = ${ruleId}`.execute(db);
      const row = rows[0];
      if (!row) return undefined;
      const summary = summaryOf(row);
      const versions = await sql<{ version: number | string; created_by: string; created_at: Date | string }>`
        select version, created_by, created_at from rm_reward_rule_versions where rule_id = ${ruleId} order by version`.execute(db);
      return { ...summary, versions: versions.rows.map((v) => ({ version: Number(v.version), active: Number(v.version) === summary.active_version, created_by: v.created_by, created_at: iso(v.created_at) })) };
    },
    async version(ruleId: string, version: number): Promise<RuleVersionView | undefined> {
      const { rows } = await sql<{ rule_id: string; version: number | string; event_type: string; document: unknown; created_by: string; created_at: Date | string; active_version: number | string | null }>`
        select v.*, r.active_version from rm_reward_rule_versions v join rm_reward_rules r on r.rule_id = v.rule_id
        where v.rule_id = ${ruleId} and v.version = ${version}`.execute(db);
      const row = rows[0];
      if (!row) return undefined;
      return {
        rule_id: row.rule_id,
        version: Number(row.version),
        event_type: row.event_type,
        active: row.active_version !== null && Number(row.active_version) === Number(row.version),
        document: documentOf(row.document),
        created_by: row.created_by,
        created_at: iso(row.created_at),
      };
    },
  };
}
