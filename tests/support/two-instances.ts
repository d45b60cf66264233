import type { RunningSystem } from '../../adapters/app/system.js';
import type { Database } from '../../adapters/database/database.js';
import { openPeer, openTestDatabase } from './test-database.js';

type System = RunningSystem & { api: string };

export interface TwoInstances {
  readonly database: Database;
  /** The first: API and workers. */
  readonly first: System;
  /** The second, on its own connections to the same database. */
  readonly second: System;
}

/**
 * For a concurrency spec "across several API instances", for real: registers the suite's
 * hooks that open a database, start one system on it (`first`) and another on a peer
 * connection to the same database (`second`), and stop both afterwards. `start` is told the
 * role: `all` for the first, `secondRole` (default `api`) for the second.
 */
export function twoInstancesOnOneDatabase(start: (database: Database, role: 'all' | 'api') => Promise<System>, options: { readonly secondRole?: 'all' | 'api' } = {}): TwoInstances {
  const opened: { database?: Awaited<ReturnType<typeof openTestDatabase>>; peer?: Database; first?: System; second?: System } = {};
  before(async () => {
    opened.database = await openTestDatabase();
    opened.first = await start(opened.database, 'all');
    opened.peer = await openPeer(opened.database);
    opened.second = await start(opened.peer, options.secondRole ?? 'api');
  });
  after(async () => {
    await opened.second?.stop();
    await opened.first?.stop();
    await opened.peer?.close();
    await opened.database?.dispose();
  });
  return {
    get database() {
      return opened.database!;
    },
    get first() {
      return opened.first!;
    },
    get second() {
      return opened.second!;
    },
  };
}
