import type { ContextFactory } from '../../adapters/app/context-module.js';
import { catalogAndOrders } from './catalog-and-orders.js';
import type { GameStoreDependencies, GameStorePart } from './game-store-dependencies.js';

/**
 * The game store (SPEC P-1 … P-4, P-6): a catalog of games with regional prices, orders priced
 * from it, payment transactions through YooKassa and T-Bank (or their local sandboxes) with
 * their webhooks. Each part is its own file; this one only wires them.
 */
export function gameStoreModule(): ContextFactory {
  return async (system) => {
    const deps: GameStoreDependencies = {
      system,
      ownership: { ownedAmong: async () => [] },
      orderPayments: { ofOrder: async () => [], ofOrders: async () => new Map() },
    };
    const parts: GameStorePart[] = [catalogAndOrders(deps)];
    const all = <K extends 'migrations' | 'projections' | 'sagas' | 'effects' | 'timers' | 'routes' | 'publishedStreams'>(key: K) =>
      parts.flatMap((part) => (part[key] ?? []) as NonNullable<GameStorePart[K]>[number][]);
    return {
      name: 'game-store',
      roles: [{ name: 'developer', description: 'puts its own games in the catalog and sets their prices (game store)' }],
      migrations: all('migrations'),
      projections: all('projections'),
      sagas: all('sagas'),
      effects: all('effects'),
      timers: all('timers'),
      routes: all('routes'),
      publishedStreams: all('publishedStreams'),
      start: async () => {
        for (const part of parts) await part.start?.();
      },
      stop: async () => {
        for (const part of [...parts].reverse()) await part.stop?.();
      },
    };
  };
}
