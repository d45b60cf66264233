/**
 * `npm start` (and `npm run api` / `npm run worker`). Only the configuration, the logger and the
 * HTTP server are imported up front: the port is bound and /healthz answers before the rest of
 * the code is loaded (tsx compiles it on first run), then the system starts phase by phase,
 * one log line per phase (adapters/app/startup-progress.ts, docs/architecture.md "Running").
 */
import { listenWhileStarting, StartupProgress } from '../adapters/app/startup-progress.js';
import { appConfigSections } from '../adapters/config/app-config.js';
import { loadConfigOrExit } from '../adapters/config/exit-on-bad-config.js';
import { createLogger } from '../adapters/observability/logger.js';

type ProcessRole = 'all' | 'api' | 'worker';

const roleArgument = process.argv.find((arg) => arg.startsWith('--role='))?.slice('--role='.length) ?? 'all';
if (!['all', 'api', 'worker'].includes(roleArgument)) {
  console.error(`--role must be all, api or worker (got ${roleArgument})`);
  process.exit(2);
}
const role = roleArgument as ProcessRole;

const config = loadConfigOrExit(process.env, appConfigSections);
const logger = createLogger({ level: config.logging.level, name: role });
const progress = new StartupProgress(logger);
progress.record(
  'configuration',
  performance.now(),
  { role, dataDir: config.storage.dataDir, database: config.storage.databaseUrl ? 'DATABASE_URL' : 'PGlite', eventLog: config.storage.eventStoreUrl ? 'EVENTSTORE_URL' : 'database' },
  `valid (role ${role}, DATA_DIR ${config.storage.dataDir}; ms counts from the process start: node, tsx and these first modules)`,
);

try {
  const listening = role === 'worker' ? undefined : await listenWhileStarting(config, progress);
  const [{ startSystem }, { businessContexts }] = await progress.run(
    'code',
    'loading the modules (tsx compiles the TypeScript tree on a first run and caches it; the TON, PGlite and EventStoreDB libraries load too)',
    () => Promise.all([import('../adapters/app/system.js'), import('./contexts.js')]),
  );
  const system = await startSystem({ config, role, contexts: businessContexts, logger, progress, ...(listening ? { listening } : {}) });

  let signals = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (++signals > 1) process.exit(1); // a second signal: stop waiting
      logger.info({ signal }, 'shutting down gracefully');
      system.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
} catch (err) {
  logger.error({ err, phases: progress.current }, 'start failed');
  logger.flush?.();
  process.exit(1);
}
