import type { GameStoreDependencies, GameStorePart } from './game-store-dependencies.js';

/** Catalog (P-1) and orders (P-2, P-6 queries). Placeholder: the catalog-and-orders work fills it. */
export function catalogAndOrders(_deps: GameStoreDependencies): GameStorePart {
  return {};
}
