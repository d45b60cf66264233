import * as t from 'io-ts';
import { sql } from 'kysely';
import type { Database } from '../../adapters/database/database.js';
import { CursorTimestamp, pageCodec, pageOf, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';

const iso = (value: Date | string) => new Date(value).toISOString();
const parse = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
const UserKey = t.type({ email: t.string, id: t.string });
const PrincipalKey = t.type({ createdAt: CursorTimestamp, clientId: t.string });

/** Support and admin lists of accounts and machine callers (read models only). */
export function accountQueryRoutes(database: Database): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/admin/users',
      summary: 'Find accounts by e-mail (support, admin)',
      tags: ['accounts'],
      auth: { roles: ['support', 'admin'] },
      query: t.intersection([pageQuery, t.partial({ email: t.string })]),
      responses: {
        200: { description: 'Accounts ordered by e-mail', schema: pageCodec(t.type({ id: t.string, email: t.string, display_name: t.string, roles: t.array(t.string), registered_at: t.string })) },
      },
      handle: async ({ query }) => {
        const page = readPageRequest(query, UserKey, { defaultLimit: 50, maxLimit: 200 });
        const email = query.email?.trim().toLowerCase() ?? null;
        const { rows } = await sql<{ id: string; email: string; display_name: string; roles: unknown; registered_at: Date | string }>`
          select id, email, display_name, roles, registered_at from rm_users
          where (${email}::text is null or email = ${email})
            and (${page.after?.email ?? null}::text is null or (email, id) > (${page.after?.email ?? ''}, ${page.after?.id ?? ''}))
          order by email, id limit ${page.limit + 1}`.execute(database.db);
        const items = rows.map((row) => ({ id: row.id, email: row.email, display_name: row.display_name, roles: parse<string[]>(row.roles), registered_at: iso(row.registered_at) }));
        return { status: 200, body: pageOf(items, page, (row) => ({ email: row.email, id: row.id }), UserKey) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/admin/service-principals',
      summary: 'Service principals with their scopes and status (admin); never their secrets',
      tags: ['accounts'],
      auth: { roles: ['admin'] },
      query: pageQuery,
      responses: {
        200: { description: 'Oldest first', schema: pageCodec(t.type({ client_id: t.string, name: t.string, scopes: t.array(t.string), status: t.string, created_at: t.string })) },
      },
      handle: async ({ query }) => {
        const page = readPageRequest(query, PrincipalKey, { defaultLimit: 50, maxLimit: 200 });
        const { rows } = await sql<{ client_id: string; name: string; scopes: unknown; status: string; created_at: Date | string }>`
          select client_id, name, scopes, status, created_at from rm_service_principals
          where (${page.after?.createdAt ?? null}::timestamptz is null or (created_at, client_id) > (${page.after?.createdAt ?? null}::timestamptz, ${page.after?.clientId ?? ''}))
          order by created_at, client_id limit ${page.limit + 1}`.execute(database.db);
        const items = rows.map((row) => ({ client_id: row.client_id, name: row.name, scopes: parse<string[]>(row.scopes), status: row.status, created_at: iso(row.created_at) }));
        return { status: 200, body: pageOf(items, page, (row) => ({ createdAt: row.created_at, clientId: row.client_id }), PrincipalKey) };
      },
    }),
  ];
}
