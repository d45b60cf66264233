import type { RequestListener } from 'node:http';
import type { AppConfig } from '../config/app-config.js';
import { startHttpServer, type HttpServerHandle } from '../http/http-server.js';
import type { Logger } from '../observability/logger.js';

/** One finished phase of the start: its name, how long it took, when it ended (ms since the process started). */
export interface FinishedPhase {
  readonly phase: string;
  readonly ms: number;
  readonly atMs: number;
}

/** A phase that has not finished after this long says what it is still doing, and again every interval. */
const SLOW_PHASE_MS = 1000;

/**
 * The start of a process, phase by phase (configuration, database, migrations, event log,
 * contexts, TON emulator, workers, listening): one log line per finished phase with `phase`,
 * `ms` (its duration) and `atMs` (milliseconds since the process started), and a line naming
 * what a phase is still doing — and why it can take long — when it takes over a second.
 * `current` is what /readyz names while the process is starting.
 */
export class StartupProgress {
  private readonly running = new Map<string, string>();
  private readonly finished: FinishedPhase[] = [];
  private readyAt: number | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The phases not finished yet (what the process is doing now), empty once ready. */
  get current(): readonly string[] {
    return [...this.running.keys()];
  }

  get phases(): readonly FinishedPhase[] {
    return this.finished;
  }

  get ready(): boolean {
    return this.readyAt !== undefined;
  }

  /**
   * Run one phase. `doing` says what it does while it runs (and why it may be slow), shown
   * when it takes over a second; `done` turns its result into the fields and message of its line.
   */
  async run<T>(phase: string, doing: string, work: () => Promise<T> | T, done?: (result: T) => { readonly fields?: Record<string, unknown>; readonly message?: string }): Promise<T> {
    const started = this.now();
    this.running.set(phase, doing);
    const slow = setInterval(() => {
      this.logger.info({ phase, ms: Math.round(this.now() - started), still: true }, `${phase}: still ${doing}`);
    }, SLOW_PHASE_MS);
    slow.unref();
    try {
      const result = await work();
      const shown = done?.(result) ?? {};
      this.finish(phase, started, shown.fields ?? {}, shown.message);
      return result;
    } catch (error) {
      this.logger.error({ phase, ms: Math.round(this.now() - started), err: error }, `${phase}: failed`);
      throw error;
    } finally {
      clearInterval(slow);
      this.running.delete(phase);
    }
  }

  /** A phase that took no measurable work of its own (e.g. configuration read before the logger existed). */
  record(phase: string, ms: number, fields: Record<string, unknown> = {}, message?: string): void {
    this.finish(phase, this.now() - ms, fields, message);
  }

  /** Everything is up: one line with the total and the phases. */
  markReady(fields: Record<string, unknown>, message: string): void {
    this.readyAt = this.now();
    const phases = Object.fromEntries(this.finished.map((p) => [p.phase, p.ms]));
    this.logger.info({ phase: 'ready', ms: Math.round(this.readyAt), phases, ...fields }, message);
  }

  private finish(phase: string, started: number, fields: Record<string, unknown>, message: string | undefined): void {
    const end = this.now();
    const entry = { phase, ms: Math.round(end - started), atMs: Math.round(end) };
    this.finished.push(entry);
    this.logger.info({ ...entry, ...fields }, message ? `${phase}: ${message}` : phase);
  }
}

/** What answers HTTP while the process starts, and how the real application takes over on the same socket. */
export interface StartingListener {
  readonly listener: RequestListener;
  /** From now on every request goes to `app`. */
  serve(app: RequestListener): void;
}

/**
 * Until the application is built: GET /healthz answers 200 (the process is alive), GET /readyz
 * 503 `{status: "starting", phases: [...]}` naming what the start is doing, and everything else
 * 503 problem+json `server.starting` with `Retry-After: 1`. The socket is bound once; `serve`
 * swaps the handler, so no request is refused between the two.
 */
export function startingListener(progress: StartupProgress): StartingListener {
  const starting: RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const doing = progress.current;
    const headers = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Retry-After': '1' };
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
    } else if (req.method === 'GET' && path === '/readyz') {
      const body = { status: 'starting', phases: doing, done: progress.phases.map((p) => p.phase) };
      res.writeHead(503, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    } else {
      const detail = `Ledgerline is starting (${doing.length ? doing.join(', ') : 'almost done'}); try again in a moment`;
      const body = { type: 'urn:ledgerline:problem:server.starting', title: 'Service Unavailable', status: 503, code: 'server.starting', detail };
      res.writeHead(503, { ...headers, 'Content-Type': 'application/problem+json' }).end(JSON.stringify(body));
    }
    req.resume();
  };
  let current = starting;
  return {
    listener: (req, res) => current(req, res),
    serve(app) {
      current = app;
    },
  };
}

/** Bind the API's port with a listener that answers while the process starts (see startingListener). */
export async function listenWhileStarting(config: AppConfig, progress: StartupProgress): Promise<{ server: HttpServerHandle; starting: StartingListener }> {
  const starting = startingListener(progress);
  const server = await progress.run(
    'listening',
    `binding ${config.server.host}:${config.server.port}`,
    () => startHttpServer(starting.listener, config.server.port, config.server.host, config.server.timeouts),
    (handle) => ({ fields: { url: handle.url }, message: `on ${handle.url} (/healthz answers now; /readyz says 503 "starting" until the start is done)` }),
  );
  return { server, starting };
}
