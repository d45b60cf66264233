import { left } from 'fp-ts/Either';
import * as t from 'io-ts';
import { sql } from 'kysely';
import type { Database } from '../../adapters/database/database.js';
import { CursorTimestamp, pageCodec, pageOf, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

const Notification = t.type({ id: t.string, kind: t.string, event_id: t.union([t.string, t.null]), title: t.string, body: t.string, created_at: t.string, delivered_at: t.union([t.string, t.null]) });
const CreatedKey = t.type({ createdAt: CursorTimestamp, id: t.string });

// The code predates the notifications context (the route was ticketing's); clients may match on it.
const usersOnly = () => left(domainError('forbidden', 'ticketing.users_only', 'tickets and notifications belong to users, not to machine callers'));

/** Query routes of notifications: they read only `rm_notifications` (T-9). */
export function notificationQueryRoutes(database: Database): Route[] {
  const db = database.db;
  return [
    defineRoute({
      method: 'get',
      path: '/api/notifications',
      summary: 'The caller’s notifications, newest first: purchases, cancellations, reminders (T-9)',
      tags: ['notifications'],
      auth: {},
      query: pageQuery,
      responses: { 200: { description: 'A page of notifications', schema: pageCodec(Notification) }, 403: { description: 'Not a user' } },
      handle: async ({ query, principal }) => {
        if (principal.kind !== 'user') return usersOnly();
        const page = readPageRequest(query, CreatedKey, { defaultLimit: 50, maxLimit: 200 });
        const { rows } = await sql<{ id: string; kind: string; gathering_id: string | null; title: string; body: string; created_at: Date | string; delivered_at: Date | string | null }>`
          select id, kind, gathering_id, title, body, created_at, delivered_at from rm_notifications
          where user_id = ${principal.id}
            and (${page.after?.createdAt ?? null}::timestamptz is null or (created_at, id) < (${page.after?.createdAt ?? null}::timestamptz, ${page.after?.id ?? ''}))
          order by created_at desc, id desc limit ${page.limit + 1}`.execute(db);
        const items = rows.map((row) => ({ id: row.id, kind: row.kind, event_id: row.gathering_id, title: row.title, body: row.body, created_at: iso(row.created_at)!, delivered_at: iso(row.delivered_at) }));
        return { status: 200, body: pageOf(items, page, (row) => ({ createdAt: row.created_at, id: row.id }), CreatedKey) };
      },
    }),
  ];
}
