import { developerBalanceRoutes } from '../../projections/game-store/developer-balance-routes.js';
import { developerLedgerProjection } from '../../projections/game-store/developer-ledger-projection.js';
import { libraryProjection } from '../../projections/game-store/library-projection.js';
import { libraryQueryRoutes } from '../../projections/game-store/library-query-routes.js';
import { developerLedgerDesk } from './developer-ledger-commands.js';
import type { GameStoreDependencies, GameStorePart } from './game-store-dependencies.js';
import { libraryDesk } from './library-commands.js';
import type { DeveloperLedgerDesk, LibraryDesk } from './purchase-followers.js';

/**
 * The streams that follow a paid order (issue 13, SPEC P-6 and item 5): the buyers' libraries
 * and the developers' ledgers — their desks (what the purchase saga's effects call), read
 * models, BI table and queries. The desks are handed to the module, which gives them to the
 * saga's effects and the order initiation ("already owned": `library.ownedAmong`).
 */
export function libraryAndLedger(deps: GameStoreDependencies): GameStorePart & { readonly library: LibraryDesk; readonly ledger: DeveloperLedgerDesk } {
  const { system } = deps;
  const library = libraryProjection();
  const ledger = developerLedgerProjection(system.database.biSchema);
  return {
    migrations: [library.migrations!, ledger.migrations!],
    projections: [library, ledger],
    routes: [...libraryQueryRoutes(system.database), ...developerBalanceRoutes(system.database)],
    library: libraryDesk(system),
    ledger: developerLedgerDesk(system, { defaultShareBasisPoints: system.config.gameStore.developerRevenueShareBasisPoints }),
  };
}
