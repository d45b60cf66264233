import { randomUUID } from 'node:crypto';
import { derivedUuid } from '../derived-uuid.js';
import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import { invalidInput } from '../../adapters/http/problem.js';
import { defineRoute, type Route, type RouteResult } from '../../adapters/http/route.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { gameOrderDecider, streamOfGameOrder, type OrderInitiated, type OrderLine } from '../../domain/game-store/game-order.js';
import { productDecider, streamOfProduct } from '../../domain/game-store/product.js';
import { fromMinorUnits } from '../../domain/money.js';
import type { Clock } from '../../platform/clock.js';
import { handleCommand } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';
import { closedObject, IntegerIn, isId, PaymentMethod, ProductIdField, Region } from './catalog-codecs.js';
import type { GameOwnership } from './ports/game-ownership.js';

export interface OrderRouteDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly ownership: GameOwnership;
  /** Read-your-writes: resolves once the orders read model has applied `position` (bounded). */
  readonly ordersReached: (position: Position) => Promise<unknown>;
}

/** Lines of one order at most. */
export const MAX_ORDER_LINES = 20;
/** The largest quantity the codec takes; anything above 1 is then refused (a buyer owns a game once). */
const MAX_QUANTITY = 10;

const OrderItem = closedObject('OrderItem', { product_id: ProductIdField, quantity: IntegerIn('Quantity', 1, MAX_QUANTITY) }, {});
export const InitiateOrderBody = closedObject('InitiateOrder', { items: t.array(OrderItem), region: Region, payment_method: PaymentMethod }, {});

export const MoneyView = t.type({ value: t.string, currency: t.string });
export const OrderItemView = t.type({ product_id: t.string, title: t.string, quantity: t.number, unit_price: t.string, line_total: t.string });
export const InitiatedOrderView = t.type({
  order_id: t.string,
  status: t.literal('pending_payment'),
  region: t.string,
  currency: t.string,
  items: t.array(OrderItemView),
  total: MoneyView,
  payment_method: t.string,
  created_at: t.string,
});

/** One line of an order as every order answer shows it (amounts in major units). */
export const orderLineView = (line: { productId: string; title: string; quantity: number; unitPriceMinor: string; lineTotalMinor: string }) => ({
  product_id: line.productId,
  title: line.title,
  quantity: line.quantity,
  unit_price: fromMinorUnits(BigInt(line.unitPriceMinor)),
  line_total: fromMinorUnits(BigInt(line.lineTotalMinor)),
});

/** The order's answer from its `OrderInitiated` (the same shape the queries give, without transactions). */
export function initiatedOrderView(order: OrderInitiated['data']): t.TypeOf<typeof InitiatedOrderView> {
  return {
    order_id: order.orderId,
    status: 'pending_payment',
    region: order.region,
    currency: order.currency,
    items: order.items.map(orderLineView),
    total: { value: fromMinorUnits(BigInt(order.totalMinor)), currency: order.currency },
    payment_method: order.paymentMethod,
    created_at: order.initiatedAt,
  };
}

/**
 * The order id of a request: with an Idempotency-Key, derived from the buyer and the key (UUID
 * form), so a retry whose stored answer is gone (pruned, or a claim taken over) still lands on
 * the same order stream and is recognised there; without one, a fresh id.
 */
export function orderIdOf(buyerId: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID();
  return derivedUuid('game-order', buyerId, idempotencyKey);
}

const refusal = (kind: DomainError['kind'], code: string, message: string, field: string): Either<DomainError, never> => left(domainError(kind, code, message, field));

/**
 * `POST /api/v1/orders/initiate` (P-2): the items are priced from each product's stream at this
 * moment (never from the client, never from a read model that may lag), in the region asked;
 * the order stream records `OrderInitiated` with every line a receipt needs.
 */
export function orderCommandRoutes(deps: OrderRouteDependencies): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/orders/initiate',
      summary: 'Order games: priced from the catalog now, pending payment (P-2)',
      description:
        `Any signed-in user buys for themselves. \`items\`: 1 to ${MAX_ORDER_LINES} lines of {product_id, quantity}, each product once, quantity 1 (a buyer owns a game once; gifts are not sold). \`region\` (ISO 3166-1 alpha-2) chooses the prices; every line must be priced there in one currency. \`payment_method\` is the buyer’s preference (bank_card, sbp, sberpay, tpay). Prices, titles and totals come from the catalog at this moment; any other field (a price) is refused. Honours Idempotency-Key: a retry gives the same order.`,
      tags: ['game-store'],
      auth: { roles: ['user'] },
      body: InitiateOrderBody,
      responses: {
        201: { description: 'The order, pending payment', schema: InitiatedOrderView },
        400: { description: 'A field missing, malformed or not a field of this operation (unit_price, total …); no items or more than 20; a product twice; quantity not a whole number from 1 to 10' },
        401: { description: 'No valid access token' },
        403: { description: 'Not a user (a service principal)' },
        404: { description: 'catalog.product_not_found: items.N.product_id names no product' },
        409: { description: 'order.product_owned: the buyer already owns items.N.product_id; idempotency.in_flight' },
        422: {
          description:
            'order.product_withdrawn: items.N.product_id is withdrawn; order.product_not_priced: not sold in that region; order.mixed_currencies: the lines are priced in different currencies; order.quantity_not_one: quantity above 1',
        },
      },
      handle: async ({ body, principal, correlationId, idempotencyKey }) => {
        if (body.items.length === 0 || body.items.length > MAX_ORDER_LINES) throw invalidInput([{ field: 'items', in: 'body', message: `must hold 1 to ${MAX_ORDER_LINES} lines` }]);
        const firstLine = new Map<string, number>();
        for (const [index, item] of body.items.entries()) {
          const earlier = firstLine.get(item.product_id);
          if (earlier !== undefined) throw invalidInput([{ field: `items.${index}.product_id`, in: 'body', message: `is already ordered in items.${earlier}: one line per product` }]);
          firstLine.set(item.product_id, index);
        }
        const lines: OrderLine[] = [];
        let currency: string | undefined;
        for (const [index, item] of body.items.entries()) {
          const field = `items.${index}.product_id`;
          if (!isId(item.product_id)) return refusal('not_found', 'catalog.product_not_found', `no product ${item.product_id}`, field);
          const product = (await loadAggregate(deps.store, productDecider, streamOfProduct(item.product_id))).state;
          if (product.status === 'none') return refusal('not_found', 'catalog.product_not_found', `no product ${item.product_id}`, field);
          if (product.status === 'withdrawn') return refusal('rule_violated', 'order.product_withdrawn', `${product.title} (${item.product_id}) is withdrawn from sale`, field);
          const price = product.prices[body.region];
          if (!price) return refusal('rule_violated', 'order.product_not_priced', `${product.title} (${item.product_id}) is not sold in region ${body.region}`, field);
          if (currency !== undefined && price.currency !== currency) {
            return refusal('rule_violated', 'order.mixed_currencies', `${product.title} (${item.product_id}) is priced in ${price.currency}, the order's earlier lines in ${currency}: one currency per order`, field);
          }
          if (item.quantity !== 1) return refusal('rule_violated', 'order.quantity_not_one', 'a buyer owns a game once: the quantity is 1 (gifts are not sold yet)', `items.${index}.quantity`);
          currency = price.currency;
          const unit = BigInt(price.amountMinor);
          lines.push({
            productId: product.productId,
            title: product.title,
            developerId: product.developerId,
            quantity: item.quantity,
            unitPriceMinor: unit.toString(),
            lineTotalMinor: (unit * BigInt(item.quantity)).toString(),
            vat: product.vat,
            paymentSubject: product.paymentSubject,
          });
        }
        const owned = new Set(await deps.ownership.ownedAmong(principal.id, lines.map((l) => l.productId)));
        const ownedIndex = body.items.findIndex((item) => owned.has(item.product_id));
        if (ownedIndex >= 0) {
          const line = lines[ownedIndex]!;
          return refusal('conflict', 'order.product_owned', `you already own ${line.title} (${line.productId})`, `items.${ownedIndex}.product_id`);
        }
        const now = deps.clock.now();
        const orderId = orderIdOf(principal.id, idempotencyKey);
        const order: OrderInitiated['data'] = {
          orderId,
          buyerId: principal.id,
          region: body.region,
          currency: currency!,
          items: lines,
          by: principal.id,
          totalMinor: lines.reduce((sum, line) => sum + BigInt(line.lineTotalMinor), 0n).toString(),
          paymentMethod: body.payment_method,
          initiatedAt: now.toISOString(),
        };
        const outcome = await handleCommand(
          deps.store,
          gameOrderDecider,
          streamOfGameOrder(orderId),
          { type: 'InitiateOrder', order },
          { correlationId, actor: `user:${principal.id}`, now, ...(idempotencyKey !== undefined ? { commandId: `game-order:${orderId}` } : {}) },
        );
        if (outcome._tag === 'Left') return outcome;
        const state = outcome.right.state;
        if (state.status === 'none') return left(domainError('conflict', 'order.exists', 'the order could not be recorded'));
        if (outcome.right.position) await deps.ordersReached(outcome.right.position);
        const result: RouteResult = { status: 201, body: initiatedOrderView(state), headers: { Location: `/api/v1/orders/${orderId}` } };
        return right(result);
      },
    }),
  ];
}
