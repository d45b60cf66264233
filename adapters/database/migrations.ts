import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './database.js';

/**
 * Migrations are named `<module>-<NNNN>-<what>`; each module (event log, each projection,
 * sagas, outbox …) owns its own and they are applied together, in name order, once per
 * database. Kysely's migration lock makes concurrent starts safe.
 */
export type Migrations = Record<string, Migration>;

export async function migrate(database: Database, ...sets: Migrations[]): Promise<void> {
  const all: Migrations = Object.assign({}, ...sets);
  const provider: MigrationProvider = { getMigrations: async () => all };
  const migrator = new Migrator({
    db: database.db,
    provider,
    migrationTableSchema: database.schema,
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
