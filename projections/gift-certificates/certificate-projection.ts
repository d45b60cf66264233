import * as t from 'io-ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import { CertificatePoolEvent } from '../../domain/gift-certificates/certificate-pool.js';
import { certificateOfStream, GiftCertificateEvent } from '../../domain/gift-certificates/gift-certificate.js';
import { defineProjection, type ProjectedEvent, type Projection } from '../projection.js';
import { emptyLedger, foldCertificateEvent, foldPoolEvent, objectOf, type AuditEntry, type CertificateLedger, type Folded } from './certificate-ledger.js';

export const CERTIFICATES_PROJECTION = 'gcp-certificates';

const CertificateProjectionEvents = t.union([CertificatePoolEvent, GiftCertificateEvent]);
type CertificateProjectionEvent = t.TypeOf<typeof CertificateProjectionEvents>;

const actorOf = (event: ProjectedEvent<CertificateProjectionEvent>, fallback: string): string => (typeof event.metadata.actor === 'string' ? event.metadata.actor : fallback);

/**
 * `rm_gift_certificates`: one row per certificate (number unique across the whole pool), its
 * status — AVAILABLE → RESERVED (→ AVAILABLE when the reservation lapses) in the pool, then the
 * certificate's own stream's statuses (ISSUED … REDEEMED, LOCKED, EXPIRED …) — its balance,
 * pending holds and who changed it last. `rm_gift_certificate_audit`: every event of one
 * certificate (its pool reservation / release / issue and every event of its stream), in order.
 *
 * BI (`<bi>` is the configurable BI schema; docs/architecture.md, Gift certificates):
 * `gift_certificates` (current state), `gift_certificate_snapshots` (one row per status change,
 * the historical slices), `gift_pool_blocks` (ISSUE_BLOCKED). Channel messages: channel-message-projection.ts.
 *
 * A `CertificatesLoaded` chunk of up to 1,000 certificates is one set-based insert (read model
 * and BI); every other event is folded in memory (certificate-ledger.ts) over the rows the batch
 * touches, read with one select, and written back with one upsert per table.
 */
export function certificateProjection(biSchema = 'bi'): Projection<CertificateProjectionEvent> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: CERTIFICATES_PROJECTION,
    events: CertificateProjectionEvents,
    migrations: certificateMigrations(biSchema),
    rebind: (other) => certificateProjection(other),
    async apply(trx, events) {
      // 1. loads create rows (a certificate is never touched before its load: it is in no earlier event)
      for (const event of events) {
        if (event.type !== 'CertificatesLoaded') continue;
        const d = event.data;
        const by = actorOf(event, 'system:gcp-pool');
        // one statement: the chunk is parsed once and lands in the read model and in BI
        await sql`
          with c as (
            select c."certificateId" as id, c.number, c."expiresAt"::timestamptz as expires_at
            from jsonb_to_recordset(${JSON.stringify(d.certificates)}::jsonb) as c("certificateId" text, number text, "expiresAt" text)
          ), rm as (
            insert into rm_gift_certificates (id, number, batch_id, nominal, currency, expires_at, status, loaded_at, updated_at, updated_by)
            select id, number, ${d.batchId}, ${d.nominal}, ${d.currency}, expires_at, 'AVAILABLE', ${d.loadedAt}::timestamptz, ${d.loadedAt}::timestamptz, ${by} from c
            on conflict do nothing
            returning id, number, expires_at
          )
          insert into ${bi('gift_certificates')} (id, number, batch_id, status, nominal, pending_amount, currency, expires_at, version, loaded_at, updated_at, updated_by)
          select id, number, ${d.batchId}, 'AVAILABLE', ${d.nominal}::numeric, 0, ${d.currency}, expires_at, 0, ${d.loadedAt}::timestamptz, ${d.loadedAt}::timestamptz, ${by} from rm
          on conflict do nothing`.execute(trx);
      }

      // 2. fold every other event over the rows it touches
      const subjectOf = (event: ProjectedEvent<CertificateProjectionEvent>): string | undefined => {
        switch (event.type) {
          case 'CertificatesLoaded':
          case 'PoolExhausted':
            return undefined;
          case 'CertificateReserved':
          case 'ReservationReleased':
          case 'ReservationIssued':
            return event.data.certificateId;
          default:
            return certificateOfStream(event.streamName);
        }
      };
      const ids = [...new Set(events.map(subjectOf).filter((id): id is string => id !== undefined))];
      const ledgers = await loadLedgers(trx, ids);
      const audit: { certificate_id: string; seq: number; event_position: string; entry: AuditEntry }[] = [];
      const snapshots: { seq: number; event_position: string; event_type: string; ledger: CertificateLedger }[] = [];
      const blocks: { event_position: string; nominal: string; currency: string; channel: string; blocked_at: string }[] = [];
      for (const event of events) {
        if (event.type === 'PoolExhausted') {
          blocks.push({ event_position: formatPosition(event.position), nominal: event.data.nominal, currency: event.data.currency, channel: event.data.channel, blocked_at: event.data.blockedAt });
          continue;
        }
        const id = subjectOf(event);
        if (id === undefined) continue;
        const before = ledgers.get(id) ?? emptyLedger(id);
        let folded: Folded;
        switch (event.type) {
          case 'CertificateReserved':
          case 'ReservationReleased':
          case 'ReservationIssued':
            folded = foldPoolEvent(before, event, actorOf(event, 'system:gcp-pool'));
            break;
          default:
            folded = foldCertificateEvent(before, event as GiftCertificateEvent, event.revision);
        }
        ledgers.set(id, folded.ledger);
        const position = formatPosition(event.position);
        audit.push({ certificate_id: id, seq: folded.ledger.audit_entries, event_position: position, entry: folded.audit });
        if (folded.statusChange && folded.ledger.number !== null) snapshots.push({ seq: folded.ledger.changes, event_position: position, event_type: event.type, ledger: folded.ledger });
      }

      // 3. write back, one statement per table
      const known = [...ledgers.values()].filter((ledger) => ledger.number !== null && ledger.nominal !== null && ledger.currency !== null && ledger.expires_at !== null);
      if (known.length > 0) await writeLedgers(trx, biSchema, known);
      if (audit.length > 0) {
        await sql`
          insert into rm_gift_certificate_audit (certificate_id, seq, event_position, type, at, actor, status_after, reason, amount, remaining_balance, order_id, hold_id, channel)
          select x.certificate_id, x.seq, x.event_position, x.type, x.at::timestamptz, x.actor, x.status_after, x.reason, x.amount, x.remaining_balance, x.order_id, x.hold_id, x.channel
          from jsonb_to_recordset(${JSON.stringify(audit.map((a) => ({ certificate_id: a.certificate_id, seq: a.seq, event_position: a.event_position, ...a.entry, actor: a.entry.by })))}::jsonb)
            as x(certificate_id text, seq integer, event_position text, type text, at text, actor text, status_after text, reason text, amount text, remaining_balance text, order_id text, hold_id text, channel text)
          on conflict do nothing`.execute(trx);
      }
      if (snapshots.length > 0) {
        const rows = snapshots.map((s) => ({ ...objectOf(s.ledger), seq: s.seq, event_position: s.event_position, event_type: s.event_type, pending_amount: s.ledger.pending_amount }));
        await sql`
          insert into ${bi('gift_certificate_snapshots')} (certificate_id, seq, event_position, event_type, number, status, nominal, remaining_balance, pending_amount, currency, channel, expires_at,
                                                        notification_channel, correlation_id, lock_reason, version, updated_at, updated_by)
          select x.id, x.seq, x.event_position, x.event_type, x.number, x.status, x.nominal::numeric, x.remaining_balance::numeric, x.pending_amount::numeric, x.currency, x.channel, x.expires_at::timestamptz,
                 x.notification_channel, x.correlation_id, x.lock_reason, x.version, x.updated_at::timestamptz, x.updated_by
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
            as x(id text, seq integer, event_position text, event_type text, number text, status text, nominal text, remaining_balance text, pending_amount text, currency text, channel text, expires_at text,
                 notification_channel text, correlation_id text, lock_reason text, version integer, updated_at text, updated_by text)
          on conflict do nothing`.execute(trx);
      }
      if (blocks.length > 0) {
        await sql`
          insert into ${bi('gift_pool_blocks')} (event_position, nominal, currency, channel, blocked_at)
          select x.event_position, x.nominal::numeric, x.currency, x.channel, x.blocked_at::timestamptz
          from jsonb_to_recordset(${JSON.stringify(blocks)}::jsonb) as x(event_position text, nominal text, currency text, channel text, blocked_at text)
          on conflict do nothing`.execute(trx);
      }
    },
  });
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

/** The columns of rm_gift_certificates as selected (timestamps as ISO text). */
const LEDGER_COLUMNS = sql`id, number, batch_id, nominal, currency, expires_at, status, channel, request_id, reserved_until, loaded_at, updated_at, updated_by, remaining_balance, pending_amount,
  holds, notification_channel, correlation_id, lock_reason, issue_problem, order_id, client_id, version, changes, audit_entries`;

async function loadLedgers(trx: Transaction<any>, ids: readonly string[]): Promise<Map<string, CertificateLedger>> {
  const ledgers = new Map<string, CertificateLedger>();
  if (ids.length === 0) return ledgers;
  const { rows } = await sql<CertificateRow>`select ${LEDGER_COLUMNS} from rm_gift_certificates where id = any(${[...ids]}::text[])`.execute(trx);
  for (const row of rows) ledgers.set(row.id, ledgerOf(row));
  return ledgers;
}

const ledgerOf = (row: CertificateRow): CertificateLedger => ({
  ...row,
  expires_at: iso(row.expires_at),
  reserved_until: iso(row.reserved_until),
  loaded_at: iso(row.loaded_at),
  updated_at: iso(row.updated_at),
  holds: typeof row.holds === 'string' ? JSON.parse(row.holds) : (row.holds ?? {}),
});

async function writeLedgers(trx: Transaction<any>, biSchema: string, ledgers: readonly CertificateLedger[]): Promise<void> {
  const rows = JSON.stringify(ledgers);
  const recordset = sql`jsonb_to_recordset(${rows}::jsonb) as x(id text, number text, batch_id text, nominal text, currency text, expires_at text, status text, channel text, request_id text,
    reserved_until text, loaded_at text, updated_at text, updated_by text, remaining_balance text, pending_amount text, holds jsonb, notification_channel text, correlation_id text,
    lock_reason text, issue_problem text, order_id text, client_id text, version integer, changes integer, audit_entries integer)`;
  await sql`
    insert into rm_gift_certificates (id, number, batch_id, nominal, currency, expires_at, status, channel, request_id, reserved_until, loaded_at, updated_at, updated_by, remaining_balance,
                                      pending_amount, holds, notification_channel, correlation_id, lock_reason, issue_problem, order_id, client_id, version, changes, audit_entries)
    select x.id, x.number, x.batch_id, x.nominal, x.currency, x.expires_at::timestamptz, x.status, x.channel, x.request_id, x.reserved_until::timestamptz, x.loaded_at::timestamptz,
           x.updated_at::timestamptz, x.updated_by, x.remaining_balance, x.pending_amount, x.holds, x.notification_channel, x.correlation_id, x.lock_reason, x.issue_problem,
           x.order_id, x.client_id, x.version, x.changes, x.audit_entries
    from ${recordset}
    on conflict (id) do update set number = excluded.number, nominal = excluded.nominal, currency = excluded.currency, expires_at = excluded.expires_at, status = excluded.status,
      channel = excluded.channel, request_id = excluded.request_id, reserved_until = excluded.reserved_until, updated_at = excluded.updated_at, updated_by = excluded.updated_by,
      remaining_balance = excluded.remaining_balance, pending_amount = excluded.pending_amount, holds = excluded.holds, notification_channel = excluded.notification_channel,
      correlation_id = excluded.correlation_id, lock_reason = excluded.lock_reason, issue_problem = excluded.issue_problem, order_id = excluded.order_id, client_id = excluded.client_id,
      version = excluded.version, changes = excluded.changes, audit_entries = excluded.audit_entries`.execute(trx);
  await sql`
    insert into ${sql.table(`${biSchema}.gift_certificates`)} (id, number, batch_id, status, nominal, remaining_balance, pending_amount, currency, channel, expires_at, notification_channel,
                                      correlation_id, lock_reason, issue_problem, order_id, client_id, version, loaded_at, updated_at, updated_by)
    select x.id, x.number, x.batch_id, x.status, x.nominal::numeric, x.remaining_balance::numeric, x.pending_amount::numeric, x.currency, x.channel, x.expires_at::timestamptz,
           x.notification_channel, x.correlation_id, x.lock_reason, x.issue_problem, x.order_id, x.client_id, x.version, x.loaded_at::timestamptz, x.updated_at::timestamptz, x.updated_by
    from ${recordset}
    on conflict (id) do update set number = excluded.number, status = excluded.status, nominal = excluded.nominal, remaining_balance = excluded.remaining_balance,
      pending_amount = excluded.pending_amount, currency = excluded.currency, channel = excluded.channel, expires_at = excluded.expires_at,
      notification_channel = excluded.notification_channel, correlation_id = excluded.correlation_id, lock_reason = excluded.lock_reason, issue_problem = excluded.issue_problem,
      order_id = excluded.order_id, client_id = excluded.client_id, version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by`.execute(trx);
}

export interface CertificateRow {
  id: string;
  number: string;
  batch_id: string | null;
  nominal: string;
  currency: string;
  expires_at: Date | string;
  status: string;
  channel: string | null;
  /** `<principal id>:<request id>` of the reservation holding it (kept after issue). */
  request_id: string | null;
  reserved_until: Date | string | null;
  loaded_at: Date | string;
  updated_at: Date | string;
  updated_by: string | null;
  /** Decimal string; null until issued. */
  remaining_balance: string | null;
  /** Decimal string: what pending redemption holds set aside. */
  pending_amount: string;
  holds: Record<string, string> | string;
  notification_channel: string | null;
  correlation_id: string | null;
  lock_reason: string | null;
  /** Why the last issue attempt was refused (for support). */
  issue_problem: string | null;
  order_id: string | null;
  client_id: string | null;
  version: number;
  changes: number;
  audit_entries: number;
}

export const certificateView = (row: CertificateRow) => ({
  id: row.id,
  number: row.number,
  batch_id: row.batch_id,
  nominal: row.nominal,
  currency: row.currency,
  expires_at: iso(row.expires_at)!,
  status: row.status,
  channel: row.channel,
  reserved_until: iso(row.reserved_until),
  remaining_balance: row.remaining_balance,
  pending_amount: row.pending_amount,
  notification_channel: row.notification_channel,
  correlation_id: row.correlation_id,
  lock_reason: row.lock_reason,
  issue_problem: row.issue_problem,
  order_id: row.order_id,
  client_id: row.client_id,
  version: Number(row.version),
  updated_at: iso(row.updated_at)!,
  updated_by: row.updated_by,
});

/** Queries of the certificate read model others may use. */
export function certificateQueries(db: Kysely<any>) {
  return {
    async byId(id: string): Promise<CertificateRow | undefined> {
      const { rows } = await sql<CertificateRow>`select * from rm_gift_certificates where id = ${id}`.execute(db);
      return rows[0];
    },
    async byNumber(number: string): Promise<CertificateRow | undefined> {
      const { rows } = await sql<CertificateRow>`select * from rm_gift_certificates where number = ${number}`.execute(db);
      return rows[0];
    },
    /** Which of these numbers are already in the pool. */
    async existingNumbers(numbers: readonly string[]): Promise<string[]> {
      if (numbers.length === 0) return [];
      const { rows } = await sql<{ number: string }>`select number from rm_gift_certificates where number = any(${[...numbers]}::text[])`.execute(db);
      return rows.map((r) => r.number);
    },
  };
}
export type CertificateQueries = ReturnType<typeof certificateQueries>;

function certificateMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return {
    'gcp-certificates-0001-tables': {
      async up(db) {
        await sql`
          create table rm_gift_certificates (
            id text primary key,
            number text not null unique,
            batch_id text not null,
            nominal text not null,
            currency text not null,
            expires_at timestamptz not null,
            status text not null,
            channel text,
            request_id text,
            reserved_until timestamptz,
            loaded_at timestamptz not null,
            updated_at timestamptz not null
          )`.execute(db);
        await sql`create index rm_gift_certificates_listing on rm_gift_certificates (status, channel, updated_at, id)`.execute(db);
      },
    },
    'gcp-certificates-0002-ledger-audit-bi': {
      async up(db) {
        await sql`alter table rm_gift_certificates alter column batch_id drop not null`.execute(db);
        await sql`
          alter table rm_gift_certificates
            add column updated_by text,
            add column remaining_balance text,
            add column pending_amount text not null default '0.00',
            add column holds jsonb not null default '{}'::jsonb,
            add column notification_channel text,
            add column correlation_id text,
            add column lock_reason text,
            add column issue_problem text,
            add column order_id text,
            add column client_id text,
            add column version integer not null default 0,
            add column changes integer not null default 0,
            add column audit_entries integer not null default 0`.execute(db);
        await sql`
          create table rm_gift_certificate_audit (
            certificate_id text not null,
            seq integer not null,
            event_position text not null,
            type text not null,
            at timestamptz not null,
            actor text not null,
            status_after text,
            reason text,
            amount text,
            remaining_balance text,
            order_id text,
            hold_id text,
            channel text,
            primary key (certificate_id, seq)
          )`.execute(db);

        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('gift_certificates')} (
            id text primary key, number text not null, batch_id text, status text not null,
            nominal numeric(16, 2) not null, remaining_balance numeric(16, 2), pending_amount numeric(16, 2) not null, currency text not null,
            channel text, expires_at timestamptz not null, notification_channel text, correlation_id text, lock_reason text, issue_problem text,
            order_id text, client_id text, version integer not null, loaded_at timestamptz not null, updated_at timestamptz not null, updated_by text
          )`.execute(db);
        await sql`
          create table ${bi('gift_certificate_snapshots')} (
            certificate_id text not null, seq integer not null, event_position text not null, event_type text not null,
            number text not null, status text not null, nominal numeric(16, 2) not null, remaining_balance numeric(16, 2), pending_amount numeric(16, 2) not null,
            currency text not null, channel text, expires_at timestamptz not null, notification_channel text, correlation_id text, lock_reason text,
            version integer not null, updated_at timestamptz not null, updated_by text not null,
            primary key (certificate_id, seq)
          )`.execute(db);
        await sql`
          create table ${bi('gift_pool_blocks')} (
            event_position text primary key, nominal numeric(16, 2) not null, currency text not null, channel text not null, blocked_at timestamptz not null
          )`.execute(db);
        // certificates loaded before this migration (pool events already projected)
        await sql`
          insert into ${bi('gift_certificates')} (id, number, batch_id, status, nominal, pending_amount, currency, channel, expires_at, version, loaded_at, updated_at)
          select id, number, batch_id, status, nominal::numeric, 0, currency, channel, expires_at, 0, loaded_at, updated_at from rm_gift_certificates`.execute(db);
        await sql`comment on table ${bi('gift_certificates')} is 'One row per gift certificate (pool and issued) with its current state: status, nominal, remaining balance (kept on EXPIRED: unredeemed value), channel, lock reason, version. No CVC, no personal data.'`.execute(db);
        await sql`comment on table ${bi('gift_certificate_snapshots')} is 'One row per status change of a gift certificate (the historical slices): the full certificate as of that change, seq 1, 2, … per certificate'`.execute(db);
        await sql`comment on table ${bi('gift_pool_blocks')} is 'One row per ISSUE_BLOCKED: a pool of one nominal and currency ran dry (once per exhaustion, a refill ends it), with the channel that asked'`.execute(db);
      },
    },
  };
}
