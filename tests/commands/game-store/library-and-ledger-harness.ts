import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mergeContextParts, type ContextFactory } from '../../../adapters/app/context-module.js';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { developerLedgerDesk } from '../../../commands/game-store/developer-ledger-commands.js';
import { gameStoreModule } from '../../../commands/game-store/game-store-module.js';
import { libraryAndLedger } from '../../../commands/game-store/library-and-ledger.js';
import { libraryDesk } from '../../../commands/game-store/library-commands.js';
import type { DeveloperLedgerDesk, LibraryDesk } from '../../../commands/game-store/purchase-followers.js';
import type { Position } from '../../../adapters/eventstore/event-store.js';
import { DEVELOPER_LEDGER_PROJECTION } from '../../../projections/game-store/developer-ledger-projection.js';
import { LIBRARY_PROJECTION } from '../../../projections/game-store/library-projection.js';
import { accountsModule } from '../../../commands/accounts/accounts-module.js';
import { streamOfDeveloperLedger } from '../../../domain/game-store/developer-ledger.js';

/**
 * The game store with the library and the developers' ledgers in it, for the specs of those
 * parts until the purchase saga drives them: the module as `npm start` builds it, plus the
 * `libraryAndLedger` part when the module does not carry it yet (once it does, the module alone).
 * The specs' givens call the desks directly, as the saga's effects will.
 */
export function gameStoreWithLibraryAndLedger(): ContextFactory {
  return async (system) => {
    const module = await gameStoreModule()(system);
    if (module.routes?.some((route) => route.path === '/api/v1/library/items')) return module;
    const part = libraryAndLedger({ system, ownership: { ownedAmong: async () => [] }, orderPayments: { ofOrder: async () => [], ofOrders: async () => new Map() } });
    return { name: module.name, ...(module.roles ? { roles: module.roles } : {}), ...mergeContextParts([module, part]) };
  };
}

export const libraryAndLedgerContexts = (): ContextFactory[] => [accountsModule(), gameStoreWithLibraryAndLedger()];

/** The desks on a running system, as the saga's effects are given them (another instance of each: like another worker). */
export function desksOf(system: RunningSystem): { library: LibraryDesk; ledger: DeveloperLedgerDesk } {
  const deps = system.dependencies;
  return { library: libraryDesk(deps), ledger: developerLedgerDesk(deps, { defaultShareBasisPoints: deps.config.gameStore.developerRevenueShareBasisPoints }) };
}

/** Read-your-writes in a spec: the library (or ledger) read model has applied `position`. */
export async function libraryShows(system: RunningSystem, position: Position | undefined | null): Promise<void> {
  if (position) assert.ok(await system.dependencies.waitForProjection(LIBRARY_PROJECTION, position, 10_000), 'the library read model caught up');
}
/** The ledger read model has applied the developer's ledger stream up to its last event. */
export async function ledgerShows(system: RunningSystem, developerId: string): Promise<void> {
  const events = await system.dependencies.store.readStream(streamOfDeveloperLedger(developerId));
  const last = events[events.length - 1];
  if (last) assert.ok(await system.dependencies.waitForProjection(DEVELOPER_LEDGER_PROJECTION, last.position, 10_000), 'the ledger read model caught up');
}

export const anOrderId = (): string => randomUUID();
