import type { Migrations } from '../../adapters/database/migrations.js';
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
