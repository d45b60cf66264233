/**
 * The database a benchmark runs against: the PostgreSQL server named by DATABASE_URL, or an
 * embedded PGlite (on disk in a temporary directory, like production's default) when it is
 * unset. Every scenario gets a fresh schema; on the server, third-party stores that can only
 * use `public` get a scratch database of their own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../../adapters/database/database.js';
import { openDatabase, startPglite } from '../../adapters/database/open-database.js';
import type { PgliteHost } from '../../adapters/database/pglite-pool.js';

export type FreshDatabase = Database & { dispose(): Promise<void> };

export interface ScratchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export interface BenchTarget {
  readonly kind: 'pg' | 'pglite';
  /** Server URL (pg only). */
  readonly url: string | undefined;
  /** e.g. "PostgreSQL 15.20 server at 127.0.0.1:5432/test" — no credentials. */
  readonly description: string;
  readonly serverVersion: string;
  /** A fresh schema, opened through the project's database layer with `poolSize` connections. */
  openSchema(poolSize: number): Promise<FreshDatabase>;
  /** A fresh, empty database on the same server (pg only), dropped by `drop()`. */
  createScratchDatabase(prefix: string): Promise<ScratchDatabase>;
  close(): Promise<void>;
}

/**
 * `inMemory` (quick runs) starts PGlite in memory: ~4 s faster to start than a fresh data
 * directory; appends cost the same with fsync off.
 */
export async function openTarget(options: { inMemory?: boolean } = {}): Promise<BenchTarget> {
  const url = process.env.DATABASE_URL;
  return url ? serverTarget(url) : pgliteTarget(options.inMemory ?? false);
}

async function serverTarget(url: string): Promise<BenchTarget> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const version = (await admin.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
  await admin.end();
  const parsed = new URL(url);
  const where = `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  return {
    kind: 'pg',
    url,
    description: `PostgreSQL ${version} server at ${where}`,
    serverVersion: version,
    async openSchema(poolSize) {
      const schema = `bench_${randomBytes(5).toString('hex')}`;
      const database = await openDatabase({ url, schema, biSchema: `${schema}_bi`, poolSize });
      return withDispose(database, schema);
    },
    async createScratchDatabase(prefix) {
      const name = `${prefix}_${randomBytes(5).toString('hex')}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      const scratch = new URL(url);
      scratch.pathname = `/${name}`;
      return {
        url: scratch.toString(),
        async drop() {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          try {
            await c.query(`drop database if exists ${name} with (force)`);
          } finally {
            await c.end();
          }
        },
      };
    },
    async close() {},
  };
}

async function pgliteTarget(inMemory: boolean): Promise<BenchTarget> {
  const dir = inMemory ? undefined : await mkdtemp(join(tmpdir(), 'ledgerline-bench-'));
  const host: PgliteHost = await startPglite(dir ?? 'memory://');
  const version = (await host.pglite.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
  return {
    kind: 'pglite',
    url: undefined,
    description: `PGlite (embedded PostgreSQL ${version}, ${dir ? 'on disk in a temporary directory' : 'in memory'}, fsync off)`,
    serverVersion: version,
    async openSchema() {
      const schema = `bench_${randomBytes(5).toString('hex')}`;
      const database = await openDatabase({ schema, biSchema: `${schema}_bi`, pgliteHost: host });
      return withDispose(database, schema);
    },
    async createScratchDatabase() {
      throw new Error('scratch databases need a PostgreSQL server (set DATABASE_URL)');
    },
    async close() {
      await host.pglite.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function withDispose(database: Database, schema: string): FreshDatabase {
  return Object.assign(database, {
    async dispose() {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db).catch(() => {});
      await sql`drop schema if exists ${sql.id(`${schema}_bi`)} cascade`.execute(database.db).catch(() => {});
      await database.close();
    },
  });
}

/** The two databases a bench may measure on. */
export type DatabaseName = 'pglite' | 'postgres';
/** The PostgreSQL server of this machine (when DATABASE_URL names none). */
export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** `current` when it is the database asked for, else one opened here (and closed after). Throws when it cannot be opened. */
export async function targetFor(current: BenchTarget, database: DatabaseName, options: { inMemory?: boolean } = {}): Promise<{ target: BenchTarget; close(): Promise<void> }> {
  const wanted = database === 'postgres' ? 'pg' : 'pglite';
  if (current.kind === wanted) return { target: current, close: async () => {} };
  // openTarget reads DATABASE_URL before its first await: set it for that call only
  const saved = process.env.DATABASE_URL;
  if (database === 'postgres') process.env.DATABASE_URL = saved ?? DEFAULT_SERVER_URL;
  else delete process.env.DATABASE_URL;
  const opening = openTarget(options);
  if (saved === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = saved;
  const target = await opening;
  return { target, close: () => target.close() };
}
