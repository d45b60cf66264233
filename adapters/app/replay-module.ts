import { randomUUID } from 'node:crypto';
import { left } from 'fp-ts/Either';
import * as t from 'io-ts';
import { sql } from 'kysely';
import { domainError } from '../../domain/decider.js';
import type { Projection } from '../../projections/projection.js';
import { isReplayable, replayProjection, type CountEvents, type ReplayMode, type ReplayProgress, type ReplayReport } from '../../projections/replay.js';
import type { Database } from '../database/database.js';
import { defineRoute } from '../http/route.js';
import type { ContextModule, SystemDependencies } from './context-module.js';

interface ReplayJob {
  readonly id: string;
  readonly projection: string;
  readonly mode: ReplayMode;
  readonly startedAt: string;
  status: 'running' | 'done' | 'failed';
  progress?: ReplayProgress;
  report?: ReplayReport;
  error?: string;
  finishedAt?: string;
}

const ProgressView = t.type({
  projection: t.string,
  phase: t.keyof({ building: null, comparing: null, indexing: null, swapping: null, done: null }),
  events: t.number,
  position: t.string,
  head: t.string,
  total_events: t.union([t.number, t.null]),
  estimated: t.boolean,
  events_per_second: t.number,
  eta_seconds: t.union([t.number, t.null]),
});

const ReportView = t.type({
  projection: t.string,
  mode: t.keyof({ rebuild: null, verify: null }),
  events: t.number,
  seconds: t.number,
  position: t.string,
  tables: t.array(t.type({ table: t.string, liveRows: t.number, rebuiltRows: t.number, onlyLive: t.number, onlyRebuilt: t.number })),
  equal: t.boolean,
});

const ReplayView = t.intersection([
  t.type({ replay_id: t.string, projection: t.string, mode: t.string, status: t.string, started_at: t.string }),
  t.partial({ progress: ProgressView, report: ReportView, error: t.string, finished_at: t.string }),
]);

const progressView = (progress: ReplayProgress): t.TypeOf<typeof ProgressView> => ({
  projection: progress.projection,
  phase: progress.phase,
  events: progress.events,
  position: progress.position,
  head: progress.head,
  total_events: progress.totalEvents,
  estimated: progress.estimated,
  events_per_second: progress.eventsPerSecond,
  eta_seconds: progress.etaSeconds,
});

const viewOf = (job: ReplayJob) => ({
  replay_id: job.id,
  projection: job.projection,
  mode: job.mode,
  status: job.status,
  started_at: job.startedAt,
  ...(job.progress ? { progress: progressView(job.progress) } : {}),
  ...(job.report ? { report: job.report } : {}),
  ...(job.error ? { error: job.error } : {}),
  ...(job.finishedAt ? { finished_at: job.finishedAt } : {}),
});

/**
 * The PostgreSQL log counts what a replay will read: the events of the projection's types in
 * `$all` after one position up to another (the head, below every transaction in flight, as
 * `readAll` reads). The first count, from the start, scans the events table once; the later
 * ones (from the last head to the new one) are ranges of the `$all` order index. Here and not
 * in the EventStore port: EventStoreDB cannot count by event type without reading, and the
 * replay estimates instead.
 */
export const countEventsInPostgresLog =
  (database: Database): CountEvents =>
  async (eventTypes, after, upTo) => {
    const { rows } = await sql<{ n: string }>`
      select count(*)::text as n from events
      where event_type = any(${[...eventTypes]}::text[])
        and (transaction_id, global_position) > (${after.commit.toString()}::text::xid8, ${after.prepare.toString()}::bigint)
        and (transaction_id, global_position) <= (${upTo.commit.toString()}::text::xid8, ${upTo.prepare.toString()}::bigint)`.execute(database.db);
    return Number(rows[0]!.n);
  };

/**
 * The replay tool over HTTP (SPEC X-4), for operators: rebuild a projection from the log, or
 * verify that rebuilding it gives the live state, without stopping the API; follow the progress
 * with GET. A replay runs in the process that received it (`scripts/replay.ts` drives it).
 */
export function replayModule(deps: SystemDependencies, projections: readonly Projection[]): ContextModule {
  const jobs = new Map<string, ReplayJob>();
  const byName = new Map(projections.map((projection) => [projection.name, projection]));
  const start = (projection: Projection, mode: ReplayMode): ReplayJob => {
    const job: ReplayJob = { id: randomUUID(), projection: projection.name, mode, startedAt: new Date().toISOString(), status: 'running' };
    jobs.set(job.id, job);
    const log = deps.logger.child({ replay: job.id, projection: projection.name, mode });
    log.info('replay started');
    const countEvents = deps.store.kind === 'postgres' ? countEventsInPostgresLog(deps.database) : undefined;
    replayProjection(deps.database, deps.store, projection, { mode, countEvents, onProgress: (progress) => (job.progress = progress) }).then(
      (report) => {
        Object.assign(job, { status: 'done', report, finishedAt: new Date().toISOString() });
        log.info({ events: report.events, seconds: report.seconds, equal: report.equal }, 'replay finished');
      },
      (error: unknown) => {
        Object.assign(job, { status: 'failed', error: error instanceof Error ? error.message : String(error), finishedAt: new Date().toISOString() });
        log.error({ err: error }, 'replay failed');
      },
    );
    return job;
  };
  return {
    name: 'replay',
    routes: [
      defineRoute({
        method: 'post',
        path: '/api/admin/projections/:name/replay',
        summary: 'Rebuild a projection from the log (or verify that a rebuild equals the live state) without stopping the API',
        description:
          'mode rebuild (default): rebuilt in shadow tables, then swapped in atomically; the live projection carries on from there. mode verify: rebuilt to the live position and compared row for row; nothing live changes. Follow with GET /api/admin/replays/{id}.',
        tags: ['operations'],
        auth: { roles: ['admin'] },
        params: t.type({ name: t.string }),
        body: t.union([t.undefined, t.partial({ mode: t.keyof({ rebuild: null, verify: null }) })]),
        responses: {
          202: { description: 'Started', schema: ReplayView },
          404: { description: 'No such projection' },
          409: { description: 'A replay of this projection is running' },
          422: { description: 'Not replayable (a saga, or a projection without tables)' },
        },
        handle: async ({ params, body }) => {
          const projection = byName.get(params.name);
          if (!projection) return left(domainError('not_found', 'projection.not_found', `no projection ${params.name}`, 'name'));
          if (!isReplayable(projection)) return left(domainError('rule_violated', 'projection.not_replayable', `${params.name} owns no tables (a saga's effects are not replayed)`, 'name'));
          if ([...jobs.values()].some((job) => job.projection === projection.name && job.status === 'running')) {
            return left(domainError('conflict', 'replay.running', `a replay of ${params.name} is running`, 'name'));
          }
          const job = start(projection, body?.mode ?? 'rebuild');
          return { status: 202, body: viewOf(job), headers: { Location: `/api/admin/replays/${job.id}` } };
        },
      }),
      defineRoute({
        method: 'get',
        path: '/api/admin/replays/:id',
        summary: 'A replay’s progress (events applied of the total to read, rate, ETA, position, log head) and, when done, its report',
        description:
          'progress.total_events: the events of the projection’s types the replay reads — counted up to the current log head on the PostgreSQL log (estimated false), estimated from positions on EventStoreDB (estimated true; null before anything was read). A rebuild also reads what is appended while it runs, so the total follows the head; when done it is the number read. events_per_second: events applied per second of building so far; eta_seconds: the rest of the total at that rate (null when unknown).',
        tags: ['operations'],
        auth: { roles: ['support', 'admin'] },
        params: t.type({ id: t.string }),
        responses: { 200: { description: 'The replay', schema: ReplayView }, 404: { description: 'No such replay in this process' } },
        handle: async ({ params }) => {
          const job = jobs.get(params.id);
          if (!job) return left(domainError('not_found', 'replay.not_found', `no replay ${params.id} in this process`, 'id'));
          return { status: 200, body: viewOf(job) };
        },
      }),
    ],
  };
}
