import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { CursorTimestamp, pageCodec, pageQuery, readPageRequest, encodeCursor } from '../../adapters/http/pagination.js';
import type { Principal } from '../../adapters/http/principal.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';
import { fromMinorUnits } from '../../domain/money.js';
import type { OrderQueries, OrderWithItems } from '../../projections/game-store/order-projection.js';
import { isId } from './catalog-codecs.js';
import { InitiatedOrderView, MoneyView, orderLineView } from './order-routes.js';
import type { OrderPayments, OrderPaymentSummary } from './ports/order-payments.js';

export interface OrderQueryDependencies {
  readonly orders: OrderQueries;
  readonly orderPayments: OrderPayments;
}

/** The order statuses the queries show until the purchase saga (issue 13) owns them. */
export const ORDER_STATUSES = ['pending_payment', 'paid'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TransactionSummaryView = t.type({ transaction_id: t.string, provider: t.string, status: t.string, amount: MoneyView, updated_at: t.string });
/** The initiation's answer, with its buyer, its transactions and the status they give. */
export const OrderView = t.type({
  ...InitiatedOrderView.props,
  status: t.keyof({ pending_payment: null, paid: null }),
  buyer_id: t.string,
  transactions: t.array(TransactionSummaryView),
});
export type OrderView = t.TypeOf<typeof OrderView>;

/** "paid" once any of its transactions completed; else pending payment. */
export const orderStatusOf = (transactions: readonly OrderPaymentSummary[]): OrderStatus => (transactions.some((tx) => tx.status === 'completed') ? 'paid' : 'pending_payment');

export function orderView(order: OrderWithItems, transactions: readonly OrderPaymentSummary[]): OrderView {
  return {
    order_id: order.order_id,
    status: orderStatusOf(transactions),
    buyer_id: order.buyer_id,
    region: order.region,
    currency: order.currency,
    items: order.items.map((line) => orderLineView({ productId: line.product_id, title: line.title, quantity: line.quantity, unitPriceMinor: String(line.unit_price_minor), lineTotalMinor: String(line.line_total_minor) })),
    total: { value: fromMinorUnits(BigInt(order.total_minor)), currency: order.currency },
    payment_method: order.payment_method,
    created_at: new Date(order.initiated_at).toISOString(),
    transactions: transactions.map((tx) => ({
      transaction_id: tx.transactionId,
      provider: tx.provider,
      status: tx.status,
      amount: { value: fromMinorUnits(BigInt(tx.amountMinor)), currency: tx.currency },
      updated_at: tx.updatedAt,
    })),
  };
}

const StatusFilter = withJsonSchema(t.keyof({ pending_payment: null, paid: null }, 'OrderStatus'), { type: 'string', enum: [...ORDER_STATUSES] }, { expected: 'pending_payment or paid' });
const ListKey = t.type({ initiatedAt: CursorTimestamp, id: t.string });
const notFound = () => left(domainError('not_found', 'order.not_found', 'no such order'));
/** Who sees any order: admins and support. Everyone else only their own (others' are 404: existence is not revealed). */
const seesAll = (principal: Principal) => principal.roles.includes('admin') || principal.roles.includes('support');

/** Orders scanned per page at most when a status filter skips many (a buyer's orders are few). */
const MAX_SCANNED = 2_000;

/** The order queries (P-6): one order, and the caller's own orders newest first. */
export function orderQueryRoutes(deps: OrderQueryDependencies): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/orders/:id',
      summary: 'One order: its lines, total, status and payment transactions (P-6)',
      description: 'The buyer, support or an admin; anyone else gets 404 as for an order that does not exist. `status` is "paid" once a transaction completed, else "pending_payment".',
      tags: ['game-store'],
      auth: { roles: ['user'] },
      params: t.type({ id: t.string }),
      responses: { 200: { description: 'The order', schema: OrderView }, 401: { description: 'No valid access token' }, 403: { description: 'Not a user' }, 404: { description: 'order.not_found' } },
      handle: async ({ params, principal }) => {
        if (!isId(params.id)) return notFound();
        const order = await deps.orders.order(params.id);
        if (!order || (order.buyer_id !== principal.id && !seesAll(principal))) return notFound();
        return right({ status: 200, body: orderView(order, await deps.orderPayments.ofOrder(order.order_id)) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/orders',
      summary: 'The caller’s orders, newest first, cursor-paginated (P-6)',
      description: '`status` (pending_payment, paid) keeps those; `limit` 1–100 (default 20); pass `nextCursor` as `cursor` for the next page.',
      tags: ['game-store'],
      auth: { roles: ['user'] },
      query: t.intersection([pageQuery, t.partial({ status: StatusFilter })]),
      responses: {
        200: { description: 'A page of orders', schema: pageCodec(OrderView) },
        400: { description: 'A malformed status, limit or cursor' },
        401: { description: 'No valid access token' },
        403: { description: 'Not a user' },
      },
      handle: async ({ query, principal }) => {
        const page = readPageRequest(query, ListKey);
        const items: OrderView[] = [];
        let before = page.after;
        let scanned = 0;
        let exhausted = false;
        // the status comes from the payment transactions, not the order table: filter while reading
        while (items.length <= page.limit && !exhausted && scanned < MAX_SCANNED) {
          const chunk = Math.min(100, Math.max(page.limit + 1, 20));
          const rows = await deps.orders.ordersOf(principal.id, { ...(before ? { before } : {}), limit: chunk });
          exhausted = rows.length < chunk;
          scanned += rows.length;
          if (rows.length === 0) break;
          const payments = await deps.orderPayments.ofOrders(rows.map((r) => r.order_id));
          for (const row of rows) {
            const view = orderView(row, payments.get(row.order_id) ?? []);
            if (query.status === undefined || view.status === query.status) items.push(view);
            before = { initiatedAt: new Date(row.initiated_at).toISOString(), id: row.order_id };
            if (items.length > page.limit) break;
          }
        }
        const shown = items.slice(0, page.limit);
        const last = shown[shown.length - 1];
        const more = items.length > page.limit || (!exhausted && scanned >= MAX_SCANNED);
        // when the scan stopped early without filling the page, continue after the last row read
        const cursorKey = items.length > page.limit && last ? { initiatedAt: last.created_at, id: last.order_id } : before;
        return right({ status: 200, body: { items: shown, nextCursor: more && cursorKey ? encodeCursor(ListKey, cursorKey) : null } });
      },
    }),
  ];
}
