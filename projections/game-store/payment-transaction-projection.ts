import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import { PaymentTransactionEvent } from '../../domain/game-store/payment-transaction.js';
import { defineProjection, type Projection } from '../projection.js';

export const PAYMENT_TRANSACTIONS_PROJECTION = 'game-store-payment-transactions';

/** The status each event leaves a transaction in (null: unchanged). */
const STATUS_AFTER: Record<PaymentTransactionEvent['type'], string | null> = {
  PaymentTransactionInitiated: 'created',
  ProviderPaymentCreated: 'processing',
  ProviderPaymentRefused: null,
  ProviderStatusObserved: null,
  PaymentTransactionCompleted: 'completed',
  PaymentTransactionFailed: 'failed',
  PaymentTransactionCancelled: 'cancelled',
  PaymentTransactionRefunded: 'refunded',
  LatePaymentObserved: null,
};

const atOf = (event: PaymentTransactionEvent): string => {
  const d = event.data as Record<string, unknown>;
  return String(d.initiatedAt ?? d.createdAt ?? d.refusedAt ?? d.observedAt ?? d.completedAt ?? d.failedAt ?? d.cancelledAt ?? d.refundedAt);
};

/**
 * Payment transactions as the buyer, support and BI read them (P-6): `rm_payment_transactions`
 * (one row each, its status and what the client needs next), `rm_payment_transaction_history`
 * (one row per event: every status change and provider word), `rm_game_ownership` (what a
 * completed payment gave its buyer — until the library of the purchase saga, issue 13) and
 * the BI copies `bi.payment_transactions`, `bi.payment_transaction_history`. No secrets pass
 * through here: the events carry none.
 */
export function paymentTransactionProjection(biSchema = 'bi'): Projection<PaymentTransactionEvent> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: PAYMENT_TRANSACTIONS_PROJECTION,
    events: PaymentTransactionEvent,
    migrations: paymentTransactionMigrations(biSchema),
    rebind: (other) => paymentTransactionProjection(other),
    async apply(trx, events) {
      const history: unknown[] = [];
      for (const event of events) {
        const transactionId = event.streamName.slice('PaymentTransaction-'.length);
        const at = atOf(event);
        const status = STATUS_AFTER[event.type];
        const d = event.data as Record<string, unknown>;
        history.push({
          transaction_id: transactionId,
          revision: event.revision.toString(),
          event_type: event.type,
          status,
          provider_status: (d.providerStatus as string | null | undefined) ?? null,
          provider_payment_id: (d.providerPaymentId as string | null | undefined) ?? null,
          reason: (d.reason as string | undefined) ?? (event.type === 'ProviderPaymentRefused' ? `${event.data.code}: ${event.data.message}` : null),
          source: (d.source as string | undefined) ?? null,
          at,
          event_position: formatPosition(event.position),
        });
        switch (event.type) {
          case 'PaymentTransactionInitiated': {
            const t = event.data;
            await sql`
              insert into rm_payment_transactions (transaction_id, order_id, buyer_id, provider, method, amount_minor, currency, product_ids, status, success_url, fail_url, expires_at, created_at, updated_at)
              values (${t.transactionId}, ${t.orderId}, ${t.buyerId}, ${t.provider}, ${t.method}, ${t.amountMinor}::bigint, ${t.currency}, ${JSON.stringify(t.productIds)}::jsonb, 'created',
                      ${t.successUrl}, ${t.failUrl}, ${t.expiresAt}::timestamptz, ${t.initiatedAt}::timestamptz, ${t.initiatedAt}::timestamptz)
              on conflict (transaction_id) do nothing`.execute(trx);
            await sql`
              insert into ${bi('payment_transactions')} (transaction_id, order_id, buyer_id, provider, method, amount, currency, status, created_at, updated_at)
              values (${t.transactionId}, ${t.orderId}, ${t.buyerId}, ${t.provider}, ${t.method}, ${t.amountMinor}::numeric / 100, ${t.currency}, 'created', ${t.initiatedAt}::timestamptz, ${t.initiatedAt}::timestamptz)
              on conflict (transaction_id) do nothing`.execute(trx);
            break;
          }
          case 'ProviderPaymentCreated': {
            const next = event.data.next;
            await sql`
              update rm_payment_transactions
              set provider_payment_id = ${event.data.providerPaymentId}, provider_status = ${event.data.providerStatus}, next_step = ${next === null ? null : JSON.stringify(next)}::jsonb,
                  status = case when status = 'created' then 'processing' else status end, updated_at = ${at}::timestamptz
              where transaction_id = ${transactionId}`.execute(trx);
            await sql`update ${bi('payment_transactions')} set provider_payment_id = ${event.data.providerPaymentId}, status = case when status = 'created' then 'processing' else status end, updated_at = ${at}::timestamptz where transaction_id = ${transactionId}`.execute(trx);
            break;
          }
          case 'ProviderPaymentRefused':
            break;
          case 'ProviderStatusObserved':
            await sql`update rm_payment_transactions set provider_status = ${event.data.providerStatus}, updated_at = ${at}::timestamptz where transaction_id = ${transactionId}`.execute(trx);
            break;
          case 'LatePaymentObserved':
            await sql`update rm_payment_transactions set late_payments = late_payments + 1, updated_at = ${at}::timestamptz where transaction_id = ${transactionId}`.execute(trx);
            await sql`update ${bi('payment_transactions')} set late_payments = late_payments + 1, updated_at = ${at}::timestamptz where transaction_id = ${transactionId}`.execute(trx);
            break;
          default: {
            const reason = 'reason' in event.data ? event.data.reason : null;
            const providerStatus = event.data.providerStatus ?? null;
            await sql`
              update rm_payment_transactions
              set status = ${status}, provider_status = coalesce(${providerStatus}, provider_status), failure_reason = coalesce(${reason}, failure_reason), next_step = null,
                  completed_at = case when ${status} = 'completed' then ${at}::timestamptz else completed_at end, updated_at = ${at}::timestamptz
              where transaction_id = ${transactionId}`.execute(trx);
            await sql`
              update ${bi('payment_transactions')}
              set status = ${status}, failure_reason = coalesce(${reason}, failure_reason),
                  completed_at = case when ${status} = 'completed' then ${at}::timestamptz else completed_at end, updated_at = ${at}::timestamptz
              where transaction_id = ${transactionId}`.execute(trx);
            if (event.type === 'PaymentTransactionCompleted') {
              await sql`
                insert into rm_game_ownership (buyer_id, product_id, order_id, transaction_id, acquired_at)
                select t.buyer_id, p.product_id, t.order_id, t.transaction_id, ${at}::timestamptz
                from rm_payment_transactions t, jsonb_array_elements_text(t.product_ids) as p(product_id)
                where t.transaction_id = ${transactionId}
                on conflict (buyer_id, product_id) do nothing`.execute(trx);
            }
            if (event.type === 'PaymentTransactionRefunded') {
              await sql`delete from rm_game_ownership where transaction_id = ${transactionId}`.execute(trx);
            }
          }
        }
      }
      const rows = JSON.stringify(history);
      await sql`
        insert into rm_payment_transaction_history (transaction_id, revision, event_type, status, provider_status, provider_payment_id, reason, source, at, event_position)
        select x.transaction_id, x.revision::bigint, x.event_type, x.status, x.provider_status, x.provider_payment_id, x.reason, x.source, x.at::timestamptz, x.event_position
        from jsonb_to_recordset(${rows}::jsonb) as x(transaction_id text, revision text, event_type text, status text, provider_status text, provider_payment_id text, reason text, source text, at text, event_position text)
        on conflict do nothing`.execute(trx);
      await sql`
        insert into ${bi('payment_transaction_history')} (transaction_id, revision, event_type, status, provider_status, reason, source, at)
        select x.transaction_id, x.revision::bigint, x.event_type, x.status, x.provider_status, x.reason, x.source, x.at::timestamptz
        from jsonb_to_recordset(${rows}::jsonb) as x(transaction_id text, revision text, event_type text, status text, provider_status text, reason text, source text, at text)
        on conflict do nothing`.execute(trx);
    },
  });
}

function paymentTransactionMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return {
    'game-store-payment-transactions-0001-tables': {
      async up(db) {
        await sql`
          create table rm_payment_transactions (
            transaction_id text primary key, order_id text not null, buyer_id text not null, provider text not null, method text not null,
            amount_minor bigint not null, currency text not null, product_ids jsonb not null, status text not null,
            provider_payment_id text, provider_status text, next_step jsonb, failure_reason text, late_payments integer not null default 0,
            success_url text not null, fail_url text not null, expires_at timestamptz not null,
            created_at timestamptz not null, updated_at timestamptz not null, completed_at timestamptz
          )`.execute(db);
        await sql`create index rm_payment_transactions_order on rm_payment_transactions (order_id, created_at)`.execute(db);
        await sql`create index rm_payment_transactions_provider_payment on rm_payment_transactions (provider, provider_payment_id)`.execute(db);
        await sql`
          create table rm_payment_transaction_history (
            transaction_id text not null, revision bigint not null, event_type text not null, status text, provider_status text, provider_payment_id text,
            reason text, source text, at timestamptz not null, event_position text not null,
            primary key (transaction_id, revision)
          )`.execute(db);
        await sql`
          create table rm_game_ownership (
            buyer_id text not null, product_id text not null, order_id text not null, transaction_id text not null, acquired_at timestamptz not null,
            primary key (buyer_id, product_id)
          )`.execute(db);
        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('payment_transactions')} (
            transaction_id text primary key, order_id text not null, buyer_id text not null, provider text not null, method text not null,
            amount numeric(16, 2) not null, currency text not null, status text not null, provider_payment_id text, failure_reason text,
            late_payments integer not null default 0, created_at timestamptz not null, updated_at timestamptz not null, completed_at timestamptz
          )`.execute(db);
        await sql`
          create table ${bi('payment_transaction_history')} (
            transaction_id text not null, revision bigint not null, event_type text not null, status text, provider_status text, reason text, source text,
            at timestamptz not null, primary key (transaction_id, revision)
          )`.execute(db);
        await sql`comment on table ${bi('payment_transactions')} is 'One row per payment transaction of a game order (P-3): provider, method, amount, status created | processing | completed | failed | cancelled | refunded; late_payments counts successes reported after the transaction had failed (to refund)'`.execute(db);
        await sql`comment on table ${bi('payment_transaction_history')} is 'One row per event of a payment transaction: each status change and each provider status seen (source create | webhook | expiry | cancel | buyer)'`.execute(db);
      },
    },
  };
}

export interface PaymentTransactionRow {
  readonly transaction_id: string;
  readonly order_id: string;
  readonly buyer_id: string;
  readonly provider: string;
  readonly method: string;
  readonly amount_minor: string;
  readonly currency: string;
  readonly status: string;
  readonly provider_payment_id: string | null;
  readonly provider_status: string | null;
  readonly next_step: unknown;
  readonly failure_reason: string | null;
  readonly late_payments: number;
  readonly expires_at: Date;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly completed_at: Date | null;
}

export interface PaymentHistoryRow {
  readonly revision: string;
  readonly event_type: string;
  readonly status: string | null;
  readonly provider_status: string | null;
  readonly reason: string | null;
  readonly source: string | null;
  readonly at: Date;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function paymentTransactionQueries(db: Kysely<any>) {
  return {
    async byId(transactionId: string): Promise<PaymentTransactionRow | undefined> {
      const { rows } = await sql<PaymentTransactionRow>`select *, amount_minor::text as amount_minor from rm_payment_transactions where transaction_id = ${transactionId}`.execute(db);
      return rows[0];
    },
    async history(transactionId: string): Promise<readonly PaymentHistoryRow[]> {
      const { rows } = await sql<PaymentHistoryRow>`
        select revision::text as revision, event_type, status, provider_status, reason, source, at from rm_payment_transaction_history
        where transaction_id = ${transactionId} order by revision`.execute(db);
      return rows;
    },
    async ofOrders(orderIds: readonly string[]): Promise<readonly PaymentTransactionRow[]> {
      if (orderIds.length === 0) return [];
      const { rows } = await sql<PaymentTransactionRow>`
        select *, amount_minor::text as amount_minor from rm_payment_transactions
        where order_id in (select jsonb_array_elements_text(${JSON.stringify(orderIds)}::jsonb)) order by created_at, transaction_id`.execute(db);
      return rows;
    },
    async ownedAmong(buyerId: string, productIds: readonly string[]): Promise<readonly string[]> {
      if (productIds.length === 0) return [];
      const { rows } = await sql<{ product_id: string }>`
        select product_id from rm_game_ownership where buyer_id = ${buyerId} and product_id in (select jsonb_array_elements_text(${JSON.stringify(productIds)}::jsonb))`.execute(db);
      return rows.map((row) => row.product_id);
    },
  };
}
export type PaymentTransactionQueries = ReturnType<typeof paymentTransactionQueries>;
