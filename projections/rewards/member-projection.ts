import * as t from 'io-ts';
import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { pickEvents } from '../../domain/event-codec.js';
import { EconomicEventEvent } from '../../domain/rewards/economic-event.js';
import { MemberEvent, REFERRAL_JOIN_EVENT_TYPES, tierOfUpgrade } from '../../domain/rewards/member.js';
import { MAX_SPONSOR_LEVELS, type Tier } from '../../domain/rewards/reward-facts.js';
import { defineProjection, type Projection } from '../projection.js';

export const MEMBERS_PROJECTION = 'rewards-members';

const MembersEvents = pickEvents(t.union([EconomicEventEvent, MemberEvent]), ['EconomicEventIngested', 'MemberLockedRewardHeld', 'MemberLockedRewardsReleased']);
type MembersEvent = t.TypeOf<typeof MembersEvents>;

/** An ISO instant as stored (`occurredAt` is checked at ingestion; a malformed one falls back to when it was ingested). */
const instant = (value: string, fallback: string): string => {
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : fallback;
};

interface MemberChange {
  user_id: string;
  sponsor_id: string | null;
  joined_at: string | null;
  vip_at: string | null;
  pro_at: string | null;
}

/**
 * Connect's members as read models of the ingested events (issue 14 item 4) — what a rule's
 * facts and the membership route read:
 *
 * - `rm_connect_members`: one row per user an EconomicEvent named as actor or primary subject
 *   (or a locked reward waits for): the tier (pro if ever upgraded to PRO, else vip if ever
 *   upgraded to VIP, else basic), since when VIP / PRO (the first upgrade's `occurred_at`), the
 *   direct sponsor and when they joined (`referral.joined` / `referral.subjoined`: the actor
 *   joined through the primary subject's link), the direct and second-level referral counts.
 *   A member's first sponsor stays: a later join report naming another one does not move them
 *   in the graph, and a join naming oneself is no link. The graph is a DAG in practice, not by
 *   construction — whoever walks it stops at a member already seen.
 * - `rm_connect_activity`: per user and event type, how many EconomicEvents they were the actor
 *   of (`quests_completed` is the `quest.completed` count).
 * - `rm_connect_locked_rewards`: the rewards held on a member's stream until a condition holds
 *   (`MemberLockedRewardHeld`), and when and why they were released.
 * - BI `connect_members`: one row per member — tier, sponsor, referral counts, VIP/PRO since,
 *   locked rewards waiting and released. Ids only, no personal data.
 *
 * A batch is folded in memory and written with a handful of set-based statements (members,
 * activity, referral counts of the sponsors it touched, locks, BI), whatever its size.
 */
export function memberProjection(biSchema = 'bi'): Projection<MembersEvent> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: MEMBERS_PROJECTION,
    events: MembersEvents,
    migrations: memberMigrations(biSchema),
    rebind: (other) => memberProjection(other),
    async apply(trx, events) {
      const members = new Map<string, MemberChange>();
      const member = (userId: string): MemberChange => {
        let change = members.get(userId);
        if (!change) members.set(userId, (change = { user_id: userId, sponsor_id: null, joined_at: null, vip_at: null, pro_at: null }));
        return change;
      };
      const earliest = (a: string | null, b: string): string => (a === null || b < a ? b : a);
      const activity = new Map<string, { user_id: string; event_type: string; count: number }>();
      const sponsors = new Set<string>();
      const held: { action_id: string; user_id: string; condition: string; event_id: string; held_at: string }[] = [];
      const released: { action_id: string; released_at: string; cause: string }[] = [];

      for (const event of events) {
        switch (event.type) {
          case 'EconomicEventIngested': {
            const d = event.data;
            const at = instant(d.occurredAt, d.ingestedAt);
            const actor = member(d.actorUserId);
            if (d.primarySubjectUserId !== null) member(d.primarySubjectUserId);
            const key = `${d.actorUserId}\u0000${d.eventType}`;
            const counted = activity.get(key);
            if (counted) counted.count += 1;
            else activity.set(key, { user_id: d.actorUserId, event_type: d.eventType, count: 1 });
            if (REFERRAL_JOIN_EVENT_TYPES.includes(d.eventType)) {
              actor.joined_at ??= at;
              if (d.primarySubjectUserId !== null && d.primarySubjectUserId !== d.actorUserId && actor.sponsor_id === null) {
                actor.sponsor_id = d.primarySubjectUserId;
                sponsors.add(d.primarySubjectUserId);
              }
            }
            const tier = tierOfUpgrade(d.eventType);
            if (tier === 'vip') actor.vip_at = earliest(actor.vip_at, at);
            if (tier === 'pro') actor.pro_at = earliest(actor.pro_at, at);
            break;
          }
          case 'MemberLockedRewardHeld': {
            const d = event.data;
            member(d.userId);
            held.push({ action_id: d.actionId, user_id: d.userId, condition: d.condition, event_id: d.eventId, held_at: d.heldAt });
            break;
          }
          case 'MemberLockedRewardsReleased': {
            const d = event.data;
            member(d.userId);
            for (const actionId of d.actionIds) released.push({ action_id: actionId, released_at: d.releasedAt, cause: d.cause });
            break;
          }
        }
      }

      const touched = new Set(members.keys());
      if (members.size > 0) {
        await sql`
          insert into rm_connect_members as m (user_id, tier, sponsor_id, joined_at, vip_at, pro_at)
          select x.user_id, case when x.pro_at is not null then 'pro' when x.vip_at is not null then 'vip' else 'basic' end,
            x.sponsor_id, x.joined_at::timestamptz, x.vip_at::timestamptz, x.pro_at::timestamptz
          from jsonb_to_recordset(${JSON.stringify([...members.values()])}::jsonb) as x(user_id text, sponsor_id text, joined_at text, vip_at text, pro_at text)
          on conflict (user_id) do update set
            sponsor_id = coalesce(m.sponsor_id, excluded.sponsor_id),
            joined_at = coalesce(m.joined_at, excluded.joined_at),
            vip_at = least(m.vip_at, excluded.vip_at),
            pro_at = least(m.pro_at, excluded.pro_at),
            tier = case when coalesce(m.pro_at, excluded.pro_at) is not null then 'pro' when coalesce(m.vip_at, excluded.vip_at) is not null then 'vip' else 'basic' end
          where (m.sponsor_id is null and excluded.sponsor_id is not null) or (m.joined_at is null and excluded.joined_at is not null)
            or excluded.vip_at < coalesce(m.vip_at, 'infinity'::timestamptz) or excluded.pro_at < coalesce(m.pro_at, 'infinity'::timestamptz)`.execute(trx);
      }
      if (activity.size > 0) {
        await sql`
          insert into rm_connect_activity as a (user_id, event_type, count)
          select x.user_id, x.event_type, x.count from jsonb_to_recordset(${JSON.stringify([...activity.values()])}::jsonb) as x(user_id text, event_type text, count bigint)
          on conflict (user_id, event_type) do update set count = a.count + excluded.count`.execute(trx);
      }
      if (sponsors.size > 0) {
        // the sponsors this batch linked someone to, and their sponsors (whose second level grew): counted again from the graph
        const { rows } = await sql<{ user_id: string }>`
          with linked as (select distinct s.u from jsonb_array_elements_text(${JSON.stringify([...sponsors])}::jsonb) as s(u)),
          affected as (select u from linked union select m.sponsor_id from rm_connect_members m join linked l on m.user_id = l.u where m.sponsor_id is not null)
          update rm_connect_members t set
            referral_count = (select count(*) from rm_connect_members c where c.sponsor_id = t.user_id),
            second_level_count = (select count(*) from rm_connect_members c join rm_connect_members p on c.sponsor_id = p.user_id where p.sponsor_id = t.user_id)
          from affected a where t.user_id = a.u
          returning t.user_id`.execute(trx);
        for (const row of rows) touched.add(row.user_id);
      }
      if (held.length > 0) {
        await sql`
          insert into rm_connect_locked_rewards (action_id, user_id, condition, event_id, held_at)
          select x.action_id, x.user_id, x.condition, x.event_id, x.held_at::timestamptz
          from jsonb_to_recordset(${JSON.stringify(held)}::jsonb) as x(action_id text, user_id text, condition text, event_id text, held_at text)
          on conflict (action_id) do nothing`.execute(trx);
      }
      if (released.length > 0) {
        await sql`
          update rm_connect_locked_rewards l set released_at = x.released_at::timestamptz, release_cause = x.cause
          from jsonb_to_recordset(${JSON.stringify(released)}::jsonb) as x(action_id text, released_at text, cause text)
          where l.action_id = x.action_id and l.released_at is null`.execute(trx);
      }
      if (touched.size > 0) {
        await sql`
          insert into ${bi('connect_members')} as b (user_id, tier, sponsor_id, joined_at, direct_referrals, second_level_referrals, vip_since, pro_since, locked_rewards_waiting, locked_rewards_released)
          select m.user_id, m.tier, m.sponsor_id, m.joined_at, m.referral_count, m.second_level_count, m.vip_at, m.pro_at,
            (select count(*) from rm_connect_locked_rewards l where l.user_id = m.user_id and l.released_at is null),
            (select count(*) from rm_connect_locked_rewards l where l.user_id = m.user_id and l.released_at is not null)
          from rm_connect_members m where m.user_id in (select jsonb_array_elements_text(${JSON.stringify([...touched])}::jsonb))
          on conflict (user_id) do update set tier = excluded.tier, sponsor_id = excluded.sponsor_id, joined_at = excluded.joined_at,
            direct_referrals = excluded.direct_referrals, second_level_referrals = excluded.second_level_referrals, vip_since = excluded.vip_since,
            pro_since = excluded.pro_since, locked_rewards_waiting = excluded.locked_rewards_waiting, locked_rewards_released = excluded.locked_rewards_released
          where (b.tier, b.sponsor_id, b.joined_at, b.direct_referrals, b.second_level_referrals, b.vip_since, b.pro_since, b.locked_rewards_waiting, b.locked_rewards_released)
            is distinct from (excluded.tier, excluded.sponsor_id, excluded.joined_at, excluded.direct_referrals, excluded.second_level_referrals, excluded.vip_since,
              excluded.pro_since, excluded.locked_rewards_waiting, excluded.locked_rewards_released)`.execute(trx);
      }
    },
  });
}

/* ---------- queries ---------- */

/** What the read models know of one member (a user they never saw: no row, i.e. basic, no sponsor, nothing done). */
export interface MemberRecord {
  readonly user_id: string;
  readonly tier: Tier;
  readonly sponsor_id: string | null;
  readonly joined_at: string | null;
  readonly vip_since: string | null;
  readonly pro_since: string | null;
  readonly referral_count: number;
  readonly second_level_referral_count: number;
  /** EconomicEvents of each type this member was the actor of. */
  readonly events_by_type: Readonly<Record<string, number>>;
}

interface MemberRecordRow {
  user_id: string;
  tier: string | null;
  sponsor_id: string | null;
  joined_at: Date | string | null;
  vip_at: Date | string | null;
  pro_at: Date | string | null;
  referral_count: number | string | null;
  second_level_count: number | string | null;
  events_by_type: unknown;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());
const TIERS_KNOWN: ReadonlySet<string> = new Set(['basic', 'vip', 'pro']);

function memberRecord(row: MemberRecordRow): MemberRecord {
  const byType = (typeof row.events_by_type === 'string' ? JSON.parse(row.events_by_type) : row.events_by_type ?? {}) as Record<string, number | string>;
  return {
    user_id: row.user_id,
    tier: row.tier !== null && TIERS_KNOWN.has(row.tier) ? (row.tier as Tier) : 'basic',
    sponsor_id: row.sponsor_id,
    joined_at: iso(row.joined_at),
    vip_since: iso(row.vip_at),
    pro_since: iso(row.pro_at),
    referral_count: Number(row.referral_count ?? 0),
    second_level_referral_count: Number(row.second_level_count ?? 0),
    events_by_type: Object.fromEntries(Object.entries(byType).map(([type, n]) => [type, Number(n)])),
  };
}

/** A member the read models never saw. */
export const unknownMember = (userId: string): MemberRecord => ({
  user_id: userId,
  tier: 'basic',
  sponsor_id: null,
  joined_at: null,
  vip_since: null,
  pro_since: null,
  referral_count: 0,
  second_level_referral_count: 0,
  events_by_type: {},
});

/**
 * The sponsor chain upward from `userId` (its direct sponsor first), at most `levels` long,
 * ending early at a member already seen (a cycle in the reported graph) or at one without a
 * sponsor. `firstSponsor` stands in for the member's own sponsor when the read models do not
 * know one yet (a join report being evaluated names it).
 */
export function sponsorChain(records: ReadonlyMap<string, MemberRecord>, userId: string, options: { readonly levels?: number; readonly firstSponsor?: string | null } = {}): string[] {
  const levels = options.levels ?? MAX_SPONSOR_LEVELS;
  const seen = new Set([userId]);
  const chain: string[] = [];
  let next = records.get(userId)?.sponsor_id ?? options.firstSponsor ?? null;
  while (next !== null && chain.length < levels && !seen.has(next)) {
    chain.push(next);
    seen.add(next);
    next = records.get(next)?.sponsor_id ?? null;
  }
  return chain;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function memberQueries(db: Kysely<any>) {
  return {
    /**
     * In one query: the members `walkFrom` names and their sponsors up to `levels` levels up
     * (each chain's members, to walk with `sponsorChain`), and the members `also` names — every
     * user an event's facts need. Users never seen are absent (see `unknownMember`).
     */
    async records(walkFrom: readonly string[], also: readonly string[] = [], levels = MAX_SPONSOR_LEVELS): Promise<Map<string, MemberRecord>> {
      if (walkFrom.length === 0 && also.length === 0) return new Map();
      const { rows } = await sql<MemberRecordRow>`
        with recursive walk (user_id, depth) as (
          select s.u, 0 from jsonb_array_elements_text(${JSON.stringify(walkFrom)}::jsonb) as s(u)
          union
          select m.sponsor_id, w.depth + 1 from walk w join rm_connect_members m on m.user_id = w.user_id
          where m.sponsor_id is not null and w.depth < ${levels}
        ),
        ids as (select user_id from walk union select o.u from jsonb_array_elements_text(${JSON.stringify(also)}::jsonb) as o(u))
        select ids.user_id, m.tier, m.sponsor_id, m.joined_at, m.vip_at, m.pro_at, m.referral_count, m.second_level_count,
          (select jsonb_object_agg(a.event_type, a.count) from rm_connect_activity a where a.user_id = ids.user_id) as events_by_type
        from ids join rm_connect_members m on m.user_id = ids.user_id`.execute(db);
      return new Map(rows.map((row) => [row.user_id, memberRecord(row)]));
    },
    /** How many locked rewards wait for this member (held, not released). */
    async waitingLockedRewards(userId: string): Promise<number> {
      const { rows } = await sql<{ n: number | string }>`select count(*) as n from rm_connect_locked_rewards where user_id = ${userId} and released_at is null`.execute(db);
      return Number(rows[0]?.n ?? 0);
    },
  };
}
export type MemberQueries = ReturnType<typeof memberQueries>;

function memberMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  const comment = (column: string, text: string) => sql`comment on column ${sql.table(`${biSchema}.connect_members`)}.${sql.id(column)} is ${sql.lit(text)}`;
  return {
    'rewards-members-0001-tables': {
      async up(db) {
        await sql`
          create table rm_connect_members (
            user_id text primary key, tier text not null default 'basic', vip_at timestamptz, pro_at timestamptz, sponsor_id text, joined_at timestamptz,
            referral_count integer not null default 0, second_level_count integer not null default 0
          )`.execute(db);
        await sql`create index rm_connect_members_sponsor on rm_connect_members (sponsor_id) where sponsor_id is not null`.execute(db);
        await sql`create table rm_connect_activity (user_id text not null, event_type text not null, count bigint not null, primary key (user_id, event_type))`.execute(db);
        await sql`
          create table rm_connect_locked_rewards (
            action_id text primary key, user_id text not null, condition text not null, event_id text not null, held_at timestamptz not null,
            released_at timestamptz, release_cause text
          )`.execute(db);
        await sql`create index rm_connect_locked_rewards_user on rm_connect_locked_rewards (user_id, released_at)`.execute(db);
        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('connect_members')} (
            user_id text primary key, tier text not null, sponsor_id text, joined_at timestamptz, direct_referrals integer not null, second_level_referrals integer not null,
            vip_since timestamptz, pro_since timestamptz, locked_rewards_waiting integer not null, locked_rewards_released integer not null
          )`.execute(db);
        await sql`comment on table ${bi('connect_members')} is ${sql.lit(
          'One row per Connect member (a user an economic event named as actor or primary subject, or a locked reward waits for): tier, direct sponsor, referral counts, since when VIP / PRO, locked rewards. Built from the ingested economic events (referral.joined / referral.subjoined link a member to their sponsor; referral.user_upgraded_to_vip / user.upgraded_to_pro raise the tier). Ids only, no personal data',
        )}`.execute(db);
        for (const [column, text] of [
          ['user_id', 'The member’s user id (a pseudonym: the id the source services report)'],
          ['tier', 'basic, vip or pro: pro once upgraded to PRO, else vip once upgraded to VIP (the tier never goes down)'],
          ['sponsor_id', 'The direct sponsor: the member whose referral link this member joined through (the first join reported); null when none'],
          ['joined_at', 'When the member joined through a referral link (the join report’s occurred_at); null when never reported'],
          ['direct_referrals', 'Members whose direct sponsor this member is (level 1)'],
          ['second_level_referrals', 'Members whose sponsor’s sponsor this member is (level 2)'],
          ['vip_since', 'When the member was first upgraded to VIP (the report’s occurred_at); null when never'],
          ['pro_since', 'When the member was first upgraded to PRO (the report’s occurred_at); null when never'],
          ['locked_rewards_waiting', 'Locked rewards (locked_until_condition, e.g. vip_or_pro) held for this member and not yet released'],
          ['locked_rewards_released', 'Locked rewards of this member released so far (by an upgrade, or at once because the member already qualified)'],
        ] as const) {
          await comment(column, text).execute(db);
        }
      },
    },
  };
}
