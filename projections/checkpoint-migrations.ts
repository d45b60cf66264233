import { sql } from 'kysely';
import type { Migrations } from '../adapters/database/migrations.js';

/** Where each projection (and each saga) has read `$all` up to. numeric(20): positions are uint64. */
export const checkpointMigrations: Migrations = {
  'projections-0001-checkpoints': {
    async up(db) {
      await sql`
        create table projection_checkpoints (
          name text primary key,
          commit_position numeric(20, 0) not null,
          prepare_position numeric(20, 0) not null,
          updated_at timestamptz not null default now()
        )`.execute(db);
    },
  },
  // A projection stopped by an event it cannot read (malformed, unknown type or version): why, and since when.
  'projections-0002-stopped': {
    async up(db) {
      await sql`alter table projection_checkpoints add column stopped_at timestamptz, add column stopped_reason text`.execute(db);
    },
  },
};
