import * as t from 'io-ts';
import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import { DeveloperLedgerEvent } from '../../domain/game-store/developer-ledger.js';
import { percentOfBasisPoints } from '../../domain/game-store/product.js';
import { fromMinorUnits } from '../../domain/money.js';
import { defineProjection, type Projection } from '../projection.js';

export const DEVELOPER_LEDGER_PROJECTION = 'game-store-developer-ledger';

/**
 * The developers' ledgers, read side (issue 13, item 5):
 * - `rm_developer_balances`: one row per developer and currency — the balance (minor units) as
 *   the ledger's last entry gives it, with the credited and debited totals and the entry count;
 * - `rm_developer_ledger_entries`: every entry (credit or debit) with the balance after it, by
 *   the ledger stream's revision (the order the balance moved in).
 * BI (the configurable BI schema): `developer_ledger`, one row per entry in major units, the
 * amount signed (credits positive, debits negative: `sum(amount)` per developer and currency is
 * the balance) — developer, order, refund and product ids only, no personal data.
 *
 * Set-based: a batch is one insert per entry table and one upsert of the balances it touched
 * (the balance is the batch's last `balanceAfterMinor` per developer and currency; the totals add up).
 */
export function developerLedgerProjection(biSchema = 'bi'): Projection<DeveloperLedgerEvent> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: DEVELOPER_LEDGER_PROJECTION,
    events: DeveloperLedgerEvent,
    migrations: developerLedgerMigrations(biSchema),
    rebind: (other) => developerLedgerProjection(other),
    async apply(trx, events) {
      const entries: EntryRowState[] = [];
      const balances = new Map<string, { developer_id: string; currency: string; balance_minor: string; credited_minor: bigint; debited_minor: bigint; entries: number; updated_at: string }>();
      for (const event of events) {
        const d = event.data;
        const credit = event.type === 'DeveloperCredited' ? event.data : undefined;
        const debit = event.type === 'DeveloperDebited' ? event.data : undefined;
        const at = credit?.creditedAt ?? debit!.debitedAt;
        entries.push({
          developer_id: d.developerId,
          revision: event.revision.toString(),
          entry_id: d.entryId,
          kind: credit ? 'credit' : 'debit',
          order_id: d.orderId,
          refund_id: debit?.refundId ?? null,
          product_id: d.productId,
          sale_minor: credit?.saleMinor ?? null,
          share_basis_points: credit?.shareBasisPoints ?? null,
          amount_minor: d.amountMinor,
          currency: d.currency,
          balance_after_minor: d.balanceAfterMinor,
          recorded_at: at,
          event_position: formatPosition(event.position),
        });
        const key = `${d.developerId}\u0000${d.currency}`;
        const balance = balances.get(key) ?? { developer_id: d.developerId, currency: d.currency, balance_minor: '0', credited_minor: 0n, debited_minor: 0n, entries: 0, updated_at: at };
        const amount = BigInt(d.amountMinor);
        balances.set(key, {
          ...balance,
          balance_minor: d.balanceAfterMinor,
          credited_minor: balance.credited_minor + (credit ? amount : 0n),
          debited_minor: balance.debited_minor + (debit ? amount : 0n),
          entries: balance.entries + 1,
          updated_at: at,
        });
      }
      if (entries.length === 0) return;
      const entrySet = sql`jsonb_to_recordset(${JSON.stringify(entries)}::jsonb) as x(developer_id text, revision text, entry_id text, kind text, order_id text, refund_id text, product_id text,
        sale_minor text, share_basis_points integer, amount_minor text, currency text, balance_after_minor text, recorded_at text, event_position text)`;
      await sql`
        insert into rm_developer_ledger_entries (developer_id, revision, entry_id, kind, order_id, refund_id, product_id, sale_minor, share_basis_points, amount_minor, currency, balance_after_minor, recorded_at, event_position)
        select x.developer_id, x.revision::bigint, x.entry_id, x.kind, x.order_id, x.refund_id, x.product_id, x.sale_minor::bigint, x.share_basis_points, x.amount_minor::bigint, x.currency,
               x.balance_after_minor::bigint, x.recorded_at::timestamptz, x.event_position
        from ${entrySet} on conflict do nothing`.execute(trx);
      await sql`
        insert into ${bi('developer_ledger')} (developer_id, entry_id, revision, kind, order_id, refund_id, product_id, sale, share_percent, amount, currency, balance_after, recorded_at)
        select x.developer_id, x.entry_id, x.revision::bigint, x.kind, x.order_id, x.refund_id, x.product_id, x.sale_minor::numeric / 100, x.share_basis_points::numeric / 100,
               (case when x.kind = 'debit' then -1 else 1 end) * x.amount_minor::numeric / 100, x.currency, x.balance_after_minor::numeric / 100, x.recorded_at::timestamptz
        from ${entrySet} on conflict do nothing`.execute(trx);
      const rows = [...balances.values()].map((b) => ({ ...b, credited_minor: b.credited_minor.toString(), debited_minor: b.debited_minor.toString() }));
      await sql`
        insert into rm_developer_balances as b (developer_id, currency, balance_minor, credited_minor, debited_minor, entries, updated_at)
        select x.developer_id, x.currency, x.balance_minor::bigint, x.credited_minor::bigint, x.debited_minor::bigint, x.entries, x.updated_at::timestamptz
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(developer_id text, currency text, balance_minor text, credited_minor text, debited_minor text, entries integer, updated_at text)
        on conflict (developer_id, currency) do update set balance_minor = excluded.balance_minor, credited_minor = b.credited_minor + excluded.credited_minor,
          debited_minor = b.debited_minor + excluded.debited_minor, entries = b.entries + excluded.entries, updated_at = excluded.updated_at`.execute(trx);
    },
  });
}

interface EntryRowState {
  developer_id: string;
  revision: string;
  entry_id: string;
  kind: 'credit' | 'debit';
  order_id: string;
  refund_id: string | null;
  product_id: string;
  sale_minor: string | null;
  share_basis_points: number | null;
  amount_minor: string;
  currency: string;
  balance_after_minor: string;
  recorded_at: string;
  event_position: string;
}

export interface BalanceRow {
  developer_id: string;
  currency: string;
  balance_minor: string | number;
  credited_minor: string | number;
  debited_minor: string | number;
  entries: number;
  updated_at: Date | string;
}

export interface LedgerEntryRow {
  developer_id: string;
  revision: string | number;
  entry_id: string;
  kind: string;
  order_id: string;
  refund_id: string | null;
  product_id: string;
  sale_minor: string | number | null;
  share_basis_points: number | null;
  amount_minor: string | number;
  currency: string;
  balance_after_minor: string | number;
  recorded_at: Date | string;
}

/* ---------- views (the HTTP answers) ---------- */

/** An amount: major units as text (as MoneyView of the orders), its minor units as text, its currency. */
export const LedgerMoneyView = t.type({ value: t.string, amount_minor: t.string, currency: t.string });
export type LedgerMoneyView = t.TypeOf<typeof LedgerMoneyView>;
export const DeveloperBalanceView = t.type({
  ...LedgerMoneyView.props,
  credited: LedgerMoneyView,
  debited: LedgerMoneyView,
  entries: t.number,
  updated_at: t.string,
});
export type DeveloperBalanceView = t.TypeOf<typeof DeveloperBalanceView>;
export const LedgerEntryView = t.type({
  entry_id: t.string,
  kind: t.keyof({ credit: null, debit: null }),
  order_id: t.string,
  refund_id: t.union([t.string, t.null]),
  product_id: t.string,
  /** Credits: the sale and the share it was credited at. */
  sale: t.union([LedgerMoneyView, t.null]),
  share_percent: t.union([t.string, t.null]),
  /** Always positive; `kind` says which way it moved the balance. */
  amount: LedgerMoneyView,
  balance_after: LedgerMoneyView,
  recorded_at: t.string,
  /** The entry's place in the ledger (revision of its stream): the cursor's key. */
  sequence: t.number,
});
export type LedgerEntryView = t.TypeOf<typeof LedgerEntryView>;

export const moneyOf = (minor: string | number | bigint, currency: string): LedgerMoneyView => ({ value: fromMinorUnits(BigInt(minor)), amount_minor: BigInt(minor).toString(), currency });
const iso = (v: Date | string): string => new Date(v).toISOString();

export const balanceView = (row: BalanceRow): DeveloperBalanceView => ({
  ...moneyOf(row.balance_minor, row.currency),
  credited: moneyOf(row.credited_minor, row.currency),
  debited: moneyOf(row.debited_minor, row.currency),
  entries: Number(row.entries),
  updated_at: iso(row.updated_at),
});

export const ledgerEntryView = (row: LedgerEntryRow): LedgerEntryView => ({
  entry_id: row.entry_id,
  kind: row.kind as LedgerEntryView['kind'],
  order_id: row.order_id,
  refund_id: row.refund_id,
  product_id: row.product_id,
  sale: row.sale_minor === null ? null : moneyOf(row.sale_minor, row.currency),
  share_percent: row.share_basis_points === null ? null : percentOfBasisPoints(Number(row.share_basis_points)),
  amount: moneyOf(row.amount_minor, row.currency),
  balance_after: moneyOf(row.balance_after_minor, row.currency),
  recorded_at: iso(row.recorded_at),
  sequence: Number(row.revision),
});

/* ---------- queries ---------- */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function developerLedgerQueries(db: Kysely<any>) {
  return {
    /** A developer's balances, one per currency, by currency. */
    async balancesOf(developerId: string): Promise<DeveloperBalanceView[]> {
      const { rows } = await sql<BalanceRow>`select * from rm_developer_balances where developer_id = ${developerId} order by currency`.execute(db);
      return rows.map(balanceView);
    },
    /** A developer's entries, newest first, strictly before revision `before`; `limit + 1` rows (the extra one says a next page exists). */
    async entriesOf(developerId: string, page: { readonly before?: string; readonly limit: number }): Promise<LedgerEntryView[]> {
      const { rows } = await sql<LedgerEntryRow>`
        select * from rm_developer_ledger_entries
        where developer_id = ${developerId} and (${page.before ?? null}::bigint is null or revision < ${page.before ?? null}::bigint)
        order by revision desc limit ${page.limit + 1}`.execute(db);
      return rows.map(ledgerEntryView);
    },
  };
}
export type DeveloperLedgerQueries = ReturnType<typeof developerLedgerQueries>;

function developerLedgerMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  const comment = (column: string, text: string) => sql`comment on column ${sql.table(`${biSchema}.developer_ledger`)}.${sql.id(column)} is ${sql.lit(text)}`;
  return {
    'game-store-developer-ledger-0001-tables': {
      async up(db) {
        await sql`
          create table rm_developer_balances (
            developer_id text not null, currency text not null, balance_minor bigint not null, credited_minor bigint not null, debited_minor bigint not null,
            entries integer not null, updated_at timestamptz not null,
            primary key (developer_id, currency)
          )`.execute(db);
        await sql`
          create table rm_developer_ledger_entries (
            developer_id text not null, revision bigint not null, entry_id text not null, kind text not null, order_id text not null, refund_id text, product_id text not null,
            sale_minor bigint, share_basis_points integer, amount_minor bigint not null, currency text not null, balance_after_minor bigint not null,
            recorded_at timestamptz not null, event_position text not null,
            primary key (developer_id, revision), unique (developer_id, entry_id)
          )`.execute(db);
        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('developer_ledger')} (
            developer_id text not null, entry_id text not null, revision bigint not null, kind text not null, order_id text not null, refund_id text, product_id text not null,
            sale numeric(16, 2), share_percent numeric(5, 2), amount numeric(16, 2) not null, currency text not null, balance_after numeric(16, 2) not null,
            recorded_at timestamptz not null,
            primary key (developer_id, entry_id)
          )`.execute(db);
        await sql`comment on table ${bi('developer_ledger')} is ${sql.lit(
          'One row per entry of a developer’s ledger: a credit per game sold (the developer’s share of the sale) and a debit per game refunded (exactly what its sale credited). Amounts in major units; amount is signed (credit +, debit −), so sum(amount) per developer and currency is the balance, and balance_after is the running balance in ledger order (revision)',
        )}`.execute(db);
        for (const [column, text] of [
          ['developer_id', 'The developer’s user id (the owner of the game in the catalog)'],
          ['entry_id', 'The entry’s id, unique per developer (the purchase saga derives it from the order, or the refund, and the product)'],
          ['revision', 'The entry’s place in the developer’s ledger (0 first): the order the balance moved in'],
          ['kind', 'credit (a sale) or debit (a refund)'],
          ['order_id', 'The game order the sale belongs to (game_orders.order_id)'],
          ['refund_id', 'Debits: the refund that took the sale back; null for credits'],
          ['product_id', 'The game sold or refunded (game_products.product_id)'],
          ['sale', 'Credits: what the buyer paid for the game, major units; null for debits'],
          ['share_percent', 'Credits: the developer’s revenue share applied, in percent (the product’s own, or the default); null for debits'],
          ['amount', 'Signed, major units: + floor(sale × share) for a credit, − the credited amount for a debit'],
          ['currency', 'ISO 4217 currency of the sale (balances are per currency)'],
          ['balance_after', 'The developer’s balance in this currency after this entry, major units'],
          ['recorded_at', 'When the entry was recorded (the sale credited or the refund debited)'],
        ] as const) {
          await comment(column, text).execute(db);
        }
      },
    },
  };
}
