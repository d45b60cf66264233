import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './database.js';

/**
 * Migrations are named `<module>-<NNNN>-<what>`; each module (event log, each projection,
 * sagas, outbox …) owns its own and they are applied together, in name order, once per
 * database. Kysely's migration lock makes concurrent starts safe.
 */
export type Migrations = Record<string, Migration>;

/** How many migrations `migrate` applied (0: the database was up to date, found with one query). */
export async function migrate(database: Database, ...sets: Migrations[]): Promise<{ readonly applied: number; readonly known: number }> {
  const all: Migrations = Object.assign({}, ...sets);
  const known = Object.keys(all).length;
  // A warm start: every migration is already recorded, so kysely's migrator (its lock table, the
  // lock, a read of every name) is skipped. Any name missing, or no table yet, and it runs.
  const recorded = await sql<{ name: string }>`select name from ${sql.table(`${database.schema}.kysely_migration`)}`
    .execute(database.db)
    .then((result) => new Set(result.rows.map((row) => row.name)))
    .catch(() => new Set<string>());
  if (Object.keys(all).every((name) => recorded.has(name))) return { applied: 0, known };
  const provider: MigrationProvider = { getMigrations: async () => all };
  // kysely's migrator introspects every schema of the database; another process dropping one of
  // its own schemas at that moment (a test run's cleanup on a shared server) fails it with
  // 'schema "…" does not exist' naming that other schema. Ours is intact: try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(database, provider, known);
    } catch (error) {
      const other = /schema "([^"]+)" does not exist/.exec(String(error instanceof Error ? `${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}` : error));
      if (!other || other[1] === database.schema || other[1] === database.biSchema || attempt >= 5) throw error;
    }
  }
}

async function migrateOnce(database: Database, provider: MigrationProvider, known: number): Promise<{ readonly applied: number; readonly known: number }> {
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
  return { applied: results?.filter((r) => r.status === 'Success').length ?? 0, known };
}
