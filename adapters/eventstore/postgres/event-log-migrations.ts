import { sql } from 'kysely';
import type { Migrations } from '../../database/migrations.js';

/**
 * The event log table. `transaction_id` records the appending transaction (xid8) so readers
 * can stay below the oldest transaction still in flight: a sequence value that commits late
 * is never skipped (docs/architecture.md, "Reading $all without gaps").
 */
export const eventLogMigrations: Migrations = {
  'eventlog-0001-events': {
    async up(db) {
      await sql`
        create table events (
          global_position bigint generated always as identity primary key,
          transaction_id xid8 not null default pg_current_xact_id(),
          stream_name text not null,
          stream_position bigint not null,
          event_id uuid not null,
          event_type text not null,
          data jsonb not null,
          metadata jsonb not null,
          created_at timestamptz not null default now(),
          constraint events_stream_revision unique (stream_name, stream_position),
          constraint events_event_id unique (event_id)
        )`.execute(db);
      await sql`create index events_all_order on events (transaction_id, global_position)`.execute(db);
    },
  },
};
