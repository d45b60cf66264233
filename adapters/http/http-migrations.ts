import { sql } from 'kysely';
import type { Migrations } from '../database/migrations.js';

/**
 * Tables of the HTTP edge. `http_idempotency_keys`: one row per (caller, Idempotency-Key);
 * `status` is null while the first request is in flight, then the response to replay.
 */
export const httpMigrations: Migrations = {
  'http-0001-idempotency-keys': {
    async up(db) {
      await sql`
        create table http_idempotency_keys (
          owner text not null,
          idempotency_key text not null,
          request_hash text not null,
          status integer,
          response_headers jsonb,
          response_body text,
          claimed_at timestamptz not null default now(),
          completed_at timestamptz,
          primary key (owner, idempotency_key)
        )`.execute(db);
      await sql`create index http_idempotency_keys_claimed_at on http_idempotency_keys (claimed_at)`.execute(db);
    },
    async down(db) {
      await sql`drop table http_idempotency_keys`.execute(db);
    },
  },
};
