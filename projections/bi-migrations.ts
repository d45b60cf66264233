import { sql } from 'kysely';
import type { Migrations } from '../adapters/database/migrations.js';

/** The database role BI consumers are given (SPEC X-3): it reads the BI schema and nothing else. */
export const BI_READER_ROLE = 'ledgerline_bi_reader';

/**
 * The BI schema and its read-only role. The role is cluster-wide and created once (NOLOGIN:
 * analysts' own login roles are made members of it); each BI schema grants it usage, SELECT on
 * the tables there now, and — through default privileges — on every table projections create
 * there later. The event log, read models, saga state and outbox stay invisible to it.
 */
export function biMigrations(biSchema: string): Migrations {
  const bi = sql.id(biSchema);
  return {
    'bi-0001-reader-role': {
      async up(db) {
        await sql`create schema if not exists ${bi}`.execute(db);
        // concurrent first starts (or test suites) may race to create the role: either wins
        await sql.raw(`
          do $$ begin
            if not exists (select from pg_roles where rolname = '${BI_READER_ROLE}') then
              create role ${BI_READER_ROLE} nologin;
            end if;
          exception when duplicate_object or unique_violation then null;
          end $$`).execute(db);
        await sql`grant usage on schema ${bi} to ${sql.id(BI_READER_ROLE)}`.execute(db);
        await sql`grant select on all tables in schema ${bi} to ${sql.id(BI_READER_ROLE)}`.execute(db);
        await sql`alter default privileges in schema ${bi} grant select on tables to ${sql.id(BI_READER_ROLE)}`.execute(db);
      },
    },
  };
}
