import type { ContextFactory } from '../../adapters/app/context-module.js';
import { startSystem, type RunningSystem } from '../../adapters/app/system.js';
import { appConfigSections } from '../../adapters/config/app-config.js';
import { loadConfig } from '../../adapters/config/platform-config.js';
import type { Database } from '../../adapters/database/database.js';
import { createLogger, type Logger } from '../../adapters/observability/logger.js';
import type { Clock } from '../../platform/clock.js';
import { eventLogUrlFor } from './event-log-under-test.js';

export const TEST_JWT_SECRET = 'test-system-secret-of-at-least-32-characters';

export interface TestSystemOptions {
  readonly database: Database;
  readonly clock: Clock;
  readonly contexts: readonly ContextFactory[];
  /** Configuration on top of the test defaults (fast polling, cheap password hashing, silent logs). */
  readonly env?: Readonly<Record<string, string>>;
  readonly role?: 'all' | 'api' | 'worker';
  readonly effectOptions?: Parameters<typeof startSystem>[0]['effectOptions'];
  /** Silent unless given (a test that inspects the log passes one writing to a collector). */
  readonly logger?: Logger;
}

/**
 * A system as `npm start` builds it, on the suite's database, tuned for tests; `api` is its base URL.
 * With TEST_EVENT_LOG=esdb-double its event log is the EventStoreDB protocol double of the suite's
 * database (tests/support/event-log-under-test.ts), reached through EVENTSTORE_URL.
 */
export async function startTestSystem(options: TestSystemOptions): Promise<RunningSystem & { api: string }> {
  const eventStoreUrl = await eventLogUrlFor(options.database);
  const config = loadConfig(
    {
      PORT: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'silent',
      // in-process appends wake the projections at once; polling is the fallback, and two dozen projections and sagas
      // polling every 20 ms kept PGlite's one connection so busy that a request took 0.5 s (13 ms at 100 ms)
      PROJECTION_POLL_MS: '100',
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_ITERATIONS: '1',
      // suites register many users from 127.0.0.1; the registration limit has its own spec
      REGISTRATIONS_PER_ADDRESS_PER_HOUR: '1000000',
      // every system a suite starts serves its own payment sandbox (game store) on a free port
      PAYMENT_SANDBOX_PORT: '0',
      PAYMENT_PROVIDER_RETRY_MS: '20',
      // …and its own local cloud register (fiscal receipts), quick to fiscalize
      CLOUD_REGISTER_PORT: '0',
      CLOUD_REGISTER_WAIT_MS: '150',
      ...(eventStoreUrl ? { EVENTSTORE_URL: eventStoreUrl } : {}),
      ...options.env,
    },
    appConfigSections,
  );
  const system = await startSystem({
    config,
    role: options.role ?? 'all',
    clock: options.clock,
    database: options.database,
    logger: options.logger ?? createLogger({ level: 'silent' }),
    timerPollMs: 20,
    effectOptions: options.effectOptions ?? { pollMs: 20, baseDelayMs: 20, maxDelayMs: 100 },
    contexts: options.contexts,
  });
  return Object.assign(system, { api: `http://127.0.0.1:${system.port}` });
}
