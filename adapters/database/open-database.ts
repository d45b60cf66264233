import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database, DatabaseSignals, Leadership } from './database.js';
import { recordDatabaseStatement } from '../observability/metrics.js';
import { PgliteHost, PgliteSerialPool } from './pglite-pool.js';

export interface DatabaseOptions {
  /** PostgreSQL server URL; without it PGlite is used. */
  readonly url?: string;
  /** PGlite data directory (`memory://` keeps it in memory). */
  readonly dataDir?: string;
  readonly schema?: string;
  readonly biSchema?: string;
  readonly poolSize?: number;
  /** Share one already-open PGlite (tests). */
  readonly pgliteHost?: PgliteHost;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const schema = options.schema ?? 'public';
  const biSchema = options.biSchema ?? 'bi';
  return options.url
    ? openServer(options.url, schema, biSchema, options.poolSize ?? 10)
    : options.pgliteHost
      ? openEmbedded(options.pgliteHost, schema, biSchema, false)
      : openEmbedded(await startPglite(options.dataDir ?? './data/pglite'), schema, biSchema, true);
}

export async function startPglite(dataDir: string): Promise<PgliteHost> {
  if (dataDir !== 'memory://') await mkdir(dataDir, { recursive: true });
  const pglite = dataDir === 'memory://' ? new PGlite() : new PGlite(dataDir);
  await pglite.waitReady;
  return new PgliteHost(pglite);
}

async function openServer(url: string, schema: string, biSchema: string, max: number): Promise<Database> {
  const searchPath = schema === 'public' ? 'public' : `${schema},public`;
  const config = { connectionString: url, options: `-c search_path=${searchPath}` };
  const pool = new pg.Pool({ ...config, max });
  pool.on('error', () => {}); // an idle client's broken connection is replaced on next use
  pool.on('connect', countStatementsOf);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  const signals = postgresSignals(config, pool);
  return {
    kind: 'pg',
    db,
    schema,
    biSchema,
    signals,
    async tryLeadership(name) {
      const client = new pg.Client(config);
      let held = true;
      client.on('error', () => (held = false));
      client.on('end', () => (held = false));
      await client.connect();
      const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as ok', [
        `${schema}:${name}`,
      ]);
      if (!rows[0]?.ok) {
        await client.end();
        return null;
      }
      return {
        name,
        isHeld: () => held,
        async release() {
          if (!held) return;
          held = false;
          await client.end().catch(() => {});
        },
      } satisfies Leadership;
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await signals.close();
      await db.destroy();
    },
  };
}

/** Every statement a pooled connection sends (kysely's BEGIN/COMMIT too) counts in `database_statements_total`. */
function countStatementsOf(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    recordDatabaseStatement();
    return query(...args);
  };
}

/** LISTEN on one dedicated connection per process, NOTIFY through the pool. */
function postgresSignals(config: pg.ClientConfig, pool: pg.Pool): DatabaseSignals & { close(): Promise<void> } {
  const listeners = new Map<string, Set<() => void>>();
  let client: Promise<pg.Client> | undefined;
  const connect = async () => {
    const listener = new pg.Client(config);
    listener.on('notification', (message) => listeners.get(message.channel)?.forEach((callback) => callback()));
    listener.on('error', () => {
      client = undefined; // reconnect on next listen; pollers keep working meanwhile
    });
    await listener.connect();
    return listener;
  };
  return {
    async listen(channel, onSignal) {
      const connection = await (client ??= connect());
      let callbacks = listeners.get(channel);
      if (!callbacks) {
        listeners.set(channel, (callbacks = new Set()));
        await connection.query(`listen ${pg.escapeIdentifier(channel)}`);
      }
      callbacks.add(onSignal);
      return async () => {
        callbacks.delete(onSignal);
      };
    },
    async signal(channel) {
      await pool.query('select pg_notify($1, null)', [channel]);
    },
    async close() {
      const connection = client;
      client = undefined;
      listeners.clear();
      if (connection) await (await connection).end().catch(() => {});
    },
  };
}

async function openEmbedded(host: PgliteHost, schema: string, biSchema: string, ownsHost: boolean): Promise<Database> {
  const searchPath = schema === 'public' ? 'public' : `${schema},public`;
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new PgliteSerialPool(host, searchPath) }) });
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  // One process owns a PGlite directory, so leadership is decided inside the process.
  const leaders = host.leaders;
  return {
    kind: 'pglite',
    db,
    schema,
    biSchema,
    async tryLeadership(name) {
      const key = `${schema}:${name}`;
      if (leaders.has(key)) return null;
      leaders.add(key);
      let held = true;
      return {
        name,
        isHeld: () => held,
        async release() {
          if (!held) return;
          held = false;
          leaders.delete(key);
        },
      };
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
      if (ownsHost) await host.pglite.close();
    },
  };
}
