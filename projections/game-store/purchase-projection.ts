import * as t from 'io-ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import { pickEvents } from '../../domain/event-codec.js';
import { DeveloperLedgerEvent } from '../../domain/game-store/developer-ledger.js';
import { FiscalReceiptEvent } from '../../domain/game-store/fiscal-receipt.js';
import { GameOrderEvent } from '../../domain/game-store/game-order.js';
import { LibraryEvent } from '../../domain/game-store/library.js';
import { NotificationEvent } from '../../domain/notifications/inbox.js';
import { defineProjection, type ProjectedEvent, type Projection } from '../projection.js';

export const PURCHASES_PROJECTION = 'game-store-purchases';

/** The step a notification of the purchase saga records (its ids: sagas/game-store/purchase-saga.ts), or null for any other. */
function notificationStep(notificationId: string): { readonly orderId: string; readonly step: string } | null {
  const match = /^game-store\.(order-confirmed|receipt|refund):([^:]+)(?::(.+))?$/.exec(notificationId);
  if (!match) return null;
  const [, kind, orderId, rest] = match as unknown as [string, string, string, string | undefined];
  if (kind === 'order-confirmed') return { orderId, step: 'confirmation_sent' };
  if (kind === 'receipt') return { orderId, step: rest === undefined || rest === 'sale' ? 'receipt_sent' : `refund_receipt_sent:${rest}` };
  return { orderId, step: `refund_notified:${rest ?? ''}` };
}

const PurchaseProgressEvents = pickEvents(t.union([GameOrderEvent, LibraryEvent, DeveloperLedgerEvent, FiscalReceiptEvent, NotificationEvent]), [
  'OrderInitiated',
  'OrderCompleted',
  'OrderCancelled',
  'OrderRefundRequested',
  'OrderRefundConfirmed',
  'OrderRefundFailed',
  'StrayPaymentRefunded',
  'OrderProcessingCompleted',
  'LibraryGameAdded',
  'LibraryGameRemoved',
  'DeveloperCredited',
  'DeveloperDebited',
  'FiscalReceiptRequested',
  'FiscalReceiptSubmitted',
  'FiscalReceiptFiscalized',
  'FiscalReceiptAttemptFailed',
  'FiscalReceiptRetried',
  'NotificationRecorded',
]);
type PurchaseProgressEvent = t.TypeOf<typeof PurchaseProgressEvents>;

/**
 * The purchase saga's outcomes, read back from the streams that record them (P-5, P-6):
 *
 * - `rm_order_progress` — one row per step done for an order (`paid`, `in_library:<product>`,
 *   `confirmation_sent`, `receipt_registered`, `receipt_sent`, `developer_credited:<product>`,
 *   `recorded`, `cancelled`, `refund_requested:<refund>`, `refund_confirmed:<refund>` …), with a
 *   sequence number: the order's `progress` and its Server-Sent Events feed read it.
 * - `rm_fiscal_receipts` — the fiscal receipts with their status and attributes.
 * - BI: `purchases` (one row per item sold), `refunds` (one row per item refunded),
 *   `fiscal_receipts` (no e-mail: the receipt records none).
 */
export function purchaseProjection(biSchema = 'bi'): Projection<PurchaseProgressEvent> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: PURCHASES_PROJECTION,
    events: PurchaseProgressEvents,
    migrations: purchaseMigrations(biSchema),
    rebind: (other) => purchaseProjection(other),
    // The steps of a batch (every event adds one) are written with one statement at its end: no
    // other statement of the projector reads rm_order_progress, and the first of an (order, step)
    // wins as `on conflict do nothing` one by one did (issue 16) — so an event that is only a step
    // costs no statement of its own.
    async apply(trx, events) {
      const steps = new Map<string, { order_id: string; step: string; done_at: string; detail: Record<string, unknown> }>();
      const step = async (_trx: Transaction<any>, orderId: string, name: string, at: string, detail: Record<string, unknown> = {}) => {
        const key = JSON.stringify([orderId, name]);
        if (!steps.has(key)) steps.set(key, { order_id: orderId, step: name, done_at: at, detail });
      };
      for (const event of events) await applyOne(trx, event, step);
      if (steps.size > 0) {
        await sql`
          insert into rm_order_progress (order_id, step, done_at, detail)
          select order_id, step, done_at::timestamptz, detail from jsonb_to_recordset(${JSON.stringify([...steps.values()])}::jsonb) as s(order_id text, step text, done_at text, detail jsonb)
          on conflict (order_id, step) do nothing`.execute(trx);
      }
    },
  });

  type Step = (trx: Transaction<any>, orderId: string, name: string, at: string, detail?: Record<string, unknown>) => Promise<void>;

  async function applyOne(trx: Transaction<any>, event: ProjectedEvent<PurchaseProgressEvent>, step: Step) {
    switch (event.type) {
      case 'OrderInitiated': {
        const d = event.data;
        const lines = d.items.map((line) => ({ product_id: line.productId, title: line.title, developer_id: line.developerId, line_total_minor: line.lineTotalMinor, vat: line.vat, payment_subject: line.paymentSubject }));
        await sql`
          insert into rm_purchase_lines (order_id, product_id, buyer_id, title, developer_id, line_total_minor, vat, payment_subject, currency, region)
          select ${d.orderId}, x.product_id, ${d.buyerId}, x.title, x.developer_id, x.line_total_minor::bigint, x.vat, x.payment_subject, ${d.currency}, ${d.region}
          from jsonb_to_recordset(${JSON.stringify(lines)}::jsonb) as x(product_id text, title text, developer_id text, line_total_minor text, vat text, payment_subject text)
          on conflict do nothing`.execute(trx);
        return;
      }
      case 'OrderCompleted': {
        const d = event.data;
        await step(trx, d.orderId, 'paid', d.completedAt, { transaction_id: d.transactionId, provider: d.provider });
        await sql`
          insert into ${bi('purchases')} (order_id, product_id, buyer_id, developer_id, title, price, currency, vat, payment_subject, region, provider, transaction_id, purchased_at)
          select order_id, product_id, buyer_id, developer_id, title, line_total_minor::numeric / 100, currency, vat, payment_subject, region, ${d.provider}, ${d.transactionId}, ${d.completedAt}::timestamptz
          from rm_purchase_lines where order_id = ${d.orderId}
          on conflict do nothing`.execute(trx);
        return;
      }
      case 'OrderCancelled':
        return step(trx, event.data.orderId, 'cancelled', event.data.cancelledAt, { reason: event.data.reason });
      case 'OrderRefundRequested': {
        const d = event.data;
        await step(trx, d.orderId, `refund_requested:${d.refundId}`, d.requestedAt, { refund_id: d.refundId, product_ids: d.productIds, amount_minor: d.amountMinor, reason: d.reason });
        await sql`
          insert into rm_order_refunds (order_id, refund_id, product_ids, amount_minor, reason, requested_by, status, requested_at)
          values (${d.orderId}, ${d.refundId}, ${JSON.stringify(d.productIds)}::jsonb, ${d.amountMinor}::bigint, ${d.reason}, ${d.by}, 'requested', ${d.requestedAt}::timestamptz)
          on conflict do nothing`.execute(trx);
        return;
      }
      case 'OrderRefundConfirmed': {
        const d = event.data;
        await step(trx, d.orderId, `refund_confirmed:${d.refundId}`, d.confirmedAt, { refund_id: d.refundId });
        const { rows } = await sql<{ product_ids: unknown; reason: string }>`
          update rm_order_refunds set status = 'confirmed', confirmed_at = ${d.confirmedAt}::timestamptz where order_id = ${d.orderId} and refund_id = ${d.refundId}
          returning product_ids, reason`.execute(trx);
        const productIds = rows[0] ? ((typeof rows[0].product_ids === 'string' ? JSON.parse(rows[0].product_ids) : rows[0].product_ids) as string[]) : [];
        await sql`
          insert into ${bi('refunds')} (order_id, refund_id, product_id, buyer_id, developer_id, title, amount, currency, reason, refunded_at)
          select order_id, ${d.refundId}, product_id, buyer_id, developer_id, title, line_total_minor::numeric / 100, currency, ${rows[0]?.reason ?? ''}, ${d.confirmedAt}::timestamptz
          from rm_purchase_lines where order_id = ${d.orderId} and product_id = any(${productIds}::text[])
          on conflict do nothing`.execute(trx);
        await sql`update ${bi('purchases')} set refunded_at = ${d.confirmedAt}::timestamptz where order_id = ${d.orderId} and product_id = any(${productIds}::text[])`.execute(trx);
        return;
      }
      case 'OrderRefundFailed':
        await step(trx, event.data.orderId, `refund_failed:${event.data.refundId}`, event.data.failedAt, { reason: event.data.reason });
        await sql`update rm_order_refunds set status = 'failed', failure_reason = ${event.data.reason} where order_id = ${event.data.orderId} and refund_id = ${event.data.refundId}`.execute(trx);
        return;
      case 'StrayPaymentRefunded':
        return step(trx, event.data.orderId, `stray_payment_refunded:${event.data.providerPaymentId}`, event.data.refundedAt, { transaction_id: event.data.transactionId, reason: event.data.reason, amount_minor: event.data.amountMinor });
      case 'OrderProcessingCompleted':
        return step(trx, event.data.orderId, 'recorded', event.data.completedAt);
      case 'LibraryGameAdded':
        return step(trx, event.data.orderId, `in_library:${event.data.productId}`, event.data.addedAt, { product_id: event.data.productId });
      case 'LibraryGameRemoved':
        return step(trx, event.data.orderId, `out_of_library:${event.data.refundId}:${event.data.productId}`, event.data.removedAt, { product_id: event.data.productId, refund_id: event.data.refundId });
      case 'DeveloperCredited': {
        const d = event.data;
        await step(trx, d.orderId, `developer_credited:${d.productId}`, d.creditedAt, { product_id: d.productId, developer_id: d.developerId });
        await sql`update ${bi('purchases')} set developer_share = ${d.amountMinor}::numeric / 100, share_percent = ${d.shareBasisPoints}::numeric / 100 where order_id = ${d.orderId} and product_id = ${d.productId}`.execute(trx);
        return;
      }
      case 'DeveloperDebited':
        return step(trx, event.data.orderId, `developer_debited:${event.data.refundId}:${event.data.productId}`, event.data.debitedAt, { product_id: event.data.productId, refund_id: event.data.refundId });
      case 'FiscalReceiptRequested': {
        const d = event.data;
        await sql`
          insert into rm_fiscal_receipts (receipt_id, order_id, refund_id, buyer_id, operation, status, attempt, total_minor, currency, lines, company_inn, tax_system, payment_address, requested_at, event_position)
          values (${d.receiptId}, ${d.orderId}, ${d.refundId}, ${d.buyerId}, ${d.operation}, 'requested', 1, ${d.totalMinor}::bigint, ${d.currency}, ${JSON.stringify(d.lines)}::jsonb,
                  ${d.company.inn}, ${d.company.taxSystem}, ${d.company.paymentAddress}, ${d.requestedAt}::timestamptz, ${formatPosition(event.position)})
          on conflict do nothing`.execute(trx);
        await sql`
          insert into ${bi('fiscal_receipts')} (receipt_id, order_id, refund_id, operation, status, total, currency, lines, requested_at)
          values (${d.receiptId}, ${d.orderId}, ${d.refundId}, ${d.operation}, 'requested', ${d.totalMinor}::numeric / 100, ${d.currency}, ${d.lines.length}, ${d.requestedAt}::timestamptz)
          on conflict do nothing`.execute(trx);
        return;
      }
      case 'FiscalReceiptSubmitted': {
        const d = event.data;
        await sql`update rm_fiscal_receipts set status = 'submitted', attempt = ${d.attempt}, uuid = ${d.uuid}, external_id = ${d.externalId}, register = ${d.register}, submitted_at = ${d.submittedAt}::timestamptz where receipt_id = ${d.receiptId}`.execute(trx);
        await sql`update ${bi('fiscal_receipts')} set status = 'submitted', attempts = ${d.attempt} where receipt_id = ${d.receiptId}`.execute(trx);
        return;
      }
      case 'FiscalReceiptFiscalized': {
        const d = event.data;
        const { rows } = await sql<{ order_id: string; refund_id: string | null }>`
          update rm_fiscal_receipts set status = 'fiscalized_success', uuid = ${d.uuid}, fiscal_document_number = ${d.fiscalDocumentNumber}, fiscal_sign = ${d.fiscalSign},
            fiscal_drive_number = ${d.fiscalDriveNumber}, register_number = ${d.registerNumber}, receipt_number = ${d.receiptNumber}, shift_number = ${d.shiftNumber},
            registered_at = ${d.registeredAt}::timestamptz, ofd_receipt_url = ${d.ofdReceiptUrl}, fiscalized_at = ${d.fiscalizedAt}::timestamptz, last_error = null
          where receipt_id = ${d.receiptId} returning order_id, refund_id`.execute(trx);
        await sql`
          update ${bi('fiscal_receipts')} set status = 'fiscalized_success', fiscal_document_number = ${d.fiscalDocumentNumber}, fiscal_sign = ${d.fiscalSign},
            fiscal_drive_number = ${d.fiscalDriveNumber}, register_number = ${d.registerNumber}, registered_at = ${d.registeredAt}::timestamptz
          where receipt_id = ${d.receiptId}`.execute(trx);
        const row = rows[0];
        if (row) await step(trx, row.order_id, row.refund_id ? `refund_receipt_registered:${row.refund_id}` : 'receipt_registered', d.fiscalizedAt, { receipt_id: d.receiptId, fiscal_document_number: d.fiscalDocumentNumber });
        return;
      }
      case 'FiscalReceiptAttemptFailed': {
        const d = event.data;
        const status = d.permanent ? 'fiscalized_failed' : 'requested';
        await sql`
          update rm_fiscal_receipts set status = ${status}, attempt = ${d.permanent ? d.attempt : d.attempt + 1}, uuid = case when ${d.permanent} then uuid else null end,
            last_error = ${`${d.code}: ${d.text}`}, failed_attempts = failed_attempts + 1
          where receipt_id = ${d.receiptId}`.execute(trx);
        await sql`update ${bi('fiscal_receipts')} set status = ${status}, failed_attempts = failed_attempts + 1 where receipt_id = ${d.receiptId}`.execute(trx);
        return;
      }
      case 'FiscalReceiptRetried':
        await sql`update rm_fiscal_receipts set status = 'requested', attempt = ${event.data.attempt}, uuid = null where receipt_id = ${event.data.receiptId}`.execute(trx);
        await sql`update ${bi('fiscal_receipts')} set status = 'requested' where receipt_id = ${event.data.receiptId}`.execute(trx);
        return;
      case 'NotificationRecorded': {
        const known = notificationStep(event.data.notificationId);
        if (known) await step(trx, known.orderId, known.step, event.data.recordedAt);
        return;
      }
    }
  }
}

export interface ProgressRow {
  seq: string | number;
  order_id: string;
  step: string;
  done_at: Date | string;
  detail: unknown;
}

export interface FiscalReceiptRow {
  receipt_id: string;
  order_id: string;
  refund_id: string | null;
  buyer_id: string;
  operation: string;
  status: string;
  attempt: number;
  failed_attempts: number;
  uuid: string | null;
  register: string | null;
  total_minor: string | number;
  currency: string;
  lines: unknown;
  company_inn: string;
  tax_system: string;
  payment_address: string;
  fiscal_document_number: string | null;
  fiscal_sign: string | null;
  fiscal_drive_number: string | null;
  register_number: string | null;
  receipt_number: string | null;
  shift_number: string | null;
  registered_at: Date | string | null;
  ofd_receipt_url: string | null;
  last_error: string | null;
  requested_at: Date | string;
  fiscalized_at: Date | string | null;
}

export interface RefundRow {
  order_id: string;
  refund_id: string;
  product_ids: unknown;
  amount_minor: string | number;
  reason: string;
  requested_by: string;
  status: string;
  failure_reason: string | null;
  requested_at: Date | string;
  confirmed_at: Date | string | null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function purchaseQueries(db: Kysely<any>) {
  return {
    /** The steps done for an order, in the order they were recorded, after sequence `after`. */
    async progressOf(orderId: string, after = 0n): Promise<ProgressRow[]> {
      const { rows } = await sql<ProgressRow>`select seq, order_id, step, done_at, detail from rm_order_progress where order_id = ${orderId} and seq > ${after.toString()}::bigint order by seq`.execute(db);
      return rows;
    },
    async receiptsOf(orderId: string): Promise<FiscalReceiptRow[]> {
      const { rows } = await sql<FiscalReceiptRow>`select * from rm_fiscal_receipts where order_id = ${orderId} order by (refund_id is not null), requested_at, receipt_id`.execute(db);
      return rows;
    },
    async receipt(receiptId: string): Promise<FiscalReceiptRow | undefined> {
      const { rows } = await sql<FiscalReceiptRow>`select * from rm_fiscal_receipts where receipt_id = ${receiptId}`.execute(db);
      return rows[0];
    },
    async receiptsWithStatus(status: string, limit = 100): Promise<FiscalReceiptRow[]> {
      const { rows } = await sql<FiscalReceiptRow>`select * from rm_fiscal_receipts where status = ${status} order by requested_at desc, receipt_id limit ${limit}`.execute(db);
      return rows;
    },
    async receiptByUuid(uuid: string): Promise<FiscalReceiptRow | undefined> {
      const { rows } = await sql<FiscalReceiptRow>`select * from rm_fiscal_receipts where uuid = ${uuid}`.execute(db);
      return rows[0];
    },
    async refundsOf(orderId: string): Promise<RefundRow[]> {
      const { rows } = await sql<RefundRow>`select * from rm_order_refunds where order_id = ${orderId} order by requested_at, refund_id`.execute(db);
      return rows;
    },
  };
}
export type PurchaseQueries = ReturnType<typeof purchaseQueries>;

function purchaseMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return {
    'game-store-purchases-0001-tables': {
      async up(db) {
        await sql`
          create table rm_order_progress (
            seq bigserial primary key, order_id text not null, step text not null, done_at timestamptz not null, detail jsonb not null default '{}'::jsonb,
            unique (order_id, step)
          )`.execute(db);
        await sql`create index rm_order_progress_order on rm_order_progress (order_id, seq)`.execute(db);
        await sql`
          create table rm_purchase_lines (
            order_id text not null, product_id text not null, buyer_id text not null, title text not null, developer_id text not null, line_total_minor bigint not null,
            vat text not null, payment_subject text not null, currency text not null, region text not null,
            primary key (order_id, product_id)
          )`.execute(db);
        await sql`
          create table rm_order_refunds (
            order_id text not null, refund_id text not null, product_ids jsonb not null, amount_minor bigint not null, reason text not null, requested_by text not null,
            status text not null, failure_reason text, requested_at timestamptz not null, confirmed_at timestamptz,
            primary key (order_id, refund_id)
          )`.execute(db);
        await sql`
          create table rm_fiscal_receipts (
            receipt_id text primary key, order_id text not null, refund_id text, buyer_id text not null, operation text not null, status text not null,
            attempt integer not null, failed_attempts integer not null default 0, uuid text, external_id text, register text,
            total_minor bigint not null, currency text not null, lines jsonb not null, company_inn text not null, tax_system text not null, payment_address text not null,
            fiscal_document_number text, fiscal_sign text, fiscal_drive_number text, register_number text, receipt_number text, shift_number text,
            registered_at timestamptz, ofd_receipt_url text, last_error text,
            requested_at timestamptz not null, submitted_at timestamptz, fiscalized_at timestamptz, event_position text not null
          )`.execute(db);
        await sql`create index rm_fiscal_receipts_order on rm_fiscal_receipts (order_id)`.execute(db);
        await sql`create index rm_fiscal_receipts_uuid on rm_fiscal_receipts (uuid)`.execute(db);
        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('purchases')} (
            order_id text not null, product_id text not null, buyer_id text not null, developer_id text not null, title text not null,
            price numeric(16, 2) not null, currency text not null, vat text not null, payment_subject text not null, region text not null,
            provider text not null, transaction_id text not null, purchased_at timestamptz not null,
            developer_share numeric(16, 2), share_percent numeric(5, 2), refunded_at timestamptz,
            primary key (order_id, product_id)
          )`.execute(db);
        await sql`
          create table ${bi('refunds')} (
            order_id text not null, refund_id text not null, product_id text not null, buyer_id text not null, developer_id text not null, title text not null,
            amount numeric(16, 2) not null, currency text not null, reason text not null, refunded_at timestamptz not null,
            primary key (refund_id, product_id)
          )`.execute(db);
        await sql`
          create table ${bi('fiscal_receipts')} (
            receipt_id text primary key, order_id text not null, refund_id text, operation text not null, status text not null, total numeric(16, 2) not null,
            currency text not null, lines integer not null, attempts integer not null default 1, failed_attempts integer not null default 0,
            fiscal_document_number text, fiscal_sign text, fiscal_drive_number text, register_number text, registered_at timestamptz, requested_at timestamptz not null
          )`.execute(db);
        await sql`comment on table ${bi('purchases')} is 'One row per game sold (P-5): the order, product, buyer id (a pseudonym), developer, price, VAT rate, payment subject, provider, when; the developer''s share once credited; refunded_at once refunded'`.execute(db);
        await sql`comment on table ${bi('refunds')} is 'One row per game refunded: the refund, order, product, buyer id, developer, amount paid back, reason, when the provider confirmed it'`.execute(db);
        await sql`comment on table ${bi('fiscal_receipts')} is '54-FZ fiscal receipts of game orders (sell and sell_refund): status (requested, submitted, fiscalized_success, fiscalized_failed), total, attempts, fiscal attributes (ФД, ФП, ФН, register number). No customer e-mail'`.execute(db);
      },
    },
  };
}
