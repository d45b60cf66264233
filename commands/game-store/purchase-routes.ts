import { randomUUID } from 'node:crypto';
import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Database } from '../../adapters/database/database.js';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { retryDeadLetter } from '../../sagas/outbox.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { HttpProblem } from '../../adapters/http/problem.js';
import type { Principal } from '../../adapters/http/principal.js';
import { TokenBucketLimiter } from '../../adapters/http/rate-limiter.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';
import { fiscalReceiptOfStream } from '../../domain/game-store/fiscal-receipt.js';
import { gameOrderDecider, streamOfGameOrder } from '../../domain/game-store/game-order.js';
import { fromMinorUnits } from '../../domain/money.js';
import type { Clock } from '../../platform/clock.js';
import type { FiscalReceiptRow, ProgressRow, PurchaseQueries } from '../../projections/game-store/purchase-projection.js';
import { handleCommand } from '../command-handler.js';
import { isId } from './catalog-codecs.js';
import { MoneyView } from './order-routes.js';
import { CashRegisterUnavailable, type CashRegister } from './ports/cash-register.js';
import { recordReport } from './receipt-effects.js';

export interface PurchaseRouteDependencies {
  readonly store: EventStore;
  /** The outbox's dead letters (a failed receipt's effect is one). */
  readonly database: Database;
  readonly clock: Clock;
  readonly purchases: PurchaseQueries;
  readonly register: CashRegister;
  /** Whose order it is (the read model of orders), for the buyer's own queries. */
  buyerOf(orderId: string): Promise<string | undefined>;
  /** Ends every live event feed when the process stops. */
  readonly shutdown: AbortSignal;
  /** How often a live feed looks for new steps (ms). */
  readonly feedPollMs?: number;
}

const seesAll = (principal: Principal) => principal.roles.includes('admin') || principal.roles.includes('support');
const notFound = () => left(domainError('not_found', 'order.not_found', 'no such order'));

const Reason = withJsonSchema(t.refinement(t.string, (s) => s.trim().length >= 1 && s.length <= 500, 'RefundReason'), { type: 'string', minLength: 1, maxLength: 500 }, { expected: 'a reason of 1 to 500 characters' });
const ProductIdText = withJsonSchema(t.refinement(t.string, isId, 'ProductId'), { type: 'string', format: 'uuid' }, { expected: 'a product id' });
const RefundBody = t.intersection([
  t.type({ reason: Reason }),
  t.partial({ items: withJsonSchema(t.refinement(t.array(ProductIdText), (a) => a.length >= 1 && a.length <= 100, 'RefundItems'), { type: 'array', items: { type: 'string', format: 'uuid' }, minItems: 1, maxItems: 100 }, { expected: '1 to 100 product ids of the order' }) }),
]);

const ReceiptStatus = withJsonSchema(
  t.keyof({ requested: null, submitted: null, fiscalized_success: null, fiscalized_failed: null }, 'ReceiptStatus'),
  { type: 'string', enum: ['requested', 'submitted', 'fiscalized_success', 'fiscalized_failed'] },
  { expected: 'requested, submitted, fiscalized_success or fiscalized_failed' },
);
const RefundView = t.type({ refund_id: t.string, order_id: t.string, status: t.string, items: t.array(t.string), amount: MoneyView, reason: t.string });

export const ReceiptView = t.type({
  receipt_id: t.string,
  order_id: t.string,
  refund_id: t.union([t.string, t.null]),
  operation: t.string,
  status: t.string,
  total: MoneyView,
  lines: t.array(t.type({ product_id: t.string, name: t.string, quantity: t.number, price: t.string, sum: t.string, vat: t.string, payment_object: t.string, payment_method: t.string })),
  company: t.type({ inn: t.string, tax_system: t.string, payment_address: t.string }),
  attempts: t.number,
  fiscal: t.union([
    t.type({
      fiscal_document_number: t.string,
      fiscal_sign: t.string,
      fiscal_drive_number: t.string,
      register_number: t.string,
      receipt_number: t.string,
      shift_number: t.string,
      registered_at: t.string,
      ofd_receipt_url: t.union([t.string, t.null]),
    }),
    t.null,
  ]),
  last_error: t.union([t.string, t.null]),
  requested_at: t.string,
});
type ReceiptView = t.TypeOf<typeof ReceiptView>;

export function receiptView(row: FiscalReceiptRow): ReceiptView {
  const lines = (typeof row.lines === 'string' ? JSON.parse(row.lines) : row.lines) as { productId: string; name: string; quantity: number; unitPriceMinor: string; sumMinor: string; vat: string; paymentObject: string; paymentMethod: string }[];
  const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
  return {
    receipt_id: row.receipt_id,
    order_id: row.order_id,
    refund_id: row.refund_id,
    operation: row.operation,
    status: row.status,
    total: { value: fromMinorUnits(BigInt(row.total_minor)), currency: row.currency },
    lines: lines.map((l) => ({ product_id: l.productId, name: l.name, quantity: l.quantity, price: fromMinorUnits(BigInt(l.unitPriceMinor)), sum: fromMinorUnits(BigInt(l.sumMinor)), vat: l.vat, payment_object: l.paymentObject, payment_method: l.paymentMethod })),
    company: { inn: row.company_inn, tax_system: row.tax_system, payment_address: row.payment_address },
    attempts: row.attempt,
    fiscal:
      row.status === 'fiscalized_success' && row.fiscal_document_number !== null
        ? {
            fiscal_document_number: row.fiscal_document_number,
            fiscal_sign: row.fiscal_sign ?? '',
            fiscal_drive_number: row.fiscal_drive_number ?? '',
            register_number: row.register_number ?? '',
            receipt_number: row.receipt_number ?? '',
            shift_number: row.shift_number ?? '',
            registered_at: iso(row.registered_at) ?? '',
            ofd_receipt_url: row.ofd_receipt_url,
          }
        : null,
    last_error: row.last_error,
    requested_at: iso(row.requested_at)!,
  };
}

export const StepView = t.type({ step: t.string, done_at: t.string });
export const stepView = (row: ProgressRow) => ({ step: row.step, done_at: new Date(row.done_at).toISOString() });
const StepFrame = t.type({ seq: t.string, step: t.string, done_at: t.string, detail: t.UnknownRecord });

/**
 * The purchase's own routes (P-5, P-6, issue 13): support and admins refund an order (whole or
 * by item); the buyer reads the order's fiscal receipts and follows the order live as
 * Server-Sent Events; the cloud register posts its reports to `/webhooks/cash-register`.
 */
export function purchaseRoutes(deps: PurchaseRouteDependencies): Route[] {
  const pollMs = deps.feedPollMs ?? 250;
  const callbackLimiter = new TokenBucketLimiter({ capacity: 400, refillPerSecond: 200 });
  const visibleTo = async (orderId: string, principal: Principal) => {
    if (!isId(orderId)) return false;
    const buyer = await deps.buyerOf(orderId);
    return buyer !== undefined && (buyer === principal.id || seesAll(principal));
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/orders/:id/refund',
      summary: 'Refund a paid order, whole or by item (P-5; support or admin)',
      description:
        'Records the refund on the order (never more than was paid, never an item twice), then the purchase saga has the provider pay it back (YooKassa refund, T-Bank Cancel with the amount) and, once the provider confirms: the games leave the buyer’s library, the developers are debited, a refund receipt (sell_refund) is registered and the buyer is told. `items` (product ids) refunds those; without it every item not refunded yet. Send an `Idempotency-Key` to repeat a request safely. Follow it in `GET /api/v1/orders/{id}` (`refunds`, `progress`).',
      tags: ['game-store'],
      auth: { roles: ['support', 'admin'] },
      params: t.type({ id: t.string }),
      body: RefundBody,
      responses: {
        202: { description: 'The refund is requested', schema: RefundView },
        400: { description: 'A malformed reason or item list' },
        401: { description: 'No valid access token' },
        403: { description: 'Not support or an admin' },
        404: { description: 'order.not_found' },
        409: { description: 'order.not_paid (pending or cancelled), refund.item_refunded, refund.nothing_left' },
        422: { description: 'refund.item_not_in_order, refund.duplicate_item, refund.exceeds_payment' },
      },
      handle: async ({ params, body, principal, correlationId }) => {
        if (!isId(params.id)) return notFound();
        const refundId = randomUUID();
        const outcome = await handleCommand(
          deps.store,
          gameOrderDecider,
          streamOfGameOrder(params.id),
          { type: 'RequestRefund', refundId, productIds: body.items ?? [], reason: body.reason.trim(), by: principal.id, at: deps.clock.now().toISOString() },
          { now: deps.clock.now(), correlationId, actor: principal.id },
        );
        if (outcome._tag === 'Left') return outcome.left.code === 'order.not_found' ? notFound() : left(outcome.left);
        const state = outcome.right.state;
        if (state.status === 'none') return notFound();
        const refund = state.refunds.find((r) => r.refundId === refundId)!;
        return right({
          status: 202,
          body: { refund_id: refundId, order_id: params.id, status: refund.status, items: [...refund.productIds], amount: { value: fromMinorUnits(BigInt(refund.amountMinor)), currency: state.currency }, reason: refund.reason },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/orders/:id/receipts',
      summary: 'The fiscal receipts of an order (54-FZ): the sale’s and each refund’s, with their fiscal attributes (P-6)',
      description: 'The buyer, support or an admin (anyone else: 404). `status` requested, submitted, fiscalized_success or fiscalized_failed; `fiscal` (ФД, ФП, ФН, register number, time) once the register fiscalized it.',
      tags: ['game-store'],
      auth: { roles: ['user'] },
      params: t.type({ id: t.string }),
      responses: {
        200: { description: 'The receipts, oldest first', schema: t.type({ items: t.array(ReceiptView) }) },
        401: { description: 'No valid access token' },
        403: { description: 'Not a user' },
        404: { description: 'order.not_found' },
      },
      handle: async ({ params, principal }) => {
        if (!(await visibleTo(params.id, principal))) return notFound();
        return right({ status: 200, body: { items: (await deps.purchases.receiptsOf(params.id)).map(receiptView) } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/fiscal-receipts',
      summary: 'Fiscal receipts by status, for support (e.g. the ones the register refused: fiscalized_failed)',
      description: 'Support or admins. `status` requested, submitted, fiscalized_success or fiscalized_failed (default fiscalized_failed); newest first, at most 100. A failed one is retried with `POST /api/v1/fiscal-receipts/{id}/retry`.',
      tags: ['game-store'],
      auth: { roles: ['support', 'admin'] },
      query: t.partial({ status: ReceiptStatus }),
      responses: {
        200: { description: 'The receipts', schema: t.type({ items: t.array(ReceiptView) }) },
        400: { description: 'A malformed status' },
        401: { description: 'No valid access token' },
        403: { description: 'Not support or an admin' },
      },
      handle: async ({ query }) => right({ status: 200, body: { items: (await deps.purchases.receiptsWithStatus(query.status ?? 'fiscalized_failed')).map(receiptView) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/fiscal-receipts/:id/retry',
      summary: 'Try a failed fiscal receipt again (support)',
      description: 'A receipt the register refused for good (`fiscalized_failed`) — its effect is a dead letter — is submitted again as a new attempt (a new external_id), once the cause is fixed (the buyer’s e-mail, the shop’s settings at the register…).',
      tags: ['game-store'],
      auth: { roles: ['support', 'admin'] },
      params: t.type({ id: t.string }),
      responses: {
        202: { description: 'Queued again', schema: t.type({ receipt_id: t.string, status: t.string }) },
        401: { description: 'No valid access token' },
        403: { description: 'Not support or an admin' },
        404: { description: 'receipt.not_found' },
        409: { description: 'receipt.not_failed: it is not fiscalized_failed (or still being retried)' },
      },
      handle: async ({ params }) => {
        if (!isId(params.id)) return left(domainError('not_found', 'receipt.not_found', 'no such receipt'));
        const row = await deps.purchases.receipt(params.id);
        if (!row) return left(domainError('not_found', 'receipt.not_found', 'no such receipt'));
        if (row.status !== 'fiscalized_failed') return left(domainError('conflict', 'receipt.not_failed', `receipt ${params.id} is ${row.status}`));
        const queued = await retryDeadLetter(deps.database.db, `purchase-receipt:${params.id}`, deps.clock.now());
        if (!queued) return left(domainError('conflict', 'receipt.not_failed', `receipt ${params.id} is being retried already`));
        return right({ status: 202, body: { receipt_id: params.id, status: 'requested' } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/orders/:id/events',
      summary: 'The order’s progress live, as Server-Sent Events (paid → in your library → receipt sent …)',
      description:
        'One `step` event per step the purchase saga completed (`paid`, `in_library:<product>`, `confirmation_sent`, `receipt_registered`, `receipt_sent`, `developer_credited:<product>`, `recorded`, `cancelled`, `refund_requested:<refund>` …), the steps done so far first, then live ones; `id` is the step’s sequence number, so a reconnecting EventSource (`Last-Event-ID`) continues where it stopped. Heartbeat comments keep idle connections open. The buyer, support or an admin.',
      tags: ['game-store'],
      auth: { roles: ['user'] },
      params: t.type({ id: t.string }),
      responses: {
        200: { description: 'The event stream', contentType: 'text/event-stream', schema: t.string, alternatives: { 'text/event-stream': StepFrame } },
        400: { description: 'A malformed Last-Event-ID' },
        401: { description: 'No valid access token' },
        403: { description: 'Not a user' },
        404: { description: 'order.not_found' },
      },
      handle: async ({ params, principal, headers }) => {
        if (!(await visibleTo(params.id, principal))) return notFound();
        const lastEventId = headers['last-event-id'];
        let after = 0n;
        if (typeof lastEventId === 'string' && lastEventId.trim() !== '') {
          if (!/^\d{1,18}$/.test(lastEventId.trim())) throw new HttpProblem(400, 'invalid_input', 'Last-Event-ID is not a step sequence number of this feed', { field: 'Last-Event-ID' });
          after = BigInt(lastEventId.trim());
        }
        return {
          status: 200,
          headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' },
          stream: async (sink) => {
            const signal = AbortSignal.any([sink.signal, deps.shutdown]);
            await sink.write('retry: 2000\n\n');
            let sinceWrite = 0;
            while (!signal.aborted) {
              const rows = await deps.purchases.progressOf(params.id, after);
              for (const row of rows) {
                const frame = { seq: String(row.seq), ...stepView(row), detail: (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as Record<string, unknown> };
                await sink.write(`id: ${row.seq}\nevent: step\ndata: ${JSON.stringify(frame)}\n\n`);
                after = BigInt(row.seq);
              }
              if (rows.length > 0) sinceWrite = 0;
              else if ((sinceWrite += pollMs) >= 15_000) {
                await sink.write(': heartbeat\n\n');
                sinceWrite = 0;
              }
              await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, pollMs);
                signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
              });
            }
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/webhooks/cash-register',
      summary: 'The cloud cash register’s reports (ATOL Online callback_url)',
      description: 'Unsigned by the register: only the document’s uuid is taken from the body, and the report is fetched from the register itself before anything is recorded. Unknown receipts are acknowledged and change nothing.',
      tags: ['game-store', 'webhooks'],
      auth: 'public',
      idempotency: 'off',
      body: t.unknown,
      responses: {
        200: { description: 'Handled', schema: t.type({ ok: t.boolean }) },
        400: { description: 'Not a report of the register' },
        429: { description: 'Too many callbacks from this address' },
        503: { description: 'The register could not be asked: it sends it again' },
      },
      handle: async ({ body, clientIp, log }) => {
        const taken = callbackLimiter.take(clientIp);
        if (!taken.allowed) throw new HttpProblem(429, 'webhook.rate_limited', 'too many callbacks from this address', { headers: { 'Retry-After': String(taken.retryAfterSeconds) } });
        let verdict;
        try {
          verdict = await deps.register.verifyCallback(body);
        } catch (error) {
          if (error instanceof CashRegisterUnavailable) throw new HttpProblem(503, 'webhook.register_unavailable', 'the report could not be fetched from the register: send it again later', { headers: { 'Retry-After': '30' } });
          throw error;
        }
        if (verdict.kind === 'refused') {
          if (verdict.status === 404) return right({ status: 200, body: { ok: true } });
          throw new HttpProblem(400, 'webhook.refused', verdict.reason);
        }
        const report = verdict.report;
        const known = await deps.purchases.receiptByUuid(report.uuid);
        const receiptId = known?.receipt_id ?? (report.status !== 'wait' && report.externalId ? fiscalReceiptOfStream(`FiscalReceipt-${report.externalId.replace(/\.\d+$/, '')}`) : undefined);
        if (!receiptId) {
          log.warn({ uuid: report.uuid }, 'a cash-register report about a receipt we do not know');
          return right({ status: 200, body: { ok: true } });
        }
        const attempt = known?.attempt ?? Number(/\.(\d+)$/.exec(report.status !== 'wait' ? (report.externalId ?? '') : '')?.[1] ?? 1);
        await recordReport(deps, receiptId, attempt, report);
        return right({ status: 200, body: { ok: true } });
      },
    }),
  ];
}
