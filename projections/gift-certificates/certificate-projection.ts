import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { CertificatePoolEvent } from '../../domain/gift-certificates/certificate-pool.js';
import { defineProjection } from '../projection.js';

export const CERTIFICATES_PROJECTION = 'gcp-certificates';

/**
 * `rm_gift_certificates`: one row per certificate (number unique across the whole pool), its
 * status (AVAILABLE → RESERVED → back to AVAILABLE when the reservation lapses) and channel.
 * A `CertificatesLoaded` chunk of up to 1,000 certificates is one set-based insert.
 */
export function certificateProjection() {
  return defineProjection({
    name: CERTIFICATES_PROJECTION,
    events: CertificatePoolEvent,
    migrations: certificateMigrations,
    async apply(trx, events) {
      for (const event of events) {
        switch (event.type) {
          case 'CertificatesLoaded': {
            const d = event.data;
            await sql`
              insert into rm_gift_certificates (id, number, batch_id, nominal, currency, expires_at, status, loaded_at, updated_at)
              select c."certificateId", c.number, ${d.batchId}, ${d.nominal}, ${d.currency}, c."expiresAt"::timestamptz, 'AVAILABLE', ${d.loadedAt}::timestamptz, ${d.loadedAt}::timestamptz
              from jsonb_to_recordset(${JSON.stringify(d.certificates)}::jsonb) as c("certificateId" text, number text, "expiresAt" text)
              on conflict do nothing`.execute(trx);
            break;
          }
          case 'CertificateReserved': {
            const d = event.data;
            await sql`
              update rm_gift_certificates set status = 'RESERVED', channel = ${d.channel}, request_id = ${d.requestId}, reserved_until = ${d.reservedUntil}::timestamptz,
                updated_at = ${d.reservedAt}::timestamptz
              where id = ${d.certificateId}`.execute(trx);
            break;
          }
          case 'ReservationReleased':
            await sql`
              update rm_gift_certificates set status = 'AVAILABLE', channel = null, request_id = null, reserved_until = null, updated_at = ${event.data.releasedAt}::timestamptz
              where id = ${event.data.certificateId} and request_id = ${event.data.requestId}`.execute(trx);
            break;
          case 'PoolExhausted':
            break;
        }
      }
    },
  });
}

export interface CertificateRow {
  id: string;
  number: string;
  batch_id: string;
  nominal: string;
  currency: string;
  expires_at: Date | string;
  status: string;
  channel: string | null;
  /** `<principal id>:<request id>` of the reservation holding it. */
  request_id: string | null;
  reserved_until: Date | string | null;
  updated_at: Date | string;
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

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
  updated_at: iso(row.updated_at)!,
});

/** Queries of the pool read model others may use. */
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

const certificateMigrations: Migrations = {
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
};
