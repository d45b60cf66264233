/**
 * A projection worker for tests/projections/exactly-once-kill.spec.ts: `startSystem` with the
 * worker role and only the tally context (tests/projections/exactly-once-tally.ts), configured
 * from the environment as `npm run worker` is (DATABASE_URL, EVENTSTORE_URL, …). The spec runs it
 * as a child process and SIGKILLs it; nothing here knows it will be killed.
 */
import { startSystem } from '../../adapters/app/system.js';
import { appConfigSections } from '../../adapters/config/app-config.js';
import { loadConfig } from '../../adapters/config/platform-config.js';
import { createLogger } from '../../adapters/observability/logger.js';
import { tallyContext } from './exactly-once-tally.js';

const config = loadConfig(process.env, appConfigSections);
const logger = createLogger({ level: config.logging.level, name: 'exactly-once-worker' });
await startSystem({ config, role: 'worker', contexts: [tallyContext], logger });
process.stdout.write('worker started\n');
