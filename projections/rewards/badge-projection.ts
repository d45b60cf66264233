import * as t from 'io-ts';
import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import { BadgeEvent, onchainStatusOf, type OnchainStatus } from '../../domain/rewards/badge.js';
import { defineProjection, type Projection } from '../projection.js';

export const BADGES_PROJECTION = 'connect-badges';

/**
 * Connect's badges (the badge registry's NFTInstances, issue 14 item 6):
 * - `rm_connect_badges`: one row per user and badge type — its level, whether the type goes on
 *   chain, its on-chain status (`none | awaiting_wallet | pending | confirmed | failed`, as
 *   `onchainStatusOf` shows it), the item index confirmed on chain, the last gateway error;
 * - `rm_connect_badge_awards`: one row per award id (the reward action's id) and the instance it
 *   went to — `GET /nft-service/v1/awards/{id}`;
 * - BI `nft_badges`: the badges as analysts count them (no wallet address, no personal data).
 *
 * A batch is folded in memory per instance (its rows read once), then written with one upsert
 * per table.
 */
export function badgeProjection(biSchema = 'bi'): Projection<BadgeEvent> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: BADGES_PROJECTION,
    events: BadgeEvent,
    migrations: badgeMigrations(biSchema),
    rebind: (other) => badgeProjection(other),
    async apply(trx, events) {
      const ids = [...new Set(events.map((e) => e.data.instanceId))];
      const { rows: existing } = await sql<BadgeRowState>`
        select instance_id, user_id, badge_type, level, onchain, last_onchain, onchain_level, onchain_token_id, onchain_request_id, last_error,
          awarded_at, level_reached_at, onchain_confirmed_at, updated_at, event_position
        from rm_connect_badges where instance_id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`.execute(trx);
      const rows = new Map<string, BadgeRowState>(existing.map((r) => [r.instance_id, { ...r, awarded_at: iso(r.awarded_at), level_reached_at: iso(r.level_reached_at), onchain_confirmed_at: r.onchain_confirmed_at === null ? null : iso(r.onchain_confirmed_at), updated_at: iso(r.updated_at) }]));
      const awards: { award_id: string; instance_id: string; user_id: string; badge_type: string; level: number; awarded_at: string }[] = [];
      for (const event of events) {
        const d = event.data;
        const position = formatPosition(event.position);
        const row = rows.get(d.instanceId);
        if (event.type === 'BadgeAwarded') {
          const a = event.data;
          awards.push({ award_id: a.awardId, instance_id: a.instanceId, user_id: a.userId, badge_type: a.badgeType, level: a.level, awarded_at: a.awardedAt });
          const raised = !row || a.level > row.level;
          rows.set(a.instanceId, {
            instance_id: a.instanceId,
            user_id: a.userId,
            badge_type: a.badgeType,
            level: row ? Math.max(row.level, a.level) : a.level,
            onchain: a.onchain,
            last_onchain: row?.last_onchain ?? 'none',
            onchain_level: row?.onchain_level ?? null,
            onchain_token_id: row?.onchain_token_id ?? null,
            onchain_request_id: row?.onchain_request_id ?? null,
            last_error: row?.last_error ?? null,
            awarded_at: row?.awarded_at ?? a.awardedAt,
            level_reached_at: raised ? a.awardedAt : row.level_reached_at,
            onchain_confirmed_at: row?.onchain_confirmed_at ?? null,
            updated_at: a.awardedAt,
            event_position: position,
          });
          continue;
        }
        if (!row) continue; // an instance's first event is its award
        switch (event.type) {
          case 'BadgeAwaitingWallet':
            rows.set(d.instanceId, { ...row, last_onchain: 'awaiting_wallet', onchain_level: event.data.level, updated_at: event.data.at, event_position: position });
            break;
          case 'BadgeOnchainRequested':
            rows.set(d.instanceId, { ...row, last_onchain: 'pending', onchain_level: event.data.level, onchain_request_id: event.data.requestId, last_error: null, updated_at: event.data.requestedAt, event_position: position });
            break;
          case 'BadgeOnchainConfirmed':
            rows.set(d.instanceId, {
              ...row,
              last_onchain: 'confirmed',
              onchain_level: event.data.level,
              onchain_token_id: event.data.onchainTokenId,
              onchain_confirmed_at: event.data.confirmedAt,
              updated_at: event.data.confirmedAt,
              event_position: position,
            });
            break;
          case 'BadgeOnchainFailed':
            rows.set(d.instanceId, { ...row, last_onchain: 'failed', onchain_level: event.data.level, last_error: event.data.error, updated_at: event.data.failedAt, event_position: position });
            break;
        }
      }
      const written = [...rows.values()].map((r) => ({ ...r, onchain_status: onchainStatusOf({ onchain: r.onchain, level: r.level, lastOnchain: r.last_onchain, onchainLevel: r.onchain_level }) }));
      if (written.length > 0) {
        const json = JSON.stringify(written);
        await sql`
          insert into rm_connect_badges (instance_id, user_id, badge_type, level, onchain, last_onchain, onchain_level, onchain_status, onchain_token_id, onchain_request_id, last_error,
            awarded_at, level_reached_at, onchain_confirmed_at, updated_at, event_position)
          select x.instance_id, x.user_id, x.badge_type, x.level, x.onchain, x.last_onchain, x.onchain_level, x.onchain_status, x.onchain_token_id, x.onchain_request_id, x.last_error,
            x.awarded_at::timestamptz, x.level_reached_at::timestamptz, x.onchain_confirmed_at::timestamptz, x.updated_at::timestamptz, x.event_position
          from jsonb_to_recordset(${json}::jsonb) as x(instance_id text, user_id text, badge_type text, level integer, onchain boolean, last_onchain text, onchain_level integer,
            onchain_status text, onchain_token_id text, onchain_request_id text, last_error text, awarded_at text, level_reached_at text, onchain_confirmed_at text, updated_at text, event_position text)
          on conflict (instance_id) do update set level = excluded.level, onchain = excluded.onchain, last_onchain = excluded.last_onchain, onchain_level = excluded.onchain_level,
            onchain_status = excluded.onchain_status, onchain_token_id = excluded.onchain_token_id, onchain_request_id = excluded.onchain_request_id, last_error = excluded.last_error,
            level_reached_at = excluded.level_reached_at, onchain_confirmed_at = excluded.onchain_confirmed_at, updated_at = excluded.updated_at, event_position = excluded.event_position`.execute(trx);
        await sql`
          insert into ${bi('nft_badges')} (instance_id, user_id, badge_type, level, onchain, onchain_status, onchain_token_id, awarded_at, level_reached_at, onchain_confirmed_at, updated_at)
          select x.instance_id, x.user_id, x.badge_type, x.level, x.onchain, x.onchain_status, x.onchain_token_id,
            x.awarded_at::timestamptz, x.level_reached_at::timestamptz, x.onchain_confirmed_at::timestamptz, x.updated_at::timestamptz
          from jsonb_to_recordset(${json}::jsonb) as x(instance_id text, user_id text, badge_type text, level integer, onchain boolean, onchain_status text, onchain_token_id text,
            awarded_at text, level_reached_at text, onchain_confirmed_at text, updated_at text)
          on conflict (instance_id) do update set level = excluded.level, onchain = excluded.onchain, onchain_status = excluded.onchain_status, onchain_token_id = excluded.onchain_token_id,
            level_reached_at = excluded.level_reached_at, onchain_confirmed_at = excluded.onchain_confirmed_at, updated_at = excluded.updated_at`.execute(trx);
      }
      if (awards.length > 0) {
        await sql`
          insert into rm_connect_badge_awards (award_id, instance_id, user_id, badge_type, level, awarded_at)
          select x.award_id, x.instance_id, x.user_id, x.badge_type, x.level, x.awarded_at::timestamptz
          from jsonb_to_recordset(${JSON.stringify(awards)}::jsonb) as x(award_id text, instance_id text, user_id text, badge_type text, level integer, awarded_at text)
          on conflict (award_id) do nothing`.execute(trx);
      }
    },
  });
}

interface BadgeRowState {
  instance_id: string;
  user_id: string;
  badge_type: string;
  level: number;
  onchain: boolean;
  last_onchain: OnchainStatus;
  onchain_level: number | null;
  onchain_token_id: string | null;
  onchain_request_id: string | null;
  last_error: string | null;
  awarded_at: string;
  level_reached_at: string;
  onchain_confirmed_at: string | null;
  updated_at: string;
  event_position: string;
}

const iso = (v: Date | string): string => new Date(v).toISOString();

/* ---------- the views (HTTP answers) ---------- */

export const OnchainStatusCodec = t.union([t.literal('none'), t.literal('awaiting_wallet'), t.literal('pending'), t.literal('confirmed'), t.literal('failed')]);

export const BadgeView = t.type({
  instance_id: t.string,
  user_id: t.string,
  badge_type: t.string,
  level: t.number,
  onchain_status: OnchainStatusCodec,
  onchain_token_id: t.union([t.string, t.null]),
  /** The gateway's last refusal or failure (the badge's status is failed), else null. */
  onchain_error: t.union([t.string, t.null]),
  awarded_at: t.string,
  level_reached_at: t.string,
  updated_at: t.string,
});
export type BadgeView = t.TypeOf<typeof BadgeView>;

interface BadgeRow {
  instance_id: string;
  user_id: string;
  badge_type: string;
  level: number;
  onchain_status: string;
  onchain_token_id: string | null;
  last_error: string | null;
  awarded_at: Date | string;
  level_reached_at: Date | string;
  updated_at: Date | string;
}

const badgeView = (row: BadgeRow): BadgeView => ({
  instance_id: row.instance_id,
  user_id: row.user_id,
  badge_type: row.badge_type,
  level: Number(row.level),
  onchain_status: row.onchain_status as OnchainStatus,
  onchain_token_id: row.onchain_token_id,
  onchain_error: row.onchain_status === 'failed' ? row.last_error : null,
  awarded_at: iso(row.awarded_at),
  level_reached_at: iso(row.level_reached_at),
  updated_at: iso(row.updated_at),
});

/** An award as the registry recorded it, with the instance as it stands now. */
export interface BadgeAwardRecord {
  readonly awardId: string;
  /** The level this award granted. */
  readonly awardedLevel: number;
  readonly badge: BadgeView;
}

/* ---------- queries ---------- */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function badgeQueries(db: Kysely<any>) {
  return {
    /** A user's badges by badge type, strictly after `afterType`; `limit + 1` rows (the extra one says a next page exists). */
    async badgesOf(userId: string, page: { readonly afterType?: string; readonly limit: number }): Promise<BadgeView[]> {
      const { rows } = await sql<BadgeRow>`
        select * from rm_connect_badges where user_id = ${userId} and badge_type > ${page.afterType ?? ''}
        order by badge_type limit ${page.limit + 1}`.execute(db);
      return rows.map(badgeView);
    },
    async badge(userId: string, badgeType: string): Promise<BadgeView | undefined> {
      const { rows } = await sql<BadgeRow>`select * from rm_connect_badges where user_id = ${userId} and badge_type = ${badgeType}`.execute(db);
      return rows[0] ? badgeView(rows[0]) : undefined;
    },
    async award(awardId: string): Promise<BadgeAwardRecord | undefined> {
      const { rows } = await sql<BadgeRow & { award_id: string; awarded_level: number }>`
        select b.*, a.award_id, a.level as awarded_level from rm_connect_badge_awards a join rm_connect_badges b on b.instance_id = a.instance_id
        where a.award_id = ${awardId}`.execute(db);
      const row = rows[0];
      return row ? { awardId: row.award_id, awardedLevel: Number(row.awarded_level), badge: badgeView(row) } : undefined;
    },
  };
}
export type BadgeQueries = ReturnType<typeof badgeQueries>;

function badgeMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  const comment = (column: string, text: string) => sql`comment on column ${bi('nft_badges')}.${sql.id(column)} is ${sql.lit(text)}`;
  return {
    'connect-badges-0001-tables': {
      async up(db) {
        await sql`
          create table rm_connect_badges (
            instance_id text primary key, user_id text not null, badge_type text not null, level integer not null, onchain boolean not null,
            last_onchain text not null, onchain_level integer, onchain_status text not null, onchain_token_id text, onchain_request_id text, last_error text,
            awarded_at timestamptz not null, level_reached_at timestamptz not null, onchain_confirmed_at timestamptz, updated_at timestamptz not null, event_position text not null,
            unique (user_id, badge_type)
          )`.execute(db);
        await sql`
          create table rm_connect_badge_awards (
            award_id text primary key, instance_id text not null, user_id text not null, badge_type text not null, level integer not null, awarded_at timestamptz not null
          )`.execute(db);
        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('nft_badges')} (
            instance_id text primary key, user_id text not null, badge_type text not null, level integer not null, onchain boolean not null, onchain_status text not null,
            onchain_token_id text, awarded_at timestamptz not null, level_reached_at timestamptz not null, onchain_confirmed_at timestamptz, updated_at timestamptz not null
          )`.execute(db);
        await sql`comment on table ${bi('nft_badges')} is ${sql.lit('Connect badges (NFTInstances): one row per user and badge type, its current level and on-chain state')}`.execute(db);
        for (const [column, text] of [
          ['instance_id', 'The NFTInstance id (derived from user and badge type)'],
          ['user_id', 'The user holding the badge (their id only)'],
          ['badge_type', 'The badge type, e.g. quest_master_10'],
          ['level', 'The highest level awarded'],
          ['onchain', 'Whether the badge type is minted on chain (CONNECT_ONCHAIN_BADGES at its latest award)'],
          ['onchain_status', 'none (off-chain only), awaiting_wallet (no verified wallet yet), pending (the gateway mints or upgrades it), confirmed, failed'],
          ['onchain_token_id', 'The TON badge collection item index of the SBT confirmed on chain now (an upgrade replaces it)'],
          ['awarded_at', 'When the badge was first awarded'],
          ['level_reached_at', 'When the current level was awarded'],
          ['onchain_confirmed_at', 'When the last on-chain mint or upgrade was confirmed'],
          ['updated_at', 'When the row last changed'],
        ] as const) {
          await comment(column, text).execute(db);
        }
      },
    },
  };
}
