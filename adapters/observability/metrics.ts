import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics, served by GET /metrics. Other modules record through the
 * functions below and never touch prom-client themselves.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request latency by method, route template and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

const eventsAppended = new Counter({
  name: 'eventstore_events_appended_total',
  help: 'Events appended to the log, by stream category',
  labelNames: ['category'] as const,
  registers: [metricsRegistry],
});

const commandDuration = new Histogram({
  name: 'command_duration_seconds',
  help: 'Command handling latency (load, decide, append) by command and outcome',
  labelNames: ['command', 'outcome'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

const projectionLagEvents = new Gauge({
  name: 'projection_lag_events',
  help: 'Events in the log not yet applied by the projection',
  labelNames: ['projection'] as const,
  registers: [metricsRegistry],
});

const projectionLagSeconds = new Gauge({
  name: 'projection_lag_seconds',
  help: 'Age of the newest event the projection has applied, relative to the log head',
  labelNames: ['projection'] as const,
  registers: [metricsRegistry],
});

/** `route` is the declared template (`/api/events/:id`), never the concrete path. */
export function recordHttpRequest(method: string, route: string, status: number, seconds: number): void {
  httpRequestDuration.observe({ method, route, status: String(status) }, seconds);
}

export function recordEventsAppended(category: string, count: number): void {
  if (count > 0) eventsAppended.inc({ category }, count);
}

export function recordCommand(command: string, outcome: 'ok' | 'rejected' | 'failed', seconds: number): void {
  commandDuration.observe({ command, outcome }, seconds);
}

const projectionStopped = new Gauge({
  name: 'projection_stopped',
  help: '1 while the projection is stopped by an event it cannot read (see GET /api/admin/projections), else 0',
  labelNames: ['projection'] as const,
  registers: [metricsRegistry],
});

export function recordProjectionLag(projection: string, lag: { readonly events: number; readonly seconds: number; readonly stopped?: boolean }): void {
  projectionLagEvents.set({ projection }, lag.events);
  projectionLagSeconds.set({ projection }, lag.seconds);
  projectionStopped.set({ projection }, lag.stopped ? 1 : 0);
}

const databaseStatements = new Counter({
  name: 'database_statements_total',
  help: 'Statements this process sent to the database (BEGIN and COMMIT included): the cost of a request or a batch in round trips',
  registers: [metricsRegistry],
});
let statementsSent = 0;

/** Called by the database layer for every statement it sends (adapters/database/open-database.ts). */
export function recordDatabaseStatement(): void {
  statementsSent++;
  databaseStatements.inc();
}

/** Statements this process has sent since it started (the benchmarks read it before and after a run). */
export function databaseStatementsSent(): number {
  return statementsSent;
}

/** Prometheus text exposition of every metric, and its content type. */
export async function renderMetrics(): Promise<{ readonly contentType: string; readonly text: string }> {
  return { contentType: metricsRegistry.contentType, text: await metricsRegistry.metrics() };
}
