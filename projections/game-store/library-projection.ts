import * as t from 'io-ts';
import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import { LibraryEvent } from '../../domain/game-store/library.js';
import { defineProjection, type Projection } from '../projection.js';

export const LIBRARY_PROJECTION = 'game-store-library';

/**
 * The buyers' libraries (P-6): `rm_library_items`, one row per game a buyer owns NOW (buyer,
 * product, the order it came through, its title and developer as bought, acquisition, purchase
 * and addition times). A refunded game's row is deleted, not flagged: the table answers "what
 * does this buyer own" (the library page, the order initiation's "already owned" check) with
 * no filter to forget, and a game bought again is simply a row again, with its new order. What
 * was removed when, and why, stays in the buyer's stream (and the refunds' own tables).
 *
 * A batch is folded in memory per (buyer, product) in log order — added, removed, added again
 * in one batch ends as the last of them — and written with one upsert and one delete.
 */
export function libraryProjection(): Projection<LibraryEvent> {
  return defineProjection({
    name: LIBRARY_PROJECTION,
    events: LibraryEvent,
    migrations: libraryMigrations(),
    async apply(trx, events) {
      const last = new Map<string, LibraryRowState | { buyer_id: string; product_id: string; removed: true }>();
      for (const event of events) {
        const d = event.data;
        const key = `${d.buyerId}\u0000${d.productId}`;
        if (event.type === 'LibraryGameAdded') {
          const e = event.data;
          last.set(key, { buyer_id: e.buyerId, product_id: e.productId, order_id: e.orderId, title: e.title, developer_id: e.developerId, acquisition: e.acquisition, purchased_at: e.purchasedAt, added_at: e.addedAt, event_position: formatPosition(event.position) });
        } else {
          last.set(key, { buyer_id: d.buyerId, product_id: d.productId, removed: true });
        }
      }
      const kept = [...last.values()].filter((row): row is LibraryRowState => !('removed' in row));
      const removed = [...last.values()].filter((row) => 'removed' in row).map((row) => ({ buyer_id: row.buyer_id, product_id: row.product_id }));
      if (removed.length > 0) {
        await sql`
          delete from rm_library_items i using jsonb_to_recordset(${JSON.stringify(removed)}::jsonb) as x(buyer_id text, product_id text)
          where i.buyer_id = x.buyer_id and i.product_id = x.product_id`.execute(trx);
      }
      if (kept.length > 0) {
        await sql`
          insert into rm_library_items (buyer_id, product_id, order_id, title, developer_id, acquisition, purchased_at, added_at, event_position)
          select x.buyer_id, x.product_id, x.order_id, x.title, x.developer_id, x.acquisition, x.purchased_at::timestamptz, x.added_at::timestamptz, x.event_position
          from jsonb_to_recordset(${JSON.stringify(kept)}::jsonb) as x(buyer_id text, product_id text, order_id text, title text, developer_id text, acquisition text,
            purchased_at text, added_at text, event_position text)
          on conflict (buyer_id, product_id) do update set order_id = excluded.order_id, title = excluded.title, developer_id = excluded.developer_id, acquisition = excluded.acquisition,
            purchased_at = excluded.purchased_at, added_at = excluded.added_at, event_position = excluded.event_position`.execute(trx);
      }
    },
  });
}

interface LibraryRowState {
  buyer_id: string;
  product_id: string;
  order_id: string;
  title: string;
  developer_id: string;
  acquisition: string;
  purchased_at: string;
  added_at: string;
  event_position: string;
}

export interface LibraryItemRow {
  buyer_id: string;
  product_id: string;
  order_id: string;
  title: string;
  developer_id: string;
  acquisition: string;
  purchased_at: Date | string;
  added_at: Date | string;
}

/* ---------- the view (the HTTP answer) ---------- */

export const LibraryItemView = t.type({
  product_id: t.string,
  title: t.string,
  developer_id: t.string,
  order_id: t.string,
  acquisition: t.literal('purchase'),
  purchased_at: t.string,
  added_at: t.string,
});
export type LibraryItemView = t.TypeOf<typeof LibraryItemView>;

const iso = (v: Date | string): string => new Date(v).toISOString();

export const libraryItemView = (row: LibraryItemRow): LibraryItemView => ({
  product_id: row.product_id,
  title: row.title,
  developer_id: row.developer_id,
  order_id: row.order_id,
  acquisition: row.acquisition as 'purchase',
  purchased_at: iso(row.purchased_at),
  added_at: iso(row.added_at),
});

/* ---------- queries ---------- */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function libraryQueries(db: Kysely<any>) {
  return {
    /** A buyer's games, newest addition first, strictly after the key `after` in that order; `limit + 1` rows (the extra one says a next page exists). */
    async itemsOf(buyerId: string, page: { readonly after?: { readonly addedAt: string; readonly productId: string }; readonly limit: number }): Promise<LibraryItemView[]> {
      const { rows } = await sql<LibraryItemRow>`
        select * from rm_library_items
        where buyer_id = ${buyerId}
          and (${page.after?.addedAt ?? null}::timestamptz is null or (added_at, product_id) < (${page.after?.addedAt ?? null}::timestamptz, ${page.after?.productId ?? ''}))
        order by added_at desc, product_id desc limit ${page.limit + 1}`.execute(db);
      return rows.map(libraryItemView);
    },
    /** Which of these products the buyer has in the library now. */
    async ownedAmong(buyerId: string, productIds: readonly string[]): Promise<readonly string[]> {
      if (productIds.length === 0) return [];
      const { rows } = await sql<{ product_id: string }>`
        select product_id from rm_library_items where buyer_id = ${buyerId} and product_id in (select jsonb_array_elements_text(${JSON.stringify(productIds)}::jsonb))`.execute(db);
      return rows.map((row) => row.product_id);
    },
  };
}
export type LibraryQueries = ReturnType<typeof libraryQueries>;

function libraryMigrations(): Migrations {
  return {
    'game-store-library-0001-items': {
      async up(db) {
        await sql`
          create table rm_library_items (
            buyer_id text not null, product_id text not null, order_id text not null, title text not null, developer_id text not null, acquisition text not null,
            purchased_at timestamptz not null, added_at timestamptz not null, event_position text not null,
            primary key (buyer_id, product_id)
          )`.execute(db);
        await sql`create index rm_library_items_newest on rm_library_items (buyer_id, added_at desc, product_id desc)`.execute(db);
      },
    },
  };
}
