import { createHash, timingSafeEqual } from 'node:crypto';
import * as t from 'io-ts';
import { renderMetrics } from '../observability/metrics.js';
import { HttpProblem } from './problem.js';
import { checkReadiness, type ReadinessCheck } from './readiness.js';
import { defineRoute, type Route } from './route.js';

/** /healthz, /readyz, /metrics and /openapi.json — declared like every other route. */
export function platformRoutes(deps: {
  readonly readinessChecks: readonly ReadinessCheck[];
  readonly openApiDocument: () => unknown;
  /** GET /metrics requires `Authorization: Bearer <metricsToken>`; absent, only loopback callers are answered. */
  readonly metricsToken?: string | undefined;
}): Route[] {
  const metricsToken = deps.metricsToken === undefined ? undefined : digest(deps.metricsToken);
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: 200 while the process serves requests',
      tags: ['platform'],
      auth: 'public',
      responses: { 200: { description: 'Alive', schema: t.type({ status: t.literal('ok') }) } },
      handle: async () => ({ status: 200, body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: database and event store reachable',
      description: 'Runs every readiness check; 503 problem naming each failed check.',
      tags: ['platform'],
      auth: 'public',
      responses: {
        200: { description: 'Ready', schema: t.type({ status: t.literal('ready'), checks: t.array(t.type({ name: t.string, ok: t.boolean })) }) },
        503: { description: 'Not ready; the problem names the failed checks' },
      },
      handle: async ({ log }) => {
        const report = await checkReadiness(deps.readinessChecks);
        if (report.ready) return { status: 200, body: { status: 'ready', checks: report.checks.map(({ name, ok }) => ({ name, ok })) } };
        const failed = report.checks.filter((c) => !c.ok);
        log.warn({ failed }, 'not ready');
        throw new HttpProblem(503, 'platform.not_ready', `Not ready: ${failed.map((c) => c.name).join(', ')} failed`, {
          field: failed.map((c) => c.name).join(','),
          headers: { 'Retry-After': '5' },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (text exposition format)',
      description:
        'With METRICS_TOKEN set, the scraper sends `Authorization: Bearer <METRICS_TOKEN>` (not an access token); without it only callers on this machine (loopback) are answered.',
      tags: ['platform'],
      auth: 'public',
      responses: {
        200: { description: 'Metrics', schema: t.string, contentType: 'text/plain' },
        403: { description: 'Not the metrics token, or not a loopback caller when no token is configured' },
      },
      handle: async ({ headers, clientIp }) => {
        if (!metricsAllowed(metricsToken, headers.authorization, clientIp)) {
          throw new HttpProblem(403, 'metrics.forbidden', metricsToken ? 'GET /metrics needs the metrics bearer token' : 'GET /metrics answers callers on this machine only (set METRICS_TOKEN to scrape from elsewhere)');
        }
        const { contentType, text } = await renderMetrics();
        return { status: 200, body: text, headers: { 'Content-Type': contentType } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      summary: 'This API’s OpenAPI 3.1 document',
      tags: ['platform'],
      auth: 'public',
      responses: { 200: { description: 'OpenAPI document', schema: t.UnknownRecord } },
      handle: async () => ({ status: 200, body: deps.openApiDocument() }),
    }),
  ];
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

function metricsAllowed(token: Buffer | undefined, authorization: string | undefined, clientIp: string): boolean {
  // Behind a reverse proxy on the same machine every caller looks local: set METRICS_TOKEN there.
  if (token === undefined) return /^(127\.|::ffff:127\.)/.test(clientIp) || clientIp === '::1';
  const offered = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  return offered !== undefined && timingSafeEqual(digest(offered), token);
}
