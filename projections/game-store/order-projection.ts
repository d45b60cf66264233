import { sql, type Kysely, type Transaction } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import { GameOrderEvent } from '../../domain/game-store/game-order.js';
import { defineProjection, type Projection } from '../projection.js';

export const ORDERS_PROJECTION = 'game-store-orders';

/**
 * The orders' read side (P-2, P-6): `rm_game_orders` (one row per order: buyer, region,
 * currency, total in minor units, the preferred payment method, the status the order stream
 * gives — `pending_payment` until the purchase saga of issue 13 adds more) and
 * `rm_game_order_items` (its lines as priced from the catalog). BI: `game_orders` and
 * `game_order_items` in major units — the buyer's id (a pseudonym) and nothing else of the person.
 * Set-based: a batch of initiations is one insert per table.
 */
export function orderProjection(biSchema = 'bi'): Projection<GameOrderEvent> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: ORDERS_PROJECTION,
    events: GameOrderEvent,
    migrations: orderMigrations(biSchema),
    rebind: (other) => orderProjection(other),
    async apply(trx, events) {
      const orders: unknown[] = [];
      const items: unknown[] = [];
      const changes: Exclude<GameOrderEvent, { type: 'OrderInitiated' }>[] = [];
      for (const event of events) {
        if (event.type !== 'OrderInitiated') {
          changes.push(event);
          continue;
        }
        const d = event.data;
        orders.push({
          order_id: d.orderId,
          buyer_id: d.buyerId,
          region: d.region,
          currency: d.currency,
          total_minor: d.totalMinor,
          payment_method: d.paymentMethod,
          initiated_by: d.by,
          initiated_at: d.initiatedAt,
          lines: d.items.length,
          event_position: formatPosition(event.position),
        });
        d.items.forEach((line, index) =>
          items.push({
            order_id: d.orderId,
            line_no: index + 1,
            product_id: line.productId,
            title: line.title,
            developer_id: line.developerId,
            quantity: line.quantity,
            unit_price_minor: line.unitPriceMinor,
            line_total_minor: line.lineTotalMinor,
            vat: line.vat,
            payment_subject: line.paymentSubject,
            currency: d.currency,
            region: d.region,
            initiated_at: d.initiatedAt,
          }),
        );
      }
      if (orders.length > 0) await insertOrders(trx, orders, items);
      for (const change of changes) await applyChange(trx, change);
    },
  });

  async function insertOrders(trx: Transaction<any>, orders: readonly unknown[], items: readonly unknown[]) {
      const orderSet = sql`jsonb_to_recordset(${JSON.stringify(orders)}::jsonb) as x(order_id text, buyer_id text, region text, currency text, total_minor text, payment_method text,
        initiated_by text, initiated_at text, lines integer, event_position text)`;
      await sql`
        insert into rm_game_orders (order_id, buyer_id, region, currency, total_minor, payment_method, status, initiated_by, initiated_at, event_position)
        select x.order_id, x.buyer_id, x.region, x.currency, x.total_minor::bigint, x.payment_method, 'pending_payment', x.initiated_by, x.initiated_at::timestamptz, x.event_position
        from ${orderSet} on conflict do nothing`.execute(trx);
      await sql`
        insert into ${bi('game_orders')} (order_id, buyer_id, region, currency, total, payment_method, status, lines, initiated_at)
        select x.order_id, x.buyer_id, x.region, x.currency, x.total_minor::numeric / 100, x.payment_method, 'pending_payment', x.lines, x.initiated_at::timestamptz
        from ${orderSet} on conflict do nothing`.execute(trx);
      const itemSet = sql`jsonb_to_recordset(${JSON.stringify(items)}::jsonb) as x(order_id text, line_no integer, product_id text, title text, developer_id text, quantity integer,
        unit_price_minor text, line_total_minor text, vat text, payment_subject text, currency text, region text, initiated_at text)`;
      await sql`
        insert into rm_game_order_items (order_id, line_no, product_id, title, developer_id, quantity, unit_price_minor, line_total_minor, vat, payment_subject)
        select x.order_id, x.line_no, x.product_id, x.title, x.developer_id, x.quantity, x.unit_price_minor::bigint, x.line_total_minor::bigint, x.vat, x.payment_subject
        from ${itemSet} on conflict do nothing`.execute(trx);
      await sql`
        insert into ${bi('game_order_items')} (order_id, line_no, product_id, title, developer_id, quantity, unit_price, line_total, currency, vat, payment_subject, region, initiated_at)
        select x.order_id, x.line_no, x.product_id, x.title, x.developer_id, x.quantity, x.unit_price_minor::numeric / 100, x.line_total_minor::numeric / 100, x.currency, x.vat,
               x.payment_subject, x.region, x.initiated_at::timestamptz
        from ${itemSet} on conflict do nothing`.execute(trx);
  }

  /** What the order's later events change: its status (`completed`, `cancelled`, `partially_refunded`, `refunded`), its lines' refunds. */
  async function applyChange(trx: Transaction<any>, event: Exclude<GameOrderEvent, { type: 'OrderInitiated' }>) {
    const d = event.data;
    const setStatus = async (status: string) => {
      await sql`update rm_game_orders set status = ${status} where order_id = ${d.orderId}`.execute(trx);
      await sql`update ${bi('game_orders')} set status = ${status} where order_id = ${d.orderId}`.execute(trx);
    };
    switch (event.type) {
      case 'OrderCompleted':
        await sql`update rm_game_orders set status = 'completed', transaction_id = ${event.data.transactionId}, completed_at = ${event.data.completedAt}::timestamptz where order_id = ${d.orderId}`.execute(trx);
        await sql`update ${bi('game_orders')} set status = 'completed', completed_at = ${event.data.completedAt}::timestamptz where order_id = ${d.orderId}`.execute(trx);
        return;
      case 'OrderCancelled':
        await sql`update rm_game_orders set status = 'cancelled', cancel_reason = ${event.data.reason}, cancelled_at = ${event.data.cancelledAt}::timestamptz where order_id = ${d.orderId}`.execute(trx);
        await setStatus('cancelled');
        return;
      case 'OrderRefundRequested':
        await sql`update rm_game_order_items set refund_id = ${event.data.refundId}, refund_status = 'requested' where order_id = ${d.orderId} and product_id = any(${event.data.productIds}::text[])`.execute(trx);
        return;
      case 'OrderRefundConfirmed': {
        await sql`update rm_game_order_items set refund_status = 'refunded', refunded_at = ${event.data.confirmedAt}::timestamptz where order_id = ${d.orderId} and refund_id = ${event.data.refundId}`.execute(trx);
        const { rows } = await sql<{ status: string }>`
          update rm_game_orders set refunded_minor = refunded_minor + ${event.data.amountMinor}::bigint,
            status = case when refunded_minor + ${event.data.amountMinor}::bigint >= total_minor then 'refunded' else 'partially_refunded' end
          where order_id = ${d.orderId} returning status`.execute(trx);
        if (rows[0]) await sql`update ${bi('game_orders')} set status = ${rows[0].status} where order_id = ${d.orderId}`.execute(trx);
        return;
      }
      case 'OrderRefundFailed':
        await sql`update rm_game_order_items set refund_id = null, refund_status = null where order_id = ${d.orderId} and refund_id = ${event.data.refundId}`.execute(trx);
        return;
      case 'OrderProcessingCompleted':
        await sql`update rm_game_orders set processed_at = ${event.data.completedAt}::timestamptz where order_id = ${d.orderId}`.execute(trx);
        return;
      case 'OrderRefundPending':
      case 'StrayPaymentRefunded':
        return;
    }
  }
}

export interface OrderRow {
  order_id: string;
  buyer_id: string;
  region: string;
  currency: string;
  total_minor: string | number;
  payment_method: string;
  status: string;
  initiated_by: string;
  initiated_at: Date | string;
  transaction_id: string | null;
  completed_at: Date | string | null;
  cancelled_at: Date | string | null;
  cancel_reason: string | null;
  refunded_minor: string | number;
  processed_at: Date | string | null;
}

export interface OrderItemRow {
  order_id: string;
  line_no: number;
  product_id: string;
  title: string;
  developer_id: string;
  quantity: number;
  unit_price_minor: string | number;
  line_total_minor: string | number;
  vat: string;
  payment_subject: string;
  refund_id: string | null;
  refund_status: string | null;
  refunded_at: Date | string | null;
}

export type OrderWithItems = OrderRow & { readonly items: readonly OrderItemRow[] };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function orderQueries(db: Kysely<any>) {
  const withItems = async (orders: readonly OrderRow[]): Promise<OrderWithItems[]> => {
    if (orders.length === 0) return [];
    const { rows } = await sql<OrderItemRow>`select * from rm_game_order_items where order_id = any(${orders.map((o) => o.order_id)}::text[]) order by order_id, line_no`.execute(db);
    const byOrder = new Map<string, OrderItemRow[]>();
    for (const row of rows) byOrder.set(row.order_id, [...(byOrder.get(row.order_id) ?? []), row]);
    return orders.map((order) => ({ ...order, items: byOrder.get(order.order_id) ?? [] }));
  };
  return {
    async order(id: string): Promise<OrderWithItems | undefined> {
      const { rows } = await sql<OrderRow>`select * from rm_game_orders where order_id = ${id}`.execute(db);
      return (await withItems(rows))[0];
    },
    /** A buyer's orders, newest first, strictly before the key `before`; at most `limit` rows. */
    async ordersOf(buyerId: string, page: { readonly before?: { readonly initiatedAt: string; readonly id: string }; readonly limit: number }): Promise<OrderWithItems[]> {
      const { rows } = await sql<OrderRow>`
        select * from rm_game_orders
        where buyer_id = ${buyerId}
          and (${page.before?.initiatedAt ?? null}::timestamptz is null or (initiated_at, order_id) < (${page.before?.initiatedAt ?? null}::timestamptz, ${page.before?.id ?? ''}))
        order by initiated_at desc, order_id desc limit ${page.limit}`.execute(db);
      return withItems(rows);
    },
  };
}
export type OrderQueries = ReturnType<typeof orderQueries>;

function orderMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return {
    'game-store-orders-0001-tables': {
      async up(db) {
        await sql`
          create table rm_game_orders (
            order_id text primary key, buyer_id text not null, region text not null, currency text not null, total_minor bigint not null, payment_method text not null,
            status text not null, initiated_by text not null, initiated_at timestamptz not null, event_position text not null
          )`.execute(db);
        await sql`create index rm_game_orders_buyer on rm_game_orders (buyer_id, initiated_at desc, order_id desc)`.execute(db);
        await sql`
          create table rm_game_order_items (
            order_id text not null, line_no integer not null, product_id text not null, title text not null, developer_id text not null, quantity integer not null,
            unit_price_minor bigint not null, line_total_minor bigint not null, vat text not null, payment_subject text not null,
            primary key (order_id, line_no)
          )`.execute(db);
        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('game_orders')} (
            order_id text primary key, buyer_id text not null, region text not null, currency text not null, total numeric(16, 2) not null, payment_method text not null,
            status text not null, lines integer not null, initiated_at timestamptz not null
          )`.execute(db);
        await sql`
          create table ${bi('game_order_items')} (
            order_id text not null, line_no integer not null, product_id text not null, title text not null, developer_id text not null, quantity integer not null,
            unit_price numeric(16, 2) not null, line_total numeric(16, 2) not null, currency text not null, vat text not null, payment_subject text not null,
            region text not null, initiated_at timestamptz not null,
            primary key (order_id, line_no)
          )`.execute(db);
        await sql`comment on table ${bi('game_orders')} is 'One row per game order: the buyer id (no e-mail or name), region, currency, total from the catalog at initiation, preferred payment method, status'`.execute(db);
        await sql`comment on table ${bi('game_order_items')} is 'The lines of game orders as priced from the catalog at initiation (unit price, line total, VAT rate, payment subject)'`.execute(db);
      },
    },
      'game-store-orders-0002-lifecycle': {
      async up(db) {
        await sql`
          alter table rm_game_orders add column transaction_id text, add column completed_at timestamptz, add column cancelled_at timestamptz, add column cancel_reason text,
            add column refunded_minor bigint not null default 0, add column processed_at timestamptz`.execute(db);
        await sql`alter table rm_game_order_items add column refund_id text, add column refund_status text, add column refunded_at timestamptz`.execute(db);
        await sql`alter table ${bi('game_orders')} add column completed_at timestamptz`.execute(db);
        await sql`comment on column ${bi('game_orders')}.status is 'pending_payment, completed (paid), cancelled (its payment failed, expired or was cancelled), partially_refunded, refunded'`.execute(db);
      },
    },
  };
}
