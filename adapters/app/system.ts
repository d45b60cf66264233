import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../platform/clock.js';
import { systemClock } from '../../platform/clock.js';
import { BackgroundLoop } from '../../sagas/background-loop.js';
import { OutboxWorker } from '../../sagas/outbox-worker.js';
import { processMigrations } from '../../sagas/process-migrations.js';
import { effectHandlerTable } from '../../sagas/effect-kind.js';
import { sagaProjection, sagaTimerFiring } from '../../sagas/saga.js';
import { timerHandlerTable } from '../../sagas/timer-kind.js';
import { TimerWorker } from '../../sagas/timers.js';
import { checkpointMigrations } from '../../projections/checkpoint-migrations.js';
import { biMigrations } from '../../projections/bi-migrations.js';
import { waitForProjection } from '../../projections/checkpoints.js';
import { formatPosition } from '../eventstore/event-store.js';
import { ProjectionRunner } from '../../projections/projection-runner.js';
import { publishedStreamRoutes } from '../../projections/published-streams/published-stream-routes.js';
import { resolveJwtSecret } from '../config/jwt-secret.js';
import type { AppConfig } from '../config/app-config.js';
import type { Database } from '../database/database.js';
import { migrate } from '../database/migrations.js';
import { openDatabase } from '../database/open-database.js';
import { EventStoreDbEventStore } from '../eventstore/eventstoredb/eventstoredb-event-store.js';
import { instrumentedEventStore } from '../eventstore/instrumented-event-store.js';
import { PersonalDataVault, personalDataMigrations, personalDataStore } from '../eventstore/personal-data-vault.js';
import { eventLogMigrations } from '../eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../eventstore/postgres/postgres-event-store.js';
import { createHttpApp } from '../http/create-app.js';
import type { HttpServerHandle } from '../http/http-server.js';
import { httpMigrations } from '../http/http-migrations.js';
import { databaseReadiness, eventStoreReadiness } from '../http/readiness.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { recordProjectionLag } from '../observability/metrics.js';
import type { ContextFactory, ContextModule, SystemDependencies } from './context-module.js';
import { platformModule } from './platform-module.js';
import { DeclaredRoles } from './role-registry.js';
import { replayModule } from './replay-module.js';
import { listenWhileStarting, StartupProgress, type StartingListener } from './startup-progress.js';

/** `all`: API and workers in one process (npm start); `api` and `worker` for the scaled-out shape. */
export type ProcessRole = 'all' | 'api' | 'worker';

export interface SystemOptions {
  readonly config: AppConfig;
  readonly role: ProcessRole;
  readonly contexts: readonly ContextFactory[];
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Tests pass an already-open database (their own schema). */
  readonly database?: Database;
  readonly effectOptions?: ConstructorParameters<typeof OutboxWorker>[2];
  readonly timerPollMs?: number;
  /** Where the start's phases are reported (bin/serve.ts passes the one it began with). */
  readonly progress?: StartupProgress;
  /** A server already listening with a starting listener (bin/serve.ts binds the port before loading the code); the app takes it over. */
  readonly listening?: { readonly server: HttpServerHandle; readonly starting: StartingListener };
}

export interface RunningSystem {
  readonly dependencies: SystemDependencies;
  readonly modules: readonly ContextModule[];
  /** Port the API listens on (when this process serves it). */
  readonly port: number | undefined;
  readonly outbox: OutboxWorker | undefined;
  readonly timers: TimerWorker | undefined;
  /** Graceful: stop taking requests and drain them, finish work in hand, close the stores. */
  stop(): Promise<void>;
}

/**
 * The composition root: opens the database and the event log named by the configuration,
 * builds every context, applies all migrations, then starts the workers (projections, sagas,
 * outbox, timers) and/or the HTTP API according to the role.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const { config, role } = options;
  const logger = options.logger ?? createLogger({ level: config.logging.level, name: role });
  const progress = options.progress ?? new StartupProgress(logger);
  // The port is bound first: /healthz answers 200 and /readyz 503 naming the phase while the rest starts.
  const listening = role === 'worker' ? undefined : (options.listening ?? (await listenWhileStarting(config, progress)));
  try {
    return await startOnServer(options, logger, progress, listening);
  } catch (error) {
    await listening?.server.close(0);
    throw error;
  }
}

async function startOnServer(
  options: SystemOptions,
  logger: Logger,
  progress: StartupProgress,
  listening: { readonly server: HttpServerHandle; readonly starting: StartingListener } | undefined,
): Promise<RunningSystem> {
  const { config, role } = options;
  const clock = options.clock ?? systemClock;
  const ownsDatabase = !options.database;
  const database =
    options.database ??
    (await progress.run(
      'database',
      config.storage.databaseUrl
        ? 'connecting to DATABASE_URL'
        : existsSync(join(config.storage.pgliteDir, 'PG_VERSION'))
          ? `starting PGlite in ${config.storage.pgliteDir} (PostgreSQL compiled to WebAssembly: it compiles and reads its files at start)`
          : `creating a new PGlite database in ${config.storage.pgliteDir} (first start: PostgreSQL's initdb in WebAssembly takes several seconds, once)`,
      () => openDatabase({ url: config.storage.databaseUrl, dataDir: config.storage.pgliteDir, poolSize: config.storage.databasePoolSize }),
      (db) => ({ fields: { database: db.kind }, message: db.kind === 'pglite' ? `PGlite open in ${config.storage.pgliteDir}` : 'PostgreSQL connected' }),
    ));
  // Personal fields are sealed with their subject's key on the way into the log and opened on the way out.
  const personalData = new PersonalDataVault(database);
  const store = instrumentedEventStore(
    personalDataStore(
      config.storage.eventStoreUrl
        ? EventStoreDbEventStore.connect(config.storage.eventStoreUrl)
        : new PostgresEventStore(database, config.projections.pollMs),
      personalData,
    ),
  );
  const jwtSecret = await resolveJwtSecret({ jwtSecret: config.auth.jwtSecret, dataDir: config.storage.dataDir });
  const roles = new DeclaredRoles();
  // Live connections (published streams, order feeds) end when shutdown starts, so the server's drain does not wait on them.
  const shuttingDown = new AbortController();
  const dependencies: SystemDependencies = {
    shutdown: shuttingDown.signal,
    database,
    store,
    clock,
    logger,
    jwtSecret,
    accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
    dataDir: config.storage.dataDir,
    localBaseUrl: `http://127.0.0.1:${listening?.server.port ?? config.server.port}`,
    config,
    roles,
    personalData,
    waitForProjection: (projection, position, timeoutMs) => waitForProjection(database, projection, position, timeoutMs),
  };

  const contextModules = await progress.run(
    'contexts',
    'building the contexts (the gateway opens its TON side)',
    async () => [platformModule(dependencies), ...(await Promise.all(options.contexts.map((context) => context(dependencies))))],
    (built) => ({ fields: { contexts: built.map((module) => module.name) }, message: `${built.length} contexts built` }),
  );
  roles.register(contextModules);
  const knownProjections = [
    ...contextModules.flatMap((module) => module.projections ?? []),
    ...contextModules.flatMap((module) => module.sagas ?? []).map((saga) => sagaProjection(saga, clock)),
  ];
  const modules = [...contextModules, replayModule(dependencies, knownProjections)];
  await progress.run('migrations', 'applying the schema migrations (a first start creates every table)', () => migrate(
    database,
    ...(store.kind === 'postgres' ? [eventLogMigrations] : []),
    personalDataMigrations,
    checkpointMigrations,
    biMigrations(database.biSchema),
    processMigrations,
    httpMigrations,
    ...modules.flatMap((module) => module.migrations ?? []),
  ), (done) => ({ fields: done, message: done.applied === 0 ? `all ${done.known} applied before (one query)` : `${done.applied} of ${done.known} applied now` }));
  await progress.run(
    'event log',
    store.kind === 'postgres' ? 'reading the head of the event log table' : 'connecting to EventStoreDB (EVENTSTORE_URL)',
    () => store.headPosition(),
    (head) => ({ fields: { eventLog: store.kind, head: formatPosition(head) }, message: `${store.kind === 'postgres' ? 'PostgreSQL table' : 'EventStoreDB'}, head at position ${formatPosition(head)}` }),
  );

  let runner: ProjectionRunner | undefined;
  let outbox: OutboxWorker | undefined;
  let timers: TimerWorker | undefined;
  // Every process checks the wiring at start: an effect or timer kind handled twice stops it here.
  const sagas = modules.flatMap((module) => module.sagas ?? []);
  const effectHandlers = effectHandlerTable(modules.flatMap((module) => (module.effects ?? []).map((performer) => ({ owner: module.name, performer }))));
  const timerHandlers = timerHandlerTable([
    ...modules.flatMap((module) => (module.timers ?? []).map((firing) => ({ owner: module.name, firing }))),
    ...sagas.flatMap((saga) => {
      const firing = sagaTimerFiring(saga);
      return firing ? [{ owner: `saga ${saga.name}`, firing }] : [];
    }),
  ]);

  if (role !== 'api') {
    const sagaProjections = sagas.map((saga) => sagaProjection(saga, clock));
    // a saga's batch stores its reactions' effects in this process: the outbox claims them at once, not at its next poll
    const sagaNames = new Set(sagaProjections.map((projection) => projection.name));
    runner = new ProjectionRunner(
      database,
      store,
      [...modules.flatMap((module) => module.projections ?? []), ...sagaProjections],
      {
        pollMs: config.projections.pollMs,
        onApplied: (projection) => {
          if (sagaNames.has(projection)) outbox?.wake();
        },
        onProgress: (progress) => recordProjectionLag(progress.name, { events: progress.lagEvents, seconds: progress.lagSeconds, stopped: progress.stopped ?? false }),
        onStopped: (projection, err) => logger.error({ err, projection }, 'projection stopped: an event it cannot read holds it (see GET /api/admin/projections)'),
        onError: (projection, err) => logger.error({ err, projection }, 'projection batch failed; retrying'),
      },
    );
    outbox = new OutboxWorker(database, effectHandlers, {
      clock,
      ...options.effectOptions,
      onError: (kind, key, err) => logger.warn({ err, kind, key }, 'effect failed; will retry or dead-letter'),
    });
    timers = new TimerWorker(database, timerHandlers, {
      clock,
      pollMs: options.timerPollMs,
      onError: (timer, err) => logger.error({ err, timer }, 'timer failed; will retry'),
    });
    const started = { runner, outbox, timers };
    await progress.run('workers', 'starting projections, sagas, outbox, timers and the context workers', async () => {
      started.runner.start();
      started.outbox.start();
      started.timers.start();
      for (const module of modules) await module.start?.();
    });
  }

  let server: HttpServerHandle | undefined;
  let pruning: BackgroundLoop | undefined;
  if (role !== 'worker') {
    const { app, idempotency } = createHttpApp({
      routes: [
        ...modules.flatMap((module) => module.routes ?? []),
        ...publishedStreamRoutes({
          store,
          streams: modules.flatMap((module) => module.publishedStreams ?? []),
          heartbeatMs: config.streams.heartbeatMs,
          pollMs: config.projections.pollMs,
          shutdown: shuttingDown.signal,
        }),
      ],
      database,
      logger,
      jwtSecret,
      bodyLimitBytes: config.server.bodyLimitBytes,
      metricsToken: config.server.metricsToken,
      trustedProxies: config.server.trustedProxies,
      readinessChecks: [databaseReadiness(database), eventStoreReadiness(store)],
    });
    server = listening!.server;
    listening!.starting.serve(app);
    // Idempotency-Key answers older than the retention go, a batch at a time (several API instances may all prune).
    pruning = new BackgroundLoop(
      async () => (await idempotency.prune(config.server.idempotencyRetentionMs)) > 0,
      5 * 60_000,
      (err) => logger.warn({ err }, 'could not prune idempotency keys'),
    );
    pruning.start();
  }
  progress.markReady(
    { role, database: database.kind, eventLog: store.kind, ...(server ? { port: server.port, url: server.url } : {}) },
    server ? `Ledgerline is serving on ${server.url} (ready in ${Math.round(performance.now())} ms since the process started)` : `Ledgerline worker is running (ready in ${Math.round(performance.now())} ms since the process started)`,
  );

  let stopping: Promise<void> | undefined;
  return {
    dependencies,
    modules,
    port: server?.port,
    outbox,
    timers,
    stop: () =>
      (stopping ??= (async () => {
        shuttingDown.abort();
        await server?.close(config.server.shutdownGraceMs);
        await pruning?.stop();
        for (const module of [...modules].reverse()) await module.stop?.();
        await Promise.all([runner?.stop(), outbox?.stop(), timers?.stop()]);
        await store.close();
        if (ownsDatabase) await database.close();
        logger.info('stopped');
        logger.flush?.();
      })()),
  };
}
