import * as t from 'io-ts';
import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { pickEvents } from '../../domain/event-codec.js';
import { G2aAccountEvent } from '../../domain/rewards/g2a-account.js';
import { G2aWithdrawalEvent } from '../../domain/rewards/g2a-withdrawal.js';
import { PointsAccountEvent } from '../../domain/rewards/points-account.js';
import { defineProjection, type Projection } from '../projection.js';

export const BALANCE_PROJECTION = 'rewards-balances';

export const BalanceEvents = pickEvents(t.union([PointsAccountEvent, G2aAccountEvent, G2aWithdrawalEvent]), [
  'PointsCredited',
  'G2aCredited',
  'G2aHeld',
  'G2aHoldRefused',
  'G2aHoldSettled',
  'G2aHoldReleased',
  'G2aWithdrawalRequested',
  'G2aWithdrawalHeld',
  'G2aWithdrawalSent',
  'G2aWithdrawalCompleted',
  'G2aWithdrawalFailed',
]);
type BalanceEvent = t.TypeOf<typeof BalanceEvents>;

interface PointsEntryRow {
  user_id: string;
  revision: string;
  entry_id: string;
  credit_id: string;
  amount: string;
  reason: string;
  balance_after: string;
  recorded_at: string;
}
interface G2aEntryRow {
  user_id: string;
  revision: string;
  kind: 'credit' | 'hold' | 'hold_refused' | 'settle' | 'release';
  ref_id: string;
  amount: string;
  reason: string | null;
  balance_delta: string;
  held_delta: string;
  recorded_at: string;
}

/**
 * Connect's balances, read side (issue 14, items 6–8):
 * - `rm_points_balances` (user → points), `rm_points_entries` (every credit with the balance
 *   after it, by the account stream's revision);
 * - `rm_g2a_balances` (user → balance, held, available = balance − held), `rm_g2a_entries`
 *   (every credit, hold, refused hold, settlement and release of the account);
 * - `rm_g2a_withdrawals` (one row per withdrawal: its status, the hold's, the gateway task, why
 *   it failed).
 * BI (the configurable BI schema): `points_entries`, `g2a_entries`, `g2a_withdrawals` — user ids,
 * amounts, statuses; no personal data, and no wallet address (not needed for analysis).
 *
 * Amounts are `numeric(40,0)` (G2A in jetton units may pass bigint's range); BI G2A columns are in
 * whole G2A (9 decimals). Set-based: a batch is one insert per entry table and one upsert of the
 * balances it touched (deltas: each event is applied once, in the checkpoint's transaction);
 * withdrawals (few) are written event by event, in log order.
 */
export function balanceProjection(biSchema = 'bi'): Projection<BalanceEvent> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: BALANCE_PROJECTION,
    events: BalanceEvents,
    migrations: balanceMigrations(biSchema),
    rebind: (other) => balanceProjection(other),
    async apply(trx, events) {
      const points: PointsEntryRow[] = [];
      const g2a: G2aEntryRow[] = [];
      for (const event of events) {
        const revision = event.revision.toString();
        switch (event.type) {
          case 'PointsCredited': {
            const d = event.data;
            points.push({ user_id: d.userId, revision, entry_id: d.entryId, credit_id: d.creditId, amount: d.amount, reason: d.reason, balance_after: d.balanceAfter, recorded_at: d.creditedAt });
            break;
          }
          case 'G2aCredited': {
            const d = event.data;
            g2a.push({ user_id: d.userId, revision, kind: 'credit', ref_id: d.entryId, amount: d.amount, reason: d.reason, balance_delta: d.amount, held_delta: '0', recorded_at: d.creditedAt });
            break;
          }
          case 'G2aHeld':
          case 'G2aHoldRefused':
          case 'G2aHoldSettled':
          case 'G2aHoldReleased': {
            const d = event.data;
            const row = { user_id: d.userId, revision, ref_id: d.withdrawalId, amount: d.amount, reason: null };
            if (event.type === 'G2aHeld') g2a.push({ ...row, kind: 'hold', balance_delta: '0', held_delta: d.amount, recorded_at: event.data.heldAt });
            else if (event.type === 'G2aHoldRefused') g2a.push({ ...row, kind: 'hold_refused', reason: event.data.reason, balance_delta: '0', held_delta: '0', recorded_at: event.data.refusedAt });
            else if (event.type === 'G2aHoldSettled') g2a.push({ ...row, kind: 'settle', balance_delta: `-${d.amount}`, held_delta: `-${d.amount}`, recorded_at: event.data.settledAt });
            else g2a.push({ ...row, kind: 'release', balance_delta: '0', held_delta: `-${d.amount}`, recorded_at: event.data.releasedAt });
            const holdStatus = event.type === 'G2aHeld' ? 'held' : event.type === 'G2aHoldRefused' ? 'refused' : event.type === 'G2aHoldSettled' ? 'settled' : 'released';
            await sql`update rm_g2a_withdrawals set hold_status = ${holdStatus} where withdrawal_id = ${d.withdrawalId}`.execute(trx);
            break;
          }
          default:
            await applyWithdrawal(trx, bi, event);
        }
      }
      if (points.length > 0) {
        const set = sql`jsonb_to_recordset(${JSON.stringify(points)}::jsonb) as x(user_id text, revision text, entry_id text, credit_id text, amount text, reason text, balance_after text, recorded_at text)`;
        await sql`
          insert into rm_points_entries (user_id, revision, entry_id, credit_id, amount, reason, balance_after, recorded_at)
          select x.user_id, x.revision::bigint, x.entry_id, x.credit_id, x.amount::numeric, x.reason, x.balance_after::numeric, x.recorded_at::timestamptz from ${set}
          on conflict do nothing`.execute(trx);
        await sql`
          insert into ${bi('points_entries')} (entry_id, user_id, credit_id, revision, amount, reason, balance_after, recorded_at)
          select x.entry_id, x.user_id, x.credit_id, x.revision::bigint, x.amount::numeric, x.reason, x.balance_after::numeric, x.recorded_at::timestamptz from ${set}
          on conflict do nothing`.execute(trx);
        await sql`
          insert into rm_points_balances as b (user_id, balance, credits, updated_at)
          select x.user_id, sum(x.amount::numeric), count(*), max(x.recorded_at::timestamptz) from ${set} group by x.user_id
          on conflict (user_id) do update set balance = b.balance + excluded.balance, credits = b.credits + excluded.credits, updated_at = greatest(b.updated_at, excluded.updated_at)`.execute(trx);
      }
      if (g2a.length > 0) {
        const set = sql`jsonb_to_recordset(${JSON.stringify(g2a)}::jsonb) as x(user_id text, revision text, kind text, ref_id text, amount text, reason text, balance_delta text, held_delta text, recorded_at text)`;
        await sql`
          insert into rm_g2a_entries (user_id, revision, kind, ref_id, amount, reason, balance_delta, held_delta, recorded_at)
          select x.user_id, x.revision::bigint, x.kind, x.ref_id, x.amount::numeric, x.reason, x.balance_delta::numeric, x.held_delta::numeric, x.recorded_at::timestamptz from ${set}
          on conflict do nothing`.execute(trx);
        await sql`
          insert into ${bi('g2a_entries')} (user_id, revision, kind, ref_id, amount, balance_change, held_change, recorded_at)
          select x.user_id, x.revision::bigint, x.kind, x.ref_id, x.amount::numeric / 1000000000, x.balance_delta::numeric / 1000000000, x.held_delta::numeric / 1000000000, x.recorded_at::timestamptz
          from ${set} on conflict do nothing`.execute(trx);
        await sql`
          insert into rm_g2a_balances as b (user_id, balance, held, available, updated_at)
          select x.user_id, sum(x.balance_delta::numeric), sum(x.held_delta::numeric), sum(x.balance_delta::numeric) - sum(x.held_delta::numeric), max(x.recorded_at::timestamptz)
          from ${set} group by x.user_id
          on conflict (user_id) do update set balance = b.balance + excluded.balance, held = b.held + excluded.held,
            available = (b.balance + excluded.balance) - (b.held + excluded.held), updated_at = greatest(b.updated_at, excluded.updated_at)`.execute(trx);
      }
    },
  });
}

type WithdrawalEvent = Extract<BalanceEvent, { type: `G2aWithdrawal${string}` }>;

async function applyWithdrawal(trx: Kysely<any>, bi: (table: string) => ReturnType<typeof sql.table>, event: WithdrawalEvent): Promise<void> {
  switch (event.type) {
    case 'G2aWithdrawalRequested': {
      const d = event.data;
      await sql`
        insert into rm_g2a_withdrawals (withdrawal_id, user_id, amount, to_address, status, hold_status, requested_at, updated_at)
        values (${d.withdrawalId}, ${d.userId}, ${d.amount}::numeric, ${d.toAddress}, 'requested', 'none', ${d.requestedAt}::timestamptz, ${d.requestedAt}::timestamptz)
        on conflict do nothing`.execute(trx);
      await sql`
        insert into ${bi('g2a_withdrawals')} (withdrawal_id, user_id, amount, status, requested_at, updated_at)
        values (${d.withdrawalId}, ${d.userId}, ${d.amount}::numeric / 1000000000, 'requested', ${d.requestedAt}::timestamptz, ${d.requestedAt}::timestamptz)
        on conflict do nothing`.execute(trx);
      return;
    }
    case 'G2aWithdrawalHeld':
      return status(trx, bi, event.data.withdrawalId, 'held', event.data.heldAt, {});
    case 'G2aWithdrawalSent':
      return status(trx, bi, event.data.withdrawalId, 'sent', event.data.sentAt, { task_id: event.data.taskId });
    case 'G2aWithdrawalCompleted':
      return status(trx, bi, event.data.withdrawalId, 'completed', event.data.completedAt, { task_id: event.data.taskId, tx_hash: event.data.txHash });
    case 'G2aWithdrawalFailed':
      return status(trx, bi, event.data.withdrawalId, 'failed', event.data.failedAt, { failure_stage: event.data.stage, failure_reason: event.data.reason, failure_message: event.data.message });
  }
}

async function status(
  trx: Kysely<any>,
  bi: (table: string) => ReturnType<typeof sql.table>,
  withdrawalId: string,
  to: string,
  at: string,
  changes: { task_id?: string; tx_hash?: string | null; failure_stage?: string; failure_reason?: string; failure_message?: string },
): Promise<void> {
  await sql`
    update rm_g2a_withdrawals set status = ${to}, updated_at = ${at}::timestamptz,
      task_id = coalesce(${changes.task_id ?? null}, task_id), tx_hash = coalesce(${changes.tx_hash ?? null}, tx_hash),
      failure_stage = coalesce(${changes.failure_stage ?? null}, failure_stage), failure_reason = coalesce(${changes.failure_reason ?? null}, failure_reason),
      failure_message = coalesce(${changes.failure_message ?? null}, failure_message)
    where withdrawal_id = ${withdrawalId}`.execute(trx);
  await sql`
    update ${bi('g2a_withdrawals')} set status = ${to}, updated_at = ${at}::timestamptz, task_id = coalesce(${changes.task_id ?? null}, task_id),
      failure_stage = coalesce(${changes.failure_stage ?? null}, failure_stage), failure_reason = coalesce(${changes.failure_reason ?? null}, failure_reason)
    where withdrawal_id = ${withdrawalId}`.execute(trx);
}

/* ---------- views (the HTTP answers) ---------- */

export const G2aBalanceView = t.type({
  /** Jetton units (9 decimals) as a decimal string: Σ credits − Σ settled withdrawals. */
  balance: t.string,
  /** Held by withdrawals under way. */
  held: t.string,
  /** balance − held: what a withdrawal may take. */
  available: t.string,
});
export const BalancesView = t.type({ user_id: t.string, points: t.string, g2a: G2aBalanceView });
export type BalancesView = t.TypeOf<typeof BalancesView>;

export const PointsEntryView = t.type({
  entry_id: t.string,
  credit_id: t.string,
  amount: t.string,
  reason: t.string,
  balance_after: t.string,
  recorded_at: t.string,
  /** The entry's place in the account (revision of its stream): the cursor's key. */
  sequence: t.number,
});
export type PointsEntryView = t.TypeOf<typeof PointsEntryView>;

export const WithdrawalView = t.type({
  withdrawal_id: t.string,
  user_id: t.string,
  /** Jetton units (9 decimals), decimal string. */
  amount: t.string,
  to_address: t.string,
  status: t.keyof({ requested: null, held: null, sent: null, completed: null, failed: null }),
  /** The amount on the G2A account: none (not yet asked), held, refused (insufficient balance), settled (sent on chain), released (given back). */
  hold: t.keyof({ none: null, held: null, refused: null, settled: null, released: null }),
  task_id: t.union([t.string, t.null]),
  tx_hash: t.union([t.string, t.null]),
  failure: t.union([t.type({ stage: t.string, reason: t.string, message: t.string }), t.null]),
  requested_at: t.string,
  updated_at: t.string,
});
export type WithdrawalView = t.TypeOf<typeof WithdrawalView>;

interface WithdrawalRow {
  withdrawal_id: string;
  user_id: string;
  amount: string;
  to_address: string;
  status: string;
  hold_status: string;
  task_id: string | null;
  tx_hash: string | null;
  failure_stage: string | null;
  failure_reason: string | null;
  failure_message: string | null;
  requested_at: Date | string;
  updated_at: Date | string;
}

const iso = (v: Date | string): string => new Date(v).toISOString();
const withdrawalView = (row: WithdrawalRow): WithdrawalView => ({
  withdrawal_id: row.withdrawal_id,
  user_id: row.user_id,
  amount: String(row.amount),
  to_address: row.to_address,
  status: row.status as WithdrawalView['status'],
  hold: row.hold_status as WithdrawalView['hold'],
  task_id: row.task_id,
  tx_hash: row.tx_hash,
  failure: row.failure_stage === null ? null : { stage: row.failure_stage, reason: row.failure_reason ?? '', message: row.failure_message ?? '' },
  requested_at: iso(row.requested_at),
  updated_at: iso(row.updated_at),
});
const WITHDRAWAL_COLUMNS = sql`withdrawal_id, user_id, amount::text as amount, to_address, status, hold_status, task_id, tx_hash, failure_stage, failure_reason, failure_message, requested_at, updated_at`;

/* ---------- queries ---------- */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function balanceQueries(db: Kysely<any>) {
  return {
    /** Points (read model) and G2A of a user; zeros for a user with nothing yet. */
    async balancesOf(userId: string): Promise<BalancesView> {
      const { rows: p } = await sql<{ balance: string }>`select balance::text as balance from rm_points_balances where user_id = ${userId}`.execute(db);
      const { rows: g } = await sql<{ balance: string; held: string; available: string }>`
        select balance::text as balance, held::text as held, available::text as available from rm_g2a_balances where user_id = ${userId}`.execute(db);
      return { user_id: userId, points: p[0]?.balance ?? '0', g2a: g[0] ?? { balance: '0', held: '0', available: '0' } };
    },
    /** A user's points entries, newest first, strictly before revision `before`; `limit + 1` rows (the extra one says a next page exists). */
    async pointsEntriesOf(userId: string, page: { readonly before?: string; readonly limit: number }): Promise<PointsEntryView[]> {
      const { rows } = await sql<{ entry_id: string; credit_id: string; amount: string; reason: string; balance_after: string; recorded_at: Date | string; revision: string | number }>`
        select entry_id, credit_id, amount::text as amount, reason, balance_after::text as balance_after, recorded_at, revision from rm_points_entries
        where user_id = ${userId} and (${page.before ?? null}::bigint is null or revision < ${page.before ?? null}::bigint)
        order by revision desc limit ${page.limit + 1}`.execute(db);
      return rows.map((r) => ({ entry_id: r.entry_id, credit_id: r.credit_id, amount: r.amount, reason: r.reason, balance_after: r.balance_after, recorded_at: iso(r.recorded_at), sequence: Number(r.revision) }));
    },
    /** Which users a credit id was recorded for (the points protocol refuses one id for two users). */
    async usersOfCredit(creditId: string): Promise<readonly string[]> {
      const { rows } = await sql<{ user_id: string }>`select user_id from rm_points_entries where credit_id = ${creditId}`.execute(db);
      return rows.map((r) => r.user_id);
    },
    async withdrawal(withdrawalId: string): Promise<WithdrawalView | null> {
      const { rows } = await sql<WithdrawalRow>`select ${WITHDRAWAL_COLUMNS} from rm_g2a_withdrawals where withdrawal_id = ${withdrawalId}`.execute(db);
      return rows[0] ? withdrawalView(rows[0]) : null;
    },
    /** A user's withdrawals, newest first, strictly before (requested_at, withdrawal_id); `limit + 1` rows. */
    async withdrawalsOf(userId: string, page: { readonly before?: { readonly requestedAt: string; readonly id: string }; readonly limit: number }): Promise<WithdrawalView[]> {
      const { rows } = await sql<WithdrawalRow>`
        select ${WITHDRAWAL_COLUMNS} from rm_g2a_withdrawals
        where user_id = ${userId} and (${page.before?.requestedAt ?? null}::timestamptz is null or (requested_at, withdrawal_id) < (${page.before?.requestedAt ?? null}::timestamptz, ${page.before?.id ?? ''}))
        order by requested_at desc, withdrawal_id desc limit ${page.limit + 1}`.execute(db);
      return rows.map(withdrawalView);
    },
  };
}
export type BalanceQueries = ReturnType<typeof balanceQueries>;

function balanceMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  const describe = async (db: Kysely<any>, table: string, text: string, columns: readonly (readonly [string, string])[]) => {
    await sql`comment on table ${bi(table)} is ${sql.lit(text)}`.execute(db);
    for (const [column, about] of columns) await sql`comment on column ${bi(table)}.${sql.id(column)} is ${sql.lit(about)}`.execute(db);
  };
  return {
    'rewards-balances-0001-tables': {
      async up(db) {
        await sql`create table rm_points_balances (user_id text primary key, balance numeric(40, 0) not null, credits integer not null, updated_at timestamptz not null)`.execute(db);
        await sql`
          create table rm_points_entries (
            user_id text not null, revision bigint not null, entry_id text not null, credit_id text not null, amount numeric(40, 0) not null, reason text not null,
            balance_after numeric(40, 0) not null, recorded_at timestamptz not null,
            primary key (user_id, revision), unique (user_id, credit_id)
          )`.execute(db);
        await sql`create index rm_points_entries_credit on rm_points_entries (credit_id)`.execute(db);
        await sql`
          create table rm_g2a_balances (
            user_id text primary key, balance numeric(40, 0) not null, held numeric(40, 0) not null, available numeric(40, 0) not null, updated_at timestamptz not null
          )`.execute(db);
        await sql`
          create table rm_g2a_entries (
            user_id text not null, revision bigint not null, kind text not null, ref_id text not null, amount numeric(40, 0) not null, reason text,
            balance_delta numeric(40, 0) not null, held_delta numeric(40, 0) not null, recorded_at timestamptz not null,
            primary key (user_id, revision)
          )`.execute(db);
        await sql`
          create table rm_g2a_withdrawals (
            withdrawal_id text primary key, user_id text not null, amount numeric(40, 0) not null, to_address text not null, status text not null, hold_status text not null,
            task_id text, tx_hash text, failure_stage text, failure_reason text, failure_message text, requested_at timestamptz not null, updated_at timestamptz not null
          )`.execute(db);
        await sql`create index rm_g2a_withdrawals_user on rm_g2a_withdrawals (user_id, requested_at desc, withdrawal_id desc)`.execute(db);

        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('points_entries')} (
            entry_id text primary key, user_id text not null, credit_id text not null, revision bigint not null, amount numeric(40, 0) not null, reason text not null,
            balance_after numeric(40, 0) not null, recorded_at timestamptz not null
          )`.execute(db);
        await describe(db, 'points_entries', 'One row per points credit of Connect’s own points ledger (the embedded Points service): sum(amount) per user is the balance; balance_after is the running balance in account order (revision). Empty when an outside Points service is configured (POINTS_SERVICE_URL)', [
          ['entry_id', 'The ledger’s id of the entry (derived from the user and the credit id)'],
          ['user_id', 'The user credited'],
          ['credit_id', 'The idempotency key of the credit: a reward action’s id (reward_actions.action_id) or an outside caller’s Idempotency-Key'],
          ['revision', 'The entry’s place in the user’s account (0 first)'],
          ['amount', 'Points credited (whole points, > 0)'],
          ['reason', 'Why, as the caller gave it (for a reward: the rule, its version and the event type)'],
          ['balance_after', 'The user’s points right after this credit'],
          ['recorded_at', 'When the credit was recorded'],
        ]);
        await sql`
          create table ${bi('g2a_entries')} (
            user_id text not null, revision bigint not null, kind text not null, ref_id text not null, amount numeric(40, 9) not null,
            balance_change numeric(40, 9) not null, held_change numeric(40, 9) not null, recorded_at timestamptz not null,
            primary key (user_id, revision)
          )`.execute(db);
        await describe(db, 'g2a_entries', 'One row per movement of a user’s off-chain G2A account at Connect, in G2A (9 decimals): credits (rewards), holds for withdrawals, refused holds, settlements (the transfer confirmed on chain) and releases (the transfer failed). sum(balance_change) per user is the balance, sum(held_change) what is held now; available = balance − held', [
          ['user_id', 'The account’s user'],
          ['revision', 'The movement’s place in the user’s account (0 first)'],
          ['kind', 'credit | hold | hold_refused | settle | release'],
          ['ref_id', 'credit: the entry id (a reward action’s id); the others: the withdrawal id (g2a_withdrawals.withdrawal_id)'],
          ['amount', 'The movement’s amount in G2A (always positive)'],
          ['balance_change', 'Signed change of the balance: + for a credit, − for a settlement, 0 otherwise'],
          ['held_change', 'Signed change of the held amount: + for a hold, − for a settlement or release, 0 otherwise'],
          ['recorded_at', 'When it was recorded'],
        ]);
        await sql`
          create table ${bi('g2a_withdrawals')} (
            withdrawal_id text primary key, user_id text not null, amount numeric(40, 9) not null, status text not null, task_id text,
            failure_stage text, failure_reason text, requested_at timestamptz not null, updated_at timestamptz not null
          )`.execute(db);
        await describe(db, 'g2a_withdrawals', 'One row per G2A withdrawal to a user’s verified TON wallet, current status (the wallet address is left out)', [
          ['withdrawal_id', 'The withdrawal’s id (the gateway request id of its transfer)'],
          ['user_id', 'The user withdrawing'],
          ['amount', 'G2A withdrawn (9 decimals)'],
          ['status', 'requested | held | sent | completed | failed'],
          ['task_id', 'The gateway’s BlockchainTask of the transfer (blockchain_tasks.task_id) once the gateway accepted it'],
          ['failure_stage', 'Failed: hold (the balance did not cover it), gateway (the gateway refused: a limit …) or chain (the transfer failed on chain)'],
          ['failure_reason', 'Failed: a stable code (withdrawal.insufficient_balance, limits.per_transfer, withdrawal.transfer_failed …)'],
          ['requested_at', 'When the user asked'],
          ['updated_at', 'When the status last changed'],
        ]);
      },
    },
  };
}
