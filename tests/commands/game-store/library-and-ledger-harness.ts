import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { developerLedgerDesk } from '../../../commands/game-store/developer-ledger-commands.js';
import { libraryDesk } from '../../../commands/game-store/library-commands.js';
import type { DeveloperLedgerDesk, LibraryDesk } from '../../../commands/game-store/purchase-followers.js';
import type { Position } from '../../../adapters/eventstore/event-store.js';
import { DEVELOPER_LEDGER_PROJECTION } from '../../../projections/game-store/developer-ledger-projection.js';
import { LIBRARY_PROJECTION } from '../../../projections/game-store/library-projection.js';
import { streamOfDeveloperLedger } from '../../../domain/game-store/developer-ledger.js';

/**
 * The library and ledger desks on a running game store, as the purchase saga's effects are
 * given them — another instance of each, like another worker's: the specs of those parts call
 * them directly (the purchase specs drive them through the saga).
 */
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
