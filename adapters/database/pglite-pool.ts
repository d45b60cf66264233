import { recordDatabaseStatement } from '../observability/metrics.js';
import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

/**
 * One PGlite instance and the turn-taking over its single connection. Several pools may
 * share it (tests give each suite its own schema); the connection's search_path is switched
 * to the pool's schema whenever the turn passes to another pool.
 */
export class PgliteHost {
  private tail: Promise<void> = Promise.resolve();
  private searchPath: string | undefined;
  /** Names whose leadership is held in this process (one process owns a PGlite directory). */
  readonly leaders = new Set<string>();

  constructor(readonly pglite: PGlite) {}

  /** Wait for the connection; the returned function hands it to the next in line. */
  async take(searchPath: string): Promise<() => void> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    if (this.searchPath !== searchPath) {
      try {
        await this.pglite.exec(`set search_path to ${searchPath}`);
      } catch (error) {
        release();
        throw error;
      }
      this.searchPath = searchPath;
    }
    return release;
  }
}

/**
 * Presents PGlite as a `pg`-style pool to kysely's PostgresDialect, so the embedded default
 * and a PostgreSQL server share one dialect and one SQL code path. A client belongs to one
 * user at a time (a kysely transaction keeps it until commit); the others queue in order.
 * Never wait on a second client while holding one: with one connection that is a deadlock.
 */
export class PgliteSerialPool implements PostgresPool {
  constructor(
    private readonly host: PgliteHost,
    private readonly searchPath: string,
  ) {}

  async connect(): Promise<PostgresPoolClient> {
    const handBack = await this.host.take(this.searchPath);
    const pglite = this.host.pglite;
    let released = false;
    const client = {
      async query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>> {
        recordDatabaseStatement();
        const result = await pglite.query<R>(sql, parameters as unknown[]).catch((error: unknown) => {
          throw withoutParameters(error);
        });
        return { command: commandOf(sql), rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
      },
      release() {
        if (released) return;
        released = true;
        handBack();
      },
    };
    return client as unknown as PostgresPoolClient;
  }

  async end(): Promise<void> {}
}

/**
 * PGlite attaches the failed statement's parameters (`params`, `queryOptions`) to its error,
 * where any logger or `JSON.stringify` would print them: an account's e-mail and password
 * hash, a ticket code. They stay readable on the error for a debugger, not enumerable.
 */
function withoutParameters(error: unknown): unknown {
  if (error === null || typeof error !== 'object') return error;
  for (const field of ['params', 'queryOptions']) {
    if (Object.prototype.propertyIsEnumerable.call(error, field)) Object.defineProperty(error, field, { enumerable: false });
  }
  return error;
}

function commandOf(sql: string): PostgresQueryResult<unknown>['command'] {
  const word = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase();
  return word === 'INSERT' || word === 'UPDATE' || word === 'DELETE' || word === 'MERGE' ? word : 'SELECT';
}
