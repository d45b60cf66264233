import type { ContextFactory } from '../../adapters/app/context-module.js';
import { resolveGeneratedSecret } from '../../adapters/config/jwt-secret.js';
import { TokenBucketLimiter } from '../../adapters/http/rate-limiter.js';
import { waitForProjection } from '../../projections/checkpoints.js';
import { gatewayAuditProjection } from '../../projections/blockchain/audit-projection.js';
import { gatewayQueryRoutes } from '../../projections/blockchain/gateway-query-routes.js';
import { badgeQueries, blockchainTaskProjection, dispatchQueries } from '../../projections/blockchain/task-projection.js';
import { verifiedWalletProjection } from '../../projections/blockchain/wallet-projection.js';
import { taskFollowupSaga } from '../../sagas/blockchain/task-followup-saga.js';
import { gatewayEffectHandlers } from './gateway-effects.js';
import { gatewayCommandRoutes } from './gateway-routes.js';
import { TonDispatcher } from '../../sagas/blockchain/ton-dispatcher.js';
import type { OpenGatewayAdapters } from './ports/gateway-adapters.js';

export type { GatewayAdapters, OpenGatewayAdapters } from './ports/gateway-adapters.js';

/**
 * The Blockchain Gateway context (SPEC B-1…B-7): command and query routes, task / audit /
 * wallet read models, the follow-up saga (retry timers, callbacks, allowance release) and,
 * in worker processes, the hot wallet's dispatcher.
 */
export function gatewayModule(openAdapters: OpenGatewayAdapters): ContextFactory {
  return async (deps) => {
    const settings = deps.config.gateway;
    const adapters = await openAdapters(deps);
    const callbackSecret = await resolveGeneratedSecret({ configured: settings.callbackSecret, dataDir: deps.dataDir, file: 'callback-secret' });
    const dispatcher = new TonDispatcher(
      deps.database,
      dispatchQueries(deps.database.db),
      deps.store,
      adapters.chain,
      deps.clock,
      {
        batchSize: settings.batchSize,
        pollMs: settings.pollMs,
        maxRetries: settings.maxRetries,
        retryBaseMs: settings.retryBaseMs,
        validForSeconds: 60,
        resubmitAfterMs: 10_000,
      },
      deps.logger.child({ component: 'ton-dispatcher' }),
    );
    const tasks = blockchainTaskProjection(deps.database.biSchema);
    const audit = gatewayAuditProjection();
    const wallets = verifiedWalletProjection();
    return {
      name: 'blockchain-gateway',
      migrations: [tasks.migrations!, audit.migrations!, wallets.migrations!],
      projections: [tasks, audit, wallets],
      sagas: [taskFollowupSaga],
      effects: gatewayEffectHandlers({ store: deps.store, clock: deps.clock, callbackSecret }),
      routes: [
        ...gatewayCommandRoutes({
          store: deps.store,
          clock: deps.clock,
          limits: settings.limits,
          walletLink: settings.walletLink,
          verifier: adapters.verifier,
          confirmLimiter: new TokenBucketLimiter({ capacity: 5, refillPerSecond: 5 / 60 }),
          taskViewReached: (position) => waitForProjection(deps.database, tasks.name, position, 3000),
          badges: badgeQueries(deps.database.db),
        }),
        ...gatewayQueryRoutes(deps.database, { publicUrl: settings.publicUrl }),
      ],
      start: async () => dispatcher.start(),
      stop: async () => {
        await dispatcher.stop();
        await adapters.close();
      },
    };
  };
}
