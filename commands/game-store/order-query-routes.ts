import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { CursorTimestamp, pageCodec, pageQuery, readPageRequest, encodeCursor } from '../../adapters/http/pagination.js';
import type { Principal } from '../../adapters/http/principal.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';
import { fromMinorUnits } from '../../domain/money.js';
import type { OrderQueries, OrderWithItems } from '../../projections/game-store/order-projection.js';
import type { ProgressRow, PurchaseQueries, RefundRow } from '../../projections/game-store/purchase-projection.js';
import { StepView, stepView } from './purchase-routes.js';
import { isId } from './catalog-codecs.js';
import { InitiatedOrderView, MoneyView, orderLineView } from './order-routes.js';
import type { OrderPayments, OrderPaymentSummary } from './ports/order-payments.js';

export interface OrderQueryDependencies {
  readonly orders: OrderQueries;
  readonly orderPayments: OrderPayments;
  /** The purchase saga's progress and refunds of an order (absent: the order shows none). */
  readonly purchases?: Pick<PurchaseQueries, 'progressOf' | 'refundsOf'>;
}

/**
 * An order's status: the order stream's (`pending_payment`, `completed`, `cancelled`,
 * `partially_refunded`, `refunded`), and `paid` in between — a transaction completed and the
 * purchase saga is completing the order.
 */
export const ORDER_STATUSES = ['pending_payment', 'paid', 'completed', 'cancelled', 'partially_refunded', 'refunded'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
const OrderStatusCodec = t.keyof(Object.fromEntries(ORDER_STATUSES.map((s) => [s, null])) as Record<OrderStatus, null>, 'OrderStatus');

export const TransactionSummaryView = t.type({ transaction_id: t.string, provider: t.string, status: t.string, amount: MoneyView, updated_at: t.string });
/** The initiation's answer, with its buyer, its transactions and the status they give. */
export const OrderView = t.type({
  ...InitiatedOrderView.props,
  status: OrderStatusCodec,
  buyer_id: t.string,
  transactions: t.array(TransactionSummaryView),
});
export type OrderView = t.TypeOf<typeof OrderView>;

/** The order stream's status; "paid" while a completed transaction has not completed the order yet. */
export const orderStatusOf = (recorded: string, transactions: readonly OrderPaymentSummary[]): OrderStatus => {
  if (recorded === 'pending_payment' && transactions.some((tx) => tx.status === 'completed')) return 'paid';
  return (ORDER_STATUSES as readonly string[]).includes(recorded) ? (recorded as OrderStatus) : 'pending_payment';
};

const RefundSummaryView = t.type({ refund_id: t.string, status: t.string, items: t.array(t.string), amount: MoneyView, reason: t.string, requested_at: t.string, confirmed_at: t.union([t.string, t.null]), failure_reason: t.union([t.string, t.null]) });
/**
 * One order with what the purchase saga did for it: `progress` says which steps are done
 * (`steps` lists every one with its time; the flags are the main ones), `refunds` its refunds.
 */
export const OrderDetailView = t.type({
  ...OrderView.props,
  progress: t.type({
    paid: t.boolean,
    in_library: t.boolean,
    confirmation_sent: t.boolean,
    receipt_registered: t.boolean,
    receipt_sent: t.boolean,
    developer_credited: t.boolean,
    recorded: t.boolean,
    steps: t.array(StepView),
  }),
  refunds: t.array(RefundSummaryView),
});
export type OrderDetailView = t.TypeOf<typeof OrderDetailView>;

export function orderDetailView(order: OrderWithItems, transactions: readonly OrderPaymentSummary[], steps: readonly ProgressRow[], refunds: readonly RefundRow[]): OrderDetailView {
  const done = new Set(steps.map((s) => s.step));
  const everyItem = (prefix: string) => order.items.length > 0 && order.items.every((item) => done.has(`${prefix}:${item.product_id}`) || item.refund_status !== null);
  return {
    ...orderView(order, transactions),
    progress: {
      paid: done.has('paid'),
      in_library: everyItem('in_library'),
      confirmation_sent: done.has('confirmation_sent'),
      receipt_registered: done.has('receipt_registered'),
      receipt_sent: done.has('receipt_sent'),
      developer_credited: order.items.length > 0 && order.items.every((item) => done.has(`developer_credited:${item.product_id}`)),
      recorded: done.has('recorded'),
      steps: steps.map(stepView),
    },
    refunds: refunds.map((r) => ({
      refund_id: r.refund_id,
      status: r.status,
      items: (typeof r.product_ids === 'string' ? JSON.parse(r.product_ids) : r.product_ids) as string[],
      amount: { value: fromMinorUnits(BigInt(r.amount_minor)), currency: order.currency },
      reason: r.reason,
      requested_at: new Date(r.requested_at).toISOString(),
      confirmed_at: r.confirmed_at === null ? null : new Date(r.confirmed_at).toISOString(),
      failure_reason: r.failure_reason,
    })),
  };
}

export function orderView(order: OrderWithItems, transactions: readonly OrderPaymentSummary[]): OrderView {
  return {
    order_id: order.order_id,
    status: orderStatusOf(order.status, transactions),
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

const StatusFilter = withJsonSchema(OrderStatusCodec, { type: 'string', enum: [...ORDER_STATUSES] }, { expected: ORDER_STATUSES.join(', ') });
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
      summary: 'One order: its lines, total, status, payment transactions, the purchase saga’s progress and its refunds (P-6)',
      description:
        'The buyer, support or an admin; anyone else gets 404 as for an order that does not exist. `status`: pending_payment, paid (a transaction completed; the order is being completed), completed, cancelled (its payment failed, expired or was cancelled), partially_refunded, refunded. `progress` tells which steps of the purchase are done.',
      tags: ['game-store'],
      auth: { roles: ['user'] },
      params: t.type({ id: t.string }),
      responses: { 200: { description: 'The order', schema: OrderDetailView }, 401: { description: 'No valid access token' }, 403: { description: 'Not a user' }, 404: { description: 'order.not_found' } },
      handle: async ({ params, principal }) => {
        if (!isId(params.id)) return notFound();
        const order = await deps.orders.order(params.id);
        if (!order || (order.buyer_id !== principal.id && !seesAll(principal))) return notFound();
        const [transactions, steps, refunds] = await Promise.all([
          deps.orderPayments.ofOrder(order.order_id),
          deps.purchases?.progressOf(order.order_id) ?? Promise.resolve([]),
          deps.purchases?.refundsOf(order.order_id) ?? Promise.resolve([]),
        ]);
        return right({ status: 200, body: orderDetailView(order, transactions, steps, refunds) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/orders',
      summary: 'The caller’s orders, newest first, cursor-paginated (P-6)',
      description: '`status` (pending_payment, paid, completed, cancelled, partially_refunded, refunded) keeps those; `limit` 1–100 (default 20); pass `nextCursor` as `cursor` for the next page.',
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
