import { httpPointsService } from '../../adapters/points/http-points-service.js';
import { balanceProjection, balanceQueries } from '../../projections/rewards/balance-projection.js';
import { balanceQueryRoutes } from '../../projections/rewards/balance-query-routes.js';
import { withdrawalSaga } from '../../sagas/rewards/withdrawal-saga.js';
import { g2aAccounts } from './g2a-ledger.js';
import { localPointsService, pointsLedger } from './points-ledger.js';
import { pointsProtocolRoutes } from './points-protocol-routes.js';
import type { PayoutsPart, RewardsDependencies } from './rewards-desks.js';
import { withdrawalEffects, withdrawalSteps } from './withdrawal-effects.js';
import { withdrawalRoutes } from './withdrawal-routes.js';

/**
 * Points ledger, off-chain G2A ledger, withdrawals, balances (issue 14 items 6–8):
 * - `points`: the Points service — over HTTP (`adapters/points/http-points-service.ts`) when
 *   POINTS_SERVICE_URL is set, else Connect's own points ledger in process (direct calls);
 *   the local ledger serves the points protocol (`/points/v1/...`) either way;
 * - `g2a`: Connect's off-chain G2A ledger (`G2aAccount-<userId>`), which withdrawals hold and
 *   settle on;
 * - withdrawals to a verified wallet through the gateway (route, saga, effects);
 * - the balances read side (`rm_points_*`, `rm_g2a_*`, BI) and its query routes.
 */
export function payoutsPart(deps: RewardsDependencies): PayoutsPart {
  const { system } = deps;
  const settings = system.config.rewards;
  const ledger = pointsLedger(system);
  const accounts = g2aAccounts(system);
  const projection = balanceProjection(system.database.biSchema);
  const queries = balanceQueries(system.database.db);
  const remote = settings.pointsService ? httpPointsService({ url: settings.pointsService.url, token: settings.pointsService.token, timeoutMs: settings.serviceTimeoutMs }) : undefined;
  const steps = withdrawalSteps({ system, accounts, gateway: deps.gateway });
  return {
    part: {
      migrations: [projection.migrations!],
      projections: [projection],
      sagas: [withdrawalSaga],
      effects: withdrawalEffects(steps),
      routes: [
        ...pointsProtocolRoutes({ ledger, queries }),
        ...withdrawalRoutes({ system, gateway: deps.gateway, steps, queries, limits: settings.withdrawal }),
        ...balanceQueryRoutes(system.database, remote ? { pointsOf: (userId) => remote.balanceOf(userId) } : {}),
      ],
    },
    points: remote ?? localPointsService(ledger),
    g2a: accounts,
  };
}
