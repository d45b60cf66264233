import { randomUUID } from 'node:crypto';
import { derivedUuid } from '../derived-uuid.js';
import { isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import QRCode from 'qrcode';
import type { SystemDependencies } from '../../adapters/app/context-module.js';
import { closedObject } from '../../adapters/http/closed-object.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { HttpProblem } from '../../adapters/http/problem.js';
import { defineRoute, type Route, type RouteResult } from '../../adapters/http/route.js';
import type { Principal } from '../../adapters/http/principal.js';
import { domainError } from '../../domain/decider.js';
import { gameOrderDecider, streamOfGameOrder } from '../../domain/game-store/game-order.js';
import type { NextStep, PaymentTransactionState } from '../../domain/game-store/payment-transaction.js';
import { fromMinorUnits } from '../../domain/money.js';
import { PAYMENT_TRANSACTIONS_PROJECTION, type PaymentTransactionQueries, type PaymentTransactionRow } from '../../projections/game-store/payment-transaction-projection.js';
import { loadAggregate } from '../load-aggregate.js';
import { decideTransaction, observationOf, stopTransaction, type PaymentTransactionDesk } from './payment-transaction-commands.js';
import { PAYMENT_METHODS, PROVIDER_NAMES, ProviderRefusal, ProviderUnavailable, type PaymentMethod, type ProviderName } from './ports/payment-provider.js';

export interface PaymentRouteDependencies {
  readonly desk: PaymentTransactionDesk;
  readonly system: SystemDependencies;
  readonly queries: PaymentTransactionQueries;
  readonly expiryMinutes: number;
  /** Where providers post notifications: `<base>/webhooks/<provider>`. */
  readonly notificationBaseUrl: string;
}

const oneOf = <const V extends readonly string[]>(name: string, values: V) =>
  withJsonSchema(t.keyof(Object.fromEntries(values.map((v) => [v, null])) as { [K in V[number]]: null }, name), { type: 'string', enum: [...values] }, { expected: `one of ${values.join(', ')}` });

const ReturnUrl = withJsonSchema(
  t.refinement(
    t.string,
    (s) => {
      if (s.length > 2048) return false;
      try {
        const url = new URL(s);
        return url.protocol === 'https:' || url.protocol === 'http:';
      } catch {
        return false;
      }
    },
    'ReturnUrl',
  ),
  { type: 'string', format: 'uri', maxLength: 2048 },
  { expected: 'an absolute http(s) URL of at most 2048 characters' },
);
const OrderId = withJsonSchema(t.refinement(t.string, (s) => /^[A-Za-z0-9_-]{1,64}$/.test(s), 'OrderId'), { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' }, { expected: 'an order id' });

const InitiateBody = closedObject(
  'InitiatePaymentTransaction',
  { order_id: OrderId, provider: oneOf('Provider', PROVIDER_NAMES), success_url: ReturnUrl },
  { payment_method: oneOf('PaymentMethod', PAYMENT_METHODS), fail_url: ReturnUrl, flow: oneOf('PaymentFlow', ['redirect', 'widget'] as const) },
);

const Money = t.type({ value: t.string, currency: t.string });
const TransactionView = t.intersection([
  t.type({
    transaction_id: t.string,
    order_id: t.string,
    provider: t.string,
    payment_method: t.string,
    status: t.string,
    amount: Money,
    expires_at: t.string,
  }),
  t.partial({
    provider_payment_id: t.string,
    provider_status: t.string,
    redirect_url: t.string,
    qr: t.type({ payload: t.string, image_url: t.string }),
    sdk: t.record(t.string, t.string),
    failure_reason: t.string,
    late_payments: t.number,
    created_at: t.string,
    updated_at: t.string,
    history: t.array(t.type({ event: t.string, status: t.union([t.string, t.null]), provider_status: t.union([t.string, t.null]), reason: t.union([t.string, t.null]), source: t.union([t.string, t.null]), at: t.string })),
  }),
]);

const IdParams = t.type({ id: withJsonSchema(t.refinement(t.string, (s) => /^[0-9a-f-]{36}$/.test(s), 'TransactionId'), { type: 'string', format: 'uuid' }, { expected: 'a transaction id (UUID)' }) });

/** SBP minimums (DOMAIN-FACTS B 2.1, part A): T-Bank 10 ₽, YooKassa 1 ₽; a card 1 ₽ at both. */
const minimumMinor = (provider: ProviderName, method: PaymentMethod): bigint => (provider === 'tbank' && method === 'sbp' ? 1000n : 100n);

/** The same Idempotency-Key from the same buyer for the same order is the same transaction: a retry after a crash resumes it. */
function transactionIdFor(buyerId: string, orderId: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID();
  return derivedUuid('payment-transaction', buyerId, orderId, idempotencyKey);
}

const isStaff = (principal: Principal) => principal.roles.includes('admin') || principal.roles.includes('support');

const qrImageUrl = (transactionId: string) => `/api/v1/payments/transactions/${transactionId}/qr.svg`;

function nextFields(next: NextStep | undefined, transactionId: string): Record<string, unknown> {
  if (!next) return {};
  switch (next.kind) {
    case 'redirect':
      return { redirect_url: next.url };
    case 'qr':
      return { qr: { payload: next.payload, image_url: qrImageUrl(transactionId) } };
    case 'sdk':
      return { sdk: next.data };
  }
}

const FINAL = ['completed', 'failed', 'cancelled', 'refunded'];

function viewOfState(state: Exclude<PaymentTransactionState, { status: 'none' }>) {
  return {
    transaction_id: state.transactionId,
    order_id: state.orderId,
    provider: state.provider,
    payment_method: state.method,
    status: state.status,
    amount: { value: fromMinorUnits(BigInt(state.amountMinor)), currency: state.currency },
    expires_at: state.expiresAt,
    ...(state.providerPaymentId ? { provider_payment_id: state.providerPaymentId } : {}),
    ...(state.lastProviderStatus ? { provider_status: state.lastProviderStatus } : {}),
    ...(FINAL.includes(state.status) ? {} : nextFields(state.next, state.transactionId)),
  };
}

function viewOfRow(row: PaymentTransactionRow) {
  return {
    transaction_id: row.transaction_id,
    order_id: row.order_id,
    provider: row.provider,
    payment_method: row.method,
    status: row.status,
    amount: { value: fromMinorUnits(BigInt(row.amount_minor)), currency: row.currency },
    expires_at: row.expires_at.toISOString(),
    ...(row.provider_payment_id ? { provider_payment_id: row.provider_payment_id } : {}),
    ...(row.provider_status ? { provider_status: row.provider_status } : {}),
    ...(FINAL.includes(row.status) ? {} : nextFields((row.next_step as NextStep | null) ?? undefined, row.transaction_id)),
    ...(row.failure_reason ? { failure_reason: row.failure_reason } : {}),
    late_payments: row.late_payments,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const notFound = () => domainError('not_found', 'payment.transaction_not_found', 'no such payment transaction');

/** P-3: start paying an order at a provider; the buyer's view of a transaction; the buyer's cancel; the SBP QR image. */
export function paymentRoutes(deps: PaymentRouteDependencies): Route[] {
  const { desk, queries, system } = deps;

  const visibleRow = async (id: string, principal: Principal) => {
    const row = await queries.byId(id);
    return row && (row.buyer_id === principal.id || isStaff(principal)) ? row : undefined;
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/payments/transactions/initiate',
      summary: 'Start paying an order at a payment provider (P-3)',
      description:
        'Records the transaction, then creates the payment at the provider (YooKassa or T-Bank; on the embedded default their local sandboxes) and answers what the client needs next: `redirect_url` (the hosted payment page), `qr` (an SBP payload and an image of it), or `sdk` data. The amount is the order\'s, never the client\'s. Send an `Idempotency-Key`: a retry after a timeout or a 503 resumes the same transaction and never makes a second payment. One live transaction per order: another is refused with 409 until it ends (or the buyer cancels it).',
      tags: ['game-store'],
      auth: { roles: ['user'] },
      body: InitiateBody,
      responses: {
        201: { description: 'The transaction, processing, with the next step', schema: TransactionView },
        404: { description: 'No such order of the caller' },
        409: { description: 'The order is paid already, cancelled (its payment failed, expired or was cancelled), or has another live transaction' },
        422: { description: 'The provider does not offer that method, or the amount is below its minimum, or the currency is not RUB' },
        502: { description: 'The provider refused the payment (the transaction failed; a new attempt needs a new Idempotency-Key)' },
        503: { description: 'The provider could not be reached or answered "unknown": retry with the same Idempotency-Key' },
      },
      handle: async ({ body, principal, idempotencyKey, correlationId, log }) => {
        const provider = desk.providers.get(body.provider);
        if (!provider) return left(domainError('rule_violated', 'payment.provider_unavailable', `provider ${body.provider} is not configured`, 'provider'));
        const order = (await loadAggregate(system.store, gameOrderDecider, streamOfGameOrder(body.order_id))).state;
        if (order.status === 'none' || order.buyerId !== principal.id) return left(domainError('not_found', 'order.not_found', `no order ${body.order_id} of yours`, 'order_id'));
        if (order.status === 'completed') return left(domainError('conflict', 'order.already_paid', `order ${body.order_id} is paid`, 'order_id'));
        if (order.status === 'cancelled') return left(domainError('conflict', 'order.cancelled', `order ${body.order_id} is cancelled (${order.cancelReason}): place a new order`, 'order_id'));
        const method = body.payment_method ?? (order.paymentMethod as PaymentMethod);
        if (!provider.methods.includes(method)) {
          return left(domainError('rule_violated', 'payment.method_unsupported', `${body.provider} does not offer ${method} (it offers ${provider.methods.join(', ')})`, 'payment_method'));
        }
        const widget = body.flow === 'widget';
        if (widget && (!provider.widget || method !== 'bank_card')) {
          return left(domainError('rule_violated', 'payment.widget_unsupported', `the widget flow is for bank cards at a provider that has one (YooKassa)`, 'flow'));
        }
        if (order.currency !== 'RUB') return left(domainError('rule_violated', 'payment.currency_unsupported', `${body.provider} takes RUB; the order is in ${order.currency}`, 'order_id'));
        const amountMinor = BigInt(order.totalMinor);
        if (amountMinor < minimumMinor(body.provider, method)) {
          return left(domainError('rule_violated', 'payment.amount_below_minimum', `${body.provider} takes ${method} payments from ${fromMinorUnits(minimumMinor(body.provider, method))} RUB`, 'order_id'));
        }
        const transactionId = transactionIdFor(principal.id, body.order_id, idempotencyKey);
        const others = await queries.ofOrders([body.order_id]);
        const paid = others.find((row) => row.status === 'completed' || row.status === 'refunded');
        if (paid) return left(domainError('conflict', 'order.already_paid', `order ${body.order_id} is paid (transaction ${paid.transaction_id})`, 'order_id'));
        const live = others.find((row) => row.transaction_id !== transactionId && (row.status === 'created' || row.status === 'processing'));
        if (live) return left(domainError('conflict', 'payment.in_progress', `order ${body.order_id} has a live transaction ${live.transaction_id}: pay or cancel it first`, 'order_id'));

        const now = desk.clock.now();
        const context = { correlationId, actor: principal.id };
        const initiated = await decideTransaction(
          desk,
          transactionId,
          {
            type: 'InitiateTransaction',
            transaction: {
              transactionId,
              orderId: order.orderId,
              buyerId: principal.id,
              provider: body.provider,
              method,
              amountMinor: order.totalMinor,
              currency: 'RUB',
              productIds: order.items.map((item) => item.productId),
              successUrl: body.success_url,
              failUrl: body.fail_url ?? body.success_url,
              expiresAt: new Date(now.getTime() + deps.expiryMinutes * 60_000).toISOString(),
              initiatedAt: now.toISOString(),
              by: principal.id,
            },
          },
          context,
        );
        if (isLeft(initiated)) return initiated;
        let state = initiated.right.state;
        if (state.status === 'none') throw new Error('unreachable: an initiated transaction');
        let position = initiated.right.position;
        if (state.status === 'created') {
          try {
            const created = await provider.createPayment({
              transactionId,
              orderId: state.orderId,
              amountMinor,
              currency: 'RUB',
              description: `Order ${state.orderId}`.slice(0, 128),
              method,
              successUrl: state.successUrl,
              failUrl: state.failUrl,
              notificationUrl: `${deps.notificationBaseUrl}/webhooks/${body.provider}`,
              expiresAt: new Date(state.expiresAt),
              receipt: {
                lines: order.items.map((item) => ({
                  name: item.title,
                  quantity: item.quantity,
                  unitPriceMinor: BigInt(item.unitPriceMinor),
                  lineTotalMinor: BigInt(item.lineTotalMinor),
                  vat: item.vat as never,
                  paymentSubject: item.paymentSubject as never,
                })),
              },
              // the intent was on record before this request: an earlier attempt may have reached the provider
              resume: initiated.right.events.length === 0,
              widget,
            });
            const recorded = await decideTransaction(desk, transactionId, { type: 'RecordProviderPayment', payment: observationOf(created.state), next: created.next, at: desk.clock.now().toISOString() }, context);
            if (isLeft(recorded)) return recorded;
            state = recorded.right.state;
            position = recorded.right.position ?? position;
          } catch (error) {
            if (error instanceof ProviderRefusal) {
              log.warn({ provider: body.provider, code: error.code, transactionId }, 'the provider refused a payment');
              await decideTransaction(desk, transactionId, { type: 'RecordProviderRefusal', code: error.code, message: error.message.slice(0, 500), at: desk.clock.now().toISOString() }, context);
              throw new HttpProblem(502, 'payment.provider_refused', `${body.provider} refused the payment (${error.code}): ${error.message}`.slice(0, 500));
            }
            if (error instanceof ProviderUnavailable) {
              log.warn({ provider: body.provider, transactionId, err: error.message }, 'the provider could not be reached; the transaction waits for a retry');
              throw new HttpProblem(503, 'payment.provider_unavailable', `${body.provider} could not be reached or did not answer definitely: retry with the same Idempotency-Key`, { headers: { 'Retry-After': '5' } });
            }
            throw error;
          }
        }
        if (state.status === 'none') throw new Error('unreachable');
        if (position) await system.waitForProjection(PAYMENT_TRANSACTIONS_PROJECTION, position, 3_000);
        return right({ status: 201, body: viewOfState(state), headers: { Location: `/api/v1/payments/transactions/${transactionId}` } } satisfies RouteResult);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/payments/transactions/:id',
      summary: 'A payment transaction: its status, the next step while it is live, and its history (P-6)',
      tags: ['game-store'],
      auth: { roles: ['user'] },
      params: IdParams,
      responses: { 200: { description: 'The transaction', schema: TransactionView }, 404: { description: 'No such transaction of the caller' } },
      handle: async ({ params, principal }) => {
        const row = await visibleRow(params.id, principal);
        if (!row) return left(notFound());
        const history = await queries.history(params.id);
        return right({
          status: 200,
          body: {
            ...viewOfRow(row),
            history: history.map((h) => ({ event: h.event_type, status: h.status, provider_status: h.provider_status, reason: h.reason, source: h.source, at: h.at.toISOString() })),
          },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/payments/transactions/:id/qr.svg',
      summary: 'The SBP QR code of a live transaction, as an SVG image the client can show',
      tags: ['game-store'],
      auth: { roles: ['user'] },
      params: IdParams,
      responses: { 200: { description: 'The QR code', contentType: 'image/svg+xml', schema: t.string }, 404: { description: 'No such live SBP transaction of the caller' } },
      handle: async ({ params, principal }) => {
        const row = await visibleRow(params.id, principal);
        const next = row?.next_step as NextStep | null | undefined;
        if (!row || FINAL.includes(row.status) || next?.kind !== 'qr') return left(domainError('not_found', 'payment.qr_not_found', 'no live SBP QR for this transaction'));
        const svg = await QRCode.toString(next.payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
        return right({ status: 200, body: svg, headers: { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'no-store' } });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/payments/transactions/:id/cancel',
      summary: 'The buyer gives up a live transaction: it is cancelled at the provider where the provider allows it, and ends cancelled',
      description:
        'A payment the provider reports paid meanwhile completes instead (200 with status completed). YooKassa cannot cancel a payment still waiting for the buyer: it expires there; a success it reports later is recorded as a late payment (to refund).',
      tags: ['game-store'],
      auth: { roles: ['user'] },
      params: IdParams,
      responses: {
        200: { description: 'The transaction after the cancel', schema: TransactionView },
        404: { description: 'No such transaction of the caller' },
        409: { description: 'It is final already (completed, failed, refunded)' },
        503: { description: 'The provider could not be reached: try again' },
      },
      handle: async ({ params, principal, correlationId }) => {
        const row = await queries.byId(params.id);
        if (!row || row.buyer_id !== principal.id) return left(notFound());
        try {
          const outcome = await stopTransaction(desk, params.id, { kind: 'buyer', by: principal.id }, correlationId);
          if (isLeft(outcome)) return outcome;
          const state = outcome.right;
          if (state.status === 'none') return left(notFound());
          return right({ status: 200, body: viewOfState(state) });
        } catch (error) {
          if (error instanceof ProviderUnavailable) throw new HttpProblem(503, 'payment.provider_unavailable', `${row.provider} could not be reached: try again`);
          if (error instanceof ProviderRefusal) throw new HttpProblem(502, 'payment.provider_refused', `${row.provider} refused the cancel (${error.code})`);
          throw error;
        }
      },
    }),
  ];
}
