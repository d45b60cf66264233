import { FORGOTTEN, pickEvents } from '../../domain/event-codec.js';
import { clientOfStream } from '../../domain/accounts/service-principal.js';
import { userOfStream } from '../../domain/accounts/user.js';
import * as t from 'io-ts';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { ServicePrincipalEvent } from '../../domain/accounts/service-principal.js';
import { UserEvent } from '../../domain/accounts/user.js';
import { defineProjection } from '../projection.js';

export const ACCOUNTS_PROJECTION = 'accounts';

/**
 * `rm_users` (id, e-mail, name, roles) and `rm_service_principals` (client id, name, scopes,
 * status) for support and admin lists. No password hash, secret hash or token is copied here.
 */
export function accountProjection() {
  return defineProjection({
    name: ACCOUNTS_PROJECTION,
    events: pickEvents(t.union([UserEvent, ServicePrincipalEvent]), ['UserRegistered', 'UserRoleGranted', 'UserRoleRevoked', 'UserForgotten', 'ServicePrincipalCreated', 'ServicePrincipalDisabled']),
    migrations: accountMigrations,
    async apply(trx, events) {
      for (const recorded of events) {
        const event = recorded;
        const id = userOfStream(recorded.streamName) ?? clientOfStream(recorded.streamName) ?? recorded.streamName;
        switch (event.type) {
          case 'UserRegistered':
            await sql`
              insert into rm_users (id, email, display_name, roles, registered_at)
              values (${id}, ${event.data.email}, ${event.data.displayName}, ${JSON.stringify(event.data.roles)}::jsonb, ${event.data.registeredAt}::timestamptz)
              on conflict (id) do nothing`.execute(trx);
            break;
          case 'UserRoleGranted':
            await sql`update rm_users set roles = roles || ${JSON.stringify([event.data.role])}::jsonb where id = ${id} and not roles ? ${event.data.role}`.execute(trx);
            break;
          case 'UserRoleRevoked':
            await sql`update rm_users set roles = roles - ${event.data.role}::text where id = ${id}`.execute(trx);
            break;
          case 'UserForgotten':
            // Blank the live row at once; a rebuild reads the sealed fields as FORGOTTEN anyway.
            await sql`update rm_users set email = ${FORGOTTEN}, display_name = ${FORGOTTEN} where id = ${id}`.execute(trx);
            break;
          case 'ServicePrincipalCreated':
            await sql`
              insert into rm_service_principals (client_id, name, scopes, status, created_by, created_at)
              values (${id}, ${event.data.name}, ${JSON.stringify(event.data.scopes)}::jsonb, 'active', ${event.data.createdBy}, ${event.data.createdAt}::timestamptz)
              on conflict (client_id) do nothing`.execute(trx);
            break;
          case 'ServicePrincipalDisabled':
            await sql`update rm_service_principals set status = 'disabled' where client_id = ${id}`.execute(trx);
            break;
        }
      }
    },
  });
}

/** Queries of the accounts read model other contexts may be handed (through a port of theirs). */
export function accountQueries(db: Kysely<any>) {
  return {
    /** The ids of the users holding `role` now (forgotten accounts included: their roles were revoked when closed, if at all). */
    async usersWithRole(role: string): Promise<string[]> {
      const { rows } = await sql<{ id: string }>`select id from rm_users where roles ? ${role} and email <> ${FORGOTTEN} order by id limit 1000`.execute(db);
      return rows.map((r) => r.id);
    },
  };
}

const accountMigrations: Migrations = {
  'accounts-0001-tables': {
    async up(db) {
      await sql`
        create table rm_users (
          id text primary key,
          email text not null,
          display_name text not null,
          roles jsonb not null,
          registered_at timestamptz not null
        )`.execute(db);
      await sql`create index rm_users_email on rm_users (email)`.execute(db);
      await sql`
        create table rm_service_principals (
          client_id text primary key,
          name text not null,
          scopes jsonb not null,
          status text not null,
          created_by text not null,
          created_at timestamptz not null
        )`.execute(db);
    },
  },
};
