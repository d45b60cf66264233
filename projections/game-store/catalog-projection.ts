import * as t from 'io-ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import { fromMinorUnits } from '../../domain/money.js';
import { percentOfBasisPoints, ProductEvent, productOfStream } from '../../domain/game-store/product.js';
import { defineProjection, type Projection } from '../projection.js';

export const CATALOG_PROJECTION = 'game-store-catalog';

/**
 * The catalog's read side (P-1):
 * - `rm_game_products`: one row per product (title, owner, status, fiscal attributes, the
 *   developer's revenue share in basis points — null: the configured default —, version);
 * - `rm_game_product_prices`: its current price per region (minor units);
 * - `rm_game_product_price_history`: every price change (listed / set / removed) with the price
 *   before and after, in stream order.
 * BI (the configurable BI schema): `game_products` (current state; the revenue share each sale
 * was credited at is in `developer_ledger`) and `game_product_prices`
 * (every price change, amounts in major units). Titles and developer ids only — no personal data.
 *
 * A batch is folded in memory over the products it touches (read with one select) and written
 * back with one statement per table.
 */
export function catalogProjection(biSchema = 'bi'): Projection<ProductEvent> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: CATALOG_PROJECTION,
    events: ProductEvent,
    migrations: catalogMigrations(biSchema),
    rebind: (other) => catalogProjection(other),
    async apply(trx, events) {
      const ids = [...new Set(events.map((e) => productOfStream(e.streamName) ?? e.data.productId))];
      const products = await loadProducts(trx, ids);
      const prices = new Map<string, { product_id: string; region: string; price: { currency: string; amount_minor: string } | null; at: string; by: string }>();
      const history: HistoryRow[] = [];
      for (const event of events) {
        const id = event.data.productId;
        const position = formatPosition(event.position);
        const revision = event.revision.toString();
        const setPrice = (region: string, price: { currency: string; amountMinor: string } | null, at: string, by: string) =>
          prices.set(`${id}\u0000${region}`, { product_id: id, region, price: price ? { currency: price.currency, amount_minor: price.amountMinor } : null, at, by });
        const before = products.get(id);
        if (event.type === 'ProductListed') {
          const d = event.data;
          products.set(id, { product_id: id, title: d.title, developer_id: d.developerId, status: 'active', vat: d.vat, payment_subject: d.paymentSubject, revenue_share_bps: null, listed_at: d.listedAt, updated_at: d.listedAt, updated_by: d.by, version: revision });
          for (const p of d.prices) {
            setPrice(p.region, p, d.listedAt, d.by);
            history.push({ product_id: id, revision, region: p.region, change: 'listed', previous_currency: null, previous_amount_minor: null, currency: p.currency, amount_minor: p.amountMinor, at: d.listedAt, by: d.by, event_position: position });
          }
          continue;
        }
        if (!before) continue; // a product's first event is its listing
        const touched = { ...before, updated_at: event.data.at, updated_by: event.data.by, version: revision };
        switch (event.type) {
          case 'ProductPriceSet': {
            const d = event.data;
            setPrice(d.region, d.current, d.at, d.by);
            history.push({ product_id: id, revision, region: d.region, change: 'set', previous_currency: d.previous?.currency ?? null, previous_amount_minor: d.previous?.amountMinor ?? null, currency: d.current.currency, amount_minor: d.current.amountMinor, at: d.at, by: d.by, event_position: position });
            break;
          }
          case 'ProductPriceRemoved': {
            const d = event.data;
            setPrice(d.region, null, d.at, d.by);
            history.push({ product_id: id, revision, region: d.region, change: 'removed', previous_currency: d.previous.currency, previous_amount_minor: d.previous.amountMinor, currency: null, amount_minor: null, at: d.at, by: d.by, event_position: position });
            break;
          }
          case 'ProductRetitled':
            touched.title = event.data.title;
            break;
          case 'ProductFiscalChanged':
            touched.vat = event.data.vat;
            touched.payment_subject = event.data.paymentSubject;
            break;
          case 'ProductWithdrawn':
            touched.status = 'withdrawn';
            break;
          case 'ProductRestored':
            touched.status = 'active';
            break;
          case 'ProductRevenueShareSet':
            touched.revenue_share_bps = event.data.shareBasisPoints;
            break;
        }
        products.set(id, touched);
      }

      const rows = [...products.values()];
      if (rows.length > 0) {
        const json = JSON.stringify(rows);
        const recordset = sql`jsonb_to_recordset(${json}::jsonb) as x(product_id text, title text, developer_id text, status text, vat text, payment_subject text, revenue_share_bps integer,
          listed_at text, updated_at text, updated_by text, version text)`;
        await sql`
          insert into rm_game_products (product_id, title, developer_id, status, vat, payment_subject, revenue_share_bps, listed_at, updated_at, updated_by, version)
          select x.product_id, x.title, x.developer_id, x.status, x.vat, x.payment_subject, x.revenue_share_bps, x.listed_at::timestamptz, x.updated_at::timestamptz, x.updated_by, x.version::bigint from ${recordset}
          on conflict (product_id) do update set title = excluded.title, status = excluded.status, vat = excluded.vat, payment_subject = excluded.payment_subject,
            revenue_share_bps = excluded.revenue_share_bps, updated_at = excluded.updated_at, updated_by = excluded.updated_by, version = excluded.version`.execute(trx);
        await sql`
          insert into ${bi('game_products')} (product_id, title, developer_id, status, vat, payment_subject, listed_at, updated_at, version)
          select x.product_id, x.title, x.developer_id, x.status, x.vat, x.payment_subject, x.listed_at::timestamptz, x.updated_at::timestamptz, x.version::bigint from ${recordset}
          on conflict (product_id) do update set title = excluded.title, status = excluded.status, vat = excluded.vat, payment_subject = excluded.payment_subject,
            updated_at = excluded.updated_at, version = excluded.version`.execute(trx);
      }
      const priced = [...prices.values()].filter((p) => p.price !== null).map((p) => ({ product_id: p.product_id, region: p.region, currency: p.price!.currency, amount_minor: p.price!.amount_minor, at: p.at, by: p.by }));
      const unpriced = [...prices.values()].filter((p) => p.price === null).map((p) => ({ product_id: p.product_id, region: p.region }));
      if (priced.length > 0) {
        await sql`
          insert into rm_game_product_prices (product_id, region, currency, amount_minor, set_at, set_by)
          select x.product_id, x.region, x.currency, x.amount_minor::bigint, x.at::timestamptz, x.by
          from jsonb_to_recordset(${JSON.stringify(priced)}::jsonb) as x(product_id text, region text, currency text, amount_minor text, at text, by text)
          on conflict (product_id, region) do update set currency = excluded.currency, amount_minor = excluded.amount_minor, set_at = excluded.set_at, set_by = excluded.set_by`.execute(trx);
      }
      if (unpriced.length > 0) {
        await sql`
          delete from rm_game_product_prices p using jsonb_to_recordset(${JSON.stringify(unpriced)}::jsonb) as x(product_id text, region text)
          where p.product_id = x.product_id and p.region = x.region`.execute(trx);
      }
      if (history.length > 0) {
        const json = JSON.stringify(history);
        const recordset = sql`jsonb_to_recordset(${json}::jsonb) as x(product_id text, revision text, region text, change text, previous_currency text, previous_amount_minor text,
          currency text, amount_minor text, at text, by text, event_position text)`;
        await sql`
          insert into rm_game_product_price_history (product_id, revision, region, change, previous_currency, previous_amount_minor, currency, amount_minor, changed_at, changed_by, event_position)
          select x.product_id, x.revision::bigint, x.region, x.change, x.previous_currency, x.previous_amount_minor::bigint, x.currency, x.amount_minor::bigint, x.at::timestamptz, x.by, x.event_position
          from ${recordset} on conflict do nothing`.execute(trx);
        await sql`
          insert into ${bi('game_product_prices')} (product_id, revision, region, change, previous_currency, previous_amount, currency, amount, changed_at, changed_by, event_position)
          select x.product_id, x.revision::bigint, x.region, x.change, x.previous_currency, x.previous_amount_minor::numeric / 100, x.currency, x.amount_minor::numeric / 100, x.at::timestamptz, x.by, x.event_position
          from ${recordset} on conflict do nothing`.execute(trx);
      }
    },
  });
}

/** A product row as a batch folds it: times as ISO text, the version as decimal text. */
type ProductRowState = Omit<ProductRow, 'listed_at' | 'updated_at' | 'version' | 'revenue_share_bps'> & { listed_at: string; updated_at: string; version: string; revenue_share_bps: number | null };

interface HistoryRow {
  product_id: string;
  revision: string;
  region: string;
  change: 'listed' | 'set' | 'removed';
  previous_currency: string | null;
  previous_amount_minor: string | null;
  currency: string | null;
  amount_minor: string | null;
  at: string;
  by: string;
  event_position: string;
}

const iso = (v: Date | string): string => new Date(v).toISOString();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function loadProducts(trx: Transaction<any>, ids: readonly string[]): Promise<Map<string, ProductRowState>> {
  const found = new Map<string, ProductRowState>();
  if (ids.length === 0) return found;
  const { rows } = await sql<ProductRow>`select * from rm_game_products where product_id = any(${[...ids]}::text[])`.execute(trx);
  for (const row of rows) found.set(row.product_id, { ...row, revenue_share_bps: row.revenue_share_bps === null ? null : Number(row.revenue_share_bps), listed_at: iso(row.listed_at), updated_at: iso(row.updated_at), version: String(row.version) });
  return found;
}

export interface ProductRow {
  product_id: string;
  title: string;
  developer_id: string;
  status: string;
  vat: string;
  payment_subject: string;
  /** Basis points; null: the configured default. */
  revenue_share_bps: number | string | null;
  listed_at: Date | string;
  updated_at: Date | string;
  updated_by: string;
  version: string | number;
}

export interface PriceRow {
  product_id: string;
  region: string;
  currency: string;
  amount_minor: string | number;
}

export interface PriceHistoryRow {
  product_id: string;
  revision: string | number;
  region: string;
  change: string;
  previous_currency: string | null;
  previous_amount_minor: string | number | null;
  currency: string | null;
  amount_minor: string | number | null;
  changed_at: Date | string;
  changed_by: string;
}

/* ---------- views (the HTTP answers) ---------- */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);
export const PriceView = t.type({ region: t.string, currency: t.string, amount: t.string });
export const ProductView = t.intersection([
  t.type({
    product_id: t.string,
    title: t.string,
    developer_id: t.string,
    status: t.keyof({ active: null, withdrawn: null }),
    vat: t.string,
    payment_subject: t.string,
    prices: t.array(PriceView),
    listed_at: t.string,
    updated_at: t.string,
    version: t.number,
  }),
  /**
   * The developer's share of its sales in percent ("70", "72.5"); null: the configured default
   * applies. Shown to admins and the owning developer only (a commercial term, not for buyers).
   */
  t.partial({ revenue_share_percent: nullable(t.string) }),
]);
export type ProductView = t.TypeOf<typeof ProductView>;
export const PriceChangeView = t.type({
  revision: t.number,
  region: t.string,
  change: t.keyof({ listed: null, set: null, removed: null }),
  previous: nullable(t.type({ currency: t.string, amount: t.string })),
  current: nullable(t.type({ currency: t.string, amount: t.string })),
  changed_at: t.string,
  changed_by: t.string,
});
export type PriceChangeView = t.TypeOf<typeof PriceChangeView>;

const major = (minor: string | number): string => fromMinorUnits(BigInt(minor));


export const productView = (row: ProductRow, prices: readonly PriceRow[]): ProductView => ({
  product_id: row.product_id,
  title: row.title,
  developer_id: row.developer_id,
  status: row.status as ProductView['status'],
  vat: row.vat,
  payment_subject: row.payment_subject,
  prices: prices.map((p) => ({ region: p.region, currency: p.currency, amount: major(p.amount_minor) })),
  listed_at: iso(row.listed_at),
  updated_at: iso(row.updated_at),
  version: Number(row.version),
});

export const priceChangeView = (row: PriceHistoryRow): PriceChangeView => ({
  revision: Number(row.revision),
  region: row.region,
  change: row.change as PriceChangeView['change'],
  previous: row.previous_currency !== null && row.previous_amount_minor !== null ? { currency: row.previous_currency, amount: major(row.previous_amount_minor) } : null,
  current: row.currency !== null && row.amount_minor !== null ? { currency: row.currency, amount: major(row.amount_minor) } : null,
  changed_at: iso(row.changed_at),
  changed_by: row.changed_by,
});

/* ---------- queries ---------- */

export interface ProductListFilter {
  readonly status: 'active' | 'withdrawn';
  readonly region?: string;
  readonly developerId?: string;
  readonly after?: { readonly listedAt: string; readonly id: string };
  readonly limit: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function catalogQueries(db: Kysely<any>) {
  const pricesOf = async (ids: readonly string[]): Promise<Map<string, PriceRow[]>> => {
    const byProduct = new Map<string, PriceRow[]>();
    if (ids.length === 0) return byProduct;
    const { rows } = await sql<PriceRow>`select product_id, region, currency, amount_minor from rm_game_product_prices where product_id = any(${[...ids]}::text[]) order by product_id, region`.execute(db);
    for (const row of rows) byProduct.set(row.product_id, [...(byProduct.get(row.product_id) ?? []), row]);
    return byProduct;
  };
  return {
    /** One product; `withRevenueShare` (an admin or its developer asks) adds `revenue_share_percent`. */
    async product(id: string, options: { readonly withRevenueShare?: (developerId: string) => boolean } = {}): Promise<ProductView | undefined> {
      const { rows } = await sql<ProductRow>`select * from rm_game_products where product_id = ${id}`.execute(db);
      const row = rows[0];
      if (!row) return undefined;
      const view = productView(row, (await pricesOf([id])).get(id) ?? []);
      if (!options.withRevenueShare?.(row.developer_id)) return view;
      return { ...view, revenue_share_percent: row.revenue_share_bps === null ? null : percentOfBasisPoints(Number(row.revenue_share_bps)) };
    },
    /** Products in (listed_at, product_id) order, `limit + 1` rows (the extra one says a next page exists). */
    async products(filter: ProductListFilter): Promise<ProductView[]> {
      const { rows } = await sql<ProductRow>`
        select p.* from rm_game_products p
        where p.status = ${filter.status}
          and (${filter.developerId ?? null}::text is null or p.developer_id = ${filter.developerId ?? null})
          and (${filter.region ?? null}::text is null or exists (select 1 from rm_game_product_prices r where r.product_id = p.product_id and r.region = ${filter.region ?? null}))
          and (${filter.after?.listedAt ?? null}::timestamptz is null or (p.listed_at, p.product_id) > (${filter.after?.listedAt ?? null}::timestamptz, ${filter.after?.id ?? ''}))
        order by p.listed_at, p.product_id limit ${filter.limit + 1}`.execute(db);
      const prices = await pricesOf(rows.map((r) => r.product_id));
      return rows.map((row) => {
        const all = prices.get(row.product_id) ?? [];
        // with a region filter, the list shows the price there (the product page shows them all)
        return productView(row, filter.region === undefined ? all : all.filter((p) => p.region === filter.region));
      });
    },
    /** Price changes of a product in stream order after the key `after`, `limit + 1` rows. */
    async priceHistory(id: string, page: { readonly after?: { readonly revision: string; readonly region: string }; readonly region?: string; readonly limit: number }): Promise<PriceChangeView[]> {
      const { rows } = await sql<PriceHistoryRow>`
        select * from rm_game_product_price_history
        where product_id = ${id}
          and (${page.region ?? null}::text is null or region = ${page.region ?? null})
          and (${page.after?.revision ?? null}::bigint is null or (revision, region) > (${page.after?.revision ?? null}::bigint, ${page.after?.region ?? ''}))
        order by revision, region limit ${page.limit + 1}`.execute(db);
      return rows.map(priceChangeView);
    },
  };
}
export type CatalogQueries = ReturnType<typeof catalogQueries>;

function catalogMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return {
    'game-store-catalog-0001-tables': {
      async up(db) {
        await sql`
          create table rm_game_products (
            product_id text primary key, title text not null, developer_id text not null, status text not null, vat text not null, payment_subject text not null,
            listed_at timestamptz not null, updated_at timestamptz not null, updated_by text not null, version bigint not null
          )`.execute(db);
        await sql`create index rm_game_products_listing on rm_game_products (status, listed_at, product_id)`.execute(db);
        await sql`create index rm_game_products_developer on rm_game_products (developer_id, status, listed_at, product_id)`.execute(db);
        await sql`
          create table rm_game_product_prices (
            product_id text not null, region text not null, currency text not null, amount_minor bigint not null, set_at timestamptz not null, set_by text not null,
            primary key (product_id, region)
          )`.execute(db);
        await sql`create index rm_game_product_prices_region on rm_game_product_prices (region, product_id)`.execute(db);
        await sql`
          create table rm_game_product_price_history (
            product_id text not null, revision bigint not null, region text not null, change text not null,
            previous_currency text, previous_amount_minor bigint, currency text, amount_minor bigint,
            changed_at timestamptz not null, changed_by text not null, event_position text not null,
            primary key (product_id, revision, region)
          )`.execute(db);
        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('game_products')} (
            product_id text primary key, title text not null, developer_id text not null, status text not null, vat text not null, payment_subject text not null,
            listed_at timestamptz not null, updated_at timestamptz not null, version bigint not null
          )`.execute(db);
        await sql`
          create table ${bi('game_product_prices')} (
            product_id text not null, revision bigint not null, region text not null, change text not null,
            previous_currency text, previous_amount numeric(16, 2), currency text, amount numeric(16, 2),
            changed_at timestamptz not null, changed_by text not null, event_position text not null,
            primary key (product_id, revision, region)
          )`.execute(db);
        await sql`comment on table ${bi('game_products')} is 'One row per game in the catalog: title, owning developer id, status (active / withdrawn), VAT rate and payment subject (54-FZ)'`.execute(db);
        await sql`comment on table ${bi('game_product_prices')} is 'Every price change of a game per region (listed / set / removed) with the price before and after, in major units'`.execute(db);
      },
    },
    'game-store-catalog-0002-revenue-share': {
      async up(db) {
        await sql`alter table rm_game_products add column revenue_share_bps integer`.execute(db);
      },
    },
  };
}

