import type { Database } from '../../adapters/database/database.js';
import type { Migrations } from '../../adapters/database/migrations.js';
import { eventTypesOfProjection, type AnyProjection, type ProjectedEvent } from '../../projections/projection.js';
import { migrate } from '../../adapters/database/migrations.js';
import { openTestDatabase } from './test-database.js';

type TestDatabase = Awaited<ReturnType<typeof openTestDatabase>>;

/**
 * Two databases for a batch-against-one-by-one property of a projector: `oneByOne` gets the
 * log event by event (or through a per-event oracle), `batched` in random batches. Opened and
 * migrated before the suite, dropped after it.
 */
export function pairedDatabases(migrationsOf: (database: TestDatabase) => readonly Migrations[]): { readonly oneByOne: TestDatabase; readonly batched: TestDatabase } {
  const pair = {} as { oneByOne: TestDatabase; batched: TestDatabase };
  before(async () => {
    pair.oneByOne = await openTestDatabase();
    pair.batched = await openTestDatabase();
    for (const database of [pair.oneByOne, pair.batched]) await migrate(database, ...migrationsOf(database));
  });
  after(async () => {
    await pair.oneByOne?.dispose();
    await pair.batched?.dispose();
  });
  return pair;
}

/**
 * Applies `events` to `projections` in batches of the sizes given, in turn (none: one event per
 * batch), each projector getting only the events it follows, as the runner hands them over.
 */
export async function applyInBatches(database: Database, projections: readonly AnyProjection[], events: readonly ProjectedEvent<any>[], sizes: readonly number[]): Promise<void> {
  let at = 0;
  let turn = 0;
  while (at < events.length) {
    const size = sizes.length ? sizes[turn++ % sizes.length]! : 1;
    const batch = events.slice(at, at + size);
    at += size;
    for (const projection of projections) {
      const types = new Set(eventTypesOfProjection(projection));
      const mine = batch.filter((event) => types.has(event.type));
      if (mine.length) await database.db.transaction().execute((trx) => projection.apply(trx, mine as never, database));
    }
  }
}
