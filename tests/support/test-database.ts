import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../../adapters/database/database.js';
import { openDatabase, startPglite } from '../../adapters/database/open-database.js';
import type { PgliteHost } from '../../adapters/database/pglite-pool.js';

let sharedPglite: Promise<PgliteHost> | undefined;

/** Which database the suites run on: the PostgreSQL server when DATABASE_URL is set, else PGlite. */
export const databaseKind: 'pg' | 'pglite' = process.env.DATABASE_URL ? 'pg' : 'pglite';

/**
 * A database of its own for one suite: a fresh schema (and BI schema) on the PostgreSQL server
 * named by DATABASE_URL, or on one in-memory PGlite shared by the test process (it takes
 * seconds to start). `dispose` drops the schemas.
 */
export async function openTestDatabase(): Promise<Database & { dispose(): Promise<void> }> {
  const schema = `t_${randomBytes(5).toString('hex')}`;
  const biSchema = `${schema}_bi`;
  const url = process.env.DATABASE_URL;
  const database = url
    ? await openDatabase({ url, schema, biSchema, poolSize: 20 })
    : await openDatabase({ schema, biSchema, pgliteHost: await (sharedPglite ??= startPglite('memory://')) });
  return Object.assign(database, {
    async dispose() {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db).catch(() => {});
      await sql`drop schema if exists ${sql.id(biSchema)} cascade`.execute(database.db).catch(() => {});
      await database.close();
    },
  });
}

/** Open a second handle on the same schema, as another process would. */
export async function openPeer(of: Database): Promise<Database> {
  const url = process.env.DATABASE_URL;
  return url
    ? openDatabase({ url, schema: of.schema, biSchema: of.biSchema, poolSize: 20 })
    : openDatabase({ schema: of.schema, biSchema: of.biSchema, pgliteHost: await sharedPglite! });
}
