import { left } from 'fp-ts/Either';
import * as t from 'io-ts';
import { sql } from 'kysely';
import { domainError } from '../../domain/decider.js';
import { listDeadLetters, retryDeadLetter } from '../../sagas/outbox.js';
import { formatPosition } from '../eventstore/event-store.js';
import { defineRoute } from '../http/route.js';
import { biTablesRoutes } from './bi-tables-routes.js';
import type { ContextModule, SystemDependencies } from './context-module.js';

const DeadLetter = t.type({
  idempotencyKey: t.string,
  kind: t.string,
  attempts: t.number,
  lastError: t.union([t.string, t.null]),
  createdAt: t.string,
});

const ProjectionStatus = t.type({
  name: t.string,
  position: t.string,
  updatedAt: t.string,
  /** `stopped`: an event it cannot read (malformed, unknown type or a newer version) holds it; `error` names stream, revision and position. */
  status: t.keyof({ running: null, stopped: null }),
  stoppedAt: t.union([t.string, t.null]),
  error: t.union([t.string, t.null]),
});

/** Operator endpoints of the runtime itself: dead letters of the outbox and projection positions. */
export function platformModule(deps: SystemDependencies): ContextModule {
  return {
    name: 'platform',
    routes: [
      defineRoute({
        method: 'get',
        path: '/api/admin/dead-letters',
        summary: 'Outbox effects that exhausted their attempts',
        tags: ['operations'],
        auth: { roles: ['support', 'admin'] },
        query: t.partial({ after: t.string }),
        responses: { 200: { description: 'Oldest first; page on with ?after=<last idempotencyKey>', schema: t.type({ items: t.array(DeadLetter) }) } },
        handle: async ({ query }) => {
          const items = await listDeadLetters(deps.database.db, 100, query.after);
          return { status: 200, body: { items: items.map(({ payload: _payload, ...rest }) => rest) } };
        },
      }),
      defineRoute({
        method: 'post',
        path: '/api/admin/dead-letters/:key/retry',
        summary: 'Put a dead letter back in the outbox with a fresh attempt budget',
        tags: ['operations'],
        auth: { roles: ['admin'] },
        params: t.type({ key: t.string }),
        responses: { 202: { description: 'Queued again' }, 404: { description: 'No dead letter with that key' } },
        handle: async ({ params }) => {
          const retried = await retryDeadLetter(deps.database.db, params.key, deps.clock.now());
          if (!retried) return left(domainError('not_found', 'dead_letter.not_found', `no dead letter ${params.key}`, 'key'));
          return { status: 202, body: { idempotencyKey: params.key, status: 'pending' } };
        },
      }),
      defineRoute({
        method: 'get',
        path: '/api/admin/projections',
        summary: 'Where each projection and saga has read the log up to',
        tags: ['operations'],
        auth: { roles: ['support', 'admin'] },
        responses: { 200: { description: 'Checkpoints and the log head', schema: t.type({ head: t.string, items: t.array(ProjectionStatus) }) } },
        handle: async () => {
          const { rows } = await sql<{ name: string; commit_position: string; prepare_position: string; updated_at: Date | string; stopped_at: Date | string | null; stopped_reason: string | null }>`
            select name, commit_position::text, prepare_position::text, updated_at, stopped_at, stopped_reason from projection_checkpoints order by name`.execute(deps.database.db);
          const head = await deps.store.headPosition();
          return {
            status: 200,
            body: {
              head: formatPosition(head),
              items: rows.map((row) => ({
                name: row.name,
                position: `${row.commit_position}/${row.prepare_position}`,
                updatedAt: new Date(row.updated_at).toISOString(),
                status: row.stopped_at === null ? 'running' : 'stopped',
                stoppedAt: row.stopped_at === null ? null : new Date(row.stopped_at).toISOString(),
                error: row.stopped_reason,
              })),
            },
          };
        },
      }),
      ...biTablesRoutes(deps.database),
    ],
  };
}
