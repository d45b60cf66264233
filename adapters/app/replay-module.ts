import { randomUUID } from 'node:crypto';
import { left } from 'fp-ts/Either';
import * as t from 'io-ts';
import { domainError } from '../../domain/decider.js';
import type { Projection } from '../../projections/projection.js';
import { isReplayable, replayProjection, type ReplayMode, type ReplayProgress, type ReplayReport } from '../../projections/replay.js';
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

const ReplayView = t.intersection([
  t.type({ replay_id: t.string, projection: t.string, mode: t.string, status: t.string, started_at: t.string }),
  t.partial({ progress: t.unknown, report: t.unknown, error: t.string, finished_at: t.string }),
]);

const viewOf = (job: ReplayJob) => ({
  replay_id: job.id,
  projection: job.projection,
  mode: job.mode,
  status: job.status,
  started_at: job.startedAt,
  ...(job.progress ? { progress: job.progress } : {}),
  ...(job.report ? { report: job.report } : {}),
  ...(job.error ? { error: job.error } : {}),
  ...(job.finishedAt ? { finished_at: job.finishedAt } : {}),
});

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
    replayProjection(deps.database, deps.store, projection, { mode, onProgress: (progress) => (job.progress = progress) }).then(
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
        summary: 'A replay’s progress (events applied, position, log head) and, when done, its report',
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
