import { sql } from 'kysely';
import type { Migrations } from '../adapters/database/migrations.js';

/** Durable process state: saga state per flow, the outbox of side effects, durable timers. */
export const processMigrations: Migrations = {
  'sagas-0001-saga-state': {
    async up(db) {
      await sql`
        create table saga_state (
          saga text not null,
          flow_id text not null,
          state jsonb not null,
          updated_at timestamptz not null default now(),
          primary key (saga, flow_id)
        )`.execute(db);
    },
  },
  'sagas-0002-outbox': {
    async up(db) {
      await sql`
        create table outbox (
          idempotency_key text primary key,
          kind text not null,
          payload jsonb not null,
          status text not null default 'pending' check (status in ('pending', 'done', 'dead')),
          attempts integer not null default 0,
          next_attempt_at timestamptz not null,
          locked_until timestamptz,
          last_error text,
          correlation_id text,
          created_at timestamptz not null default now(),
          completed_at timestamptz
        )`.execute(db);
      await sql`create index outbox_due on outbox (next_attempt_at) where status = 'pending'`.execute(db);
      await sql`create index outbox_dead on outbox (created_at, idempotency_key) where status = 'dead'`.execute(db);
    },
  },
  'sagas-0003-timers': {
    async up(db) {
      await sql`
        create table timers (
          id text primary key,
          kind text not null,
          due_at timestamptz not null,
          payload jsonb not null,
          status text not null default 'scheduled' check (status in ('scheduled', 'fired', 'cancelled')),
          fired_at timestamptz,
          created_at timestamptz not null default now()
        )`.execute(db);
      await sql`create index timers_due on timers (due_at) where status = 'scheduled'`.execute(db);
    },
  },
  'sagas-0004-timer-attempts': {
    async up(db) {
      await sql`alter table timers add column attempts integer not null default 0, add column last_error text`.execute(db);
      await sql`alter table timers drop constraint timers_status_check`.execute(db);
      await sql`alter table timers add constraint timers_status_check check (status in ('scheduled', 'fired', 'cancelled', 'failed'))`.execute(db);
    },
  },
  'sagas-0005-flow-links': {
    async up(db) {
      // a stream whose events belong to a flow they do not name (a payment transaction of an order)
      await sql`
        create table saga_flow_links (
          saga text not null,
          stream_name text not null,
          flow_id text not null,
          primary key (saga, stream_name)
        )`.execute(db);
    },
  },
};
