import { CATALOG_PROJECTION, catalogProjection } from '../../projections/game-store/catalog-projection.js';
import { catalogQueryRoutes } from '../../projections/game-store/catalog-query-routes.js';
import { orderProjection, orderQueries, ORDERS_PROJECTION } from '../../projections/game-store/order-projection.js';
import { catalogCommandRoutes } from './catalog-routes.js';
import type { GameStoreDependencies, GameStorePart } from './game-store-dependencies.js';
import { orderQueryRoutes } from './order-query-routes.js';
import { orderCommandRoutes } from './order-routes.js';

/** How long a command's answer waits for its read model to show it (read-your-writes, bounded). */
const READ_YOUR_WRITES_MS = 3_000;

/**
 * Catalog (P-1) and orders (P-2, P-6 queries): the product streams and their commands, orders
 * priced from those streams, the read models and BI tables of both, the public catalog and the
 * buyer's order queries.
 */
export function catalogAndOrders(deps: GameStoreDependencies): GameStorePart {
  const { system } = deps;
  const catalog = catalogProjection(system.database.biSchema);
  const orders = orderProjection(system.database.biSchema);
  return {
    migrations: [catalog.migrations!, orders.migrations!],
    projections: [catalog, orders],
    routes: [
      ...catalogCommandRoutes({ store: system.store, clock: system.clock, catalogReached: (position) => system.waitForProjection(CATALOG_PROJECTION, position, READ_YOUR_WRITES_MS) }),
      ...catalogQueryRoutes(system.database),
      ...orderCommandRoutes({ store: system.store, clock: system.clock, ownership: deps.ownership, ordersReached: (position) => system.waitForProjection(ORDERS_PROJECTION, position, READ_YOUR_WRITES_MS) }),
      ...orderQueryRoutes({ orders: orderQueries(system.database.db), orderPayments: deps.orderPayments, ...(deps.purchaseProgress ? { purchases: deps.purchaseProgress } : {}) }),
    ],
  };
}
