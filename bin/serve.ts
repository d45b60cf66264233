import { appConfigSections } from '../adapters/config/app-config.js';
import { loadConfigOrExit } from '../adapters/config/exit-on-bad-config.js';
import { startSystem, type ProcessRole } from '../adapters/app/system.js';
import { businessContexts } from './contexts.js';

const roleArgument = process.argv.find((arg) => arg.startsWith('--role='))?.slice('--role='.length) ?? 'all';
if (!['all', 'api', 'worker'].includes(roleArgument)) {
  console.error(`--role must be all, api or worker (got ${roleArgument})`);
  process.exit(2);
}

const config = loadConfigOrExit(process.env, appConfigSections);
const system = await startSystem({ config, role: roleArgument as ProcessRole, contexts: businessContexts });
const { logger } = system.dependencies;

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
