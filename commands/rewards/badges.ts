import { HttpNftService } from '../../adapters/nft/http-nft-service.js';
import { badgeProjection, badgeQueries, BADGES_PROJECTION } from '../../projections/rewards/badge-projection.js';
import { badgeQueryRoutes } from '../../projections/rewards/badge-query-routes.js';
import { badgeOnchainSaga } from '../../sagas/rewards/badge-onchain-saga.js';
import { badgeEffectHandlers } from './badge-effects.js';
import { badgeRegistry } from './badge-registry.js';
import { nftProtocolRoutes } from './nft-protocol-routes.js';
import type { BadgesPart, RewardsDependencies } from './rewards-desks.js';

const READ_YOUR_WRITES_MS = 3_000;

/**
 * The badge registry (NFT service) and on-chain badges (issue 14 item 6). The registry always
 * runs — its NFTInstances, the badge protocol it serves under /nft-service/v1, the saga that puts
 * CONNECT_ONCHAIN_BADGES types on chain through the gateway, the badges read model and its
 * queries. The reward dispatcher's NftService is the registry in process, or — with
 * NFT_SERVICE_URL set — the HTTP adapter to the NFT service there.
 */
export function badgesPart(deps: RewardsDependencies): BadgesPart {
  const { system } = deps;
  const settings = system.config.rewards;
  const registry = badgeRegistry({ store: system.store, clock: system.clock, onchainBadges: settings.onchainBadges });
  const nft = settings.nftService ? new HttpNftService({ url: settings.nftService.url, token: settings.nftService.token, timeoutMs: settings.serviceTimeoutMs }) : registry.nft;
  const projection = badgeProjection(system.database.biSchema);
  return {
    part: {
      migrations: [projection.migrations!],
      projections: [projection],
      sagas: [badgeOnchainSaga()],
      effects: badgeEffectHandlers({ store: system.store, logger: system.logger, gateway: deps.gateway }),
      routes: [
        ...nftProtocolRoutes({
          registry,
          badges: badgeQueries(system.database.db),
          badgesReached: (position) => system.waitForProjection(BADGES_PROJECTION, position, READ_YOUR_WRITES_MS),
        }),
        ...badgeQueryRoutes(system.database),
      ],
    },
    nft,
  };
}
