import type { Kysely } from 'kysely';

/**
 * The one relational database of a Ledgerline process: read models, checkpoints, saga state,
 * outbox, timers and (by default) the event log. A PostgreSQL server through `pg`, or PGlite
 * embedded in the process; both speak the same SQL through kysely.
 */
export interface Database {
  readonly kind: 'pg' | 'pglite';
  // Each module types its own tables; the shared handle stays untyped.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly db: Kysely<any>;
  /** Schema holding the system's tables (`public` in production, one per test suite). */
  readonly schema: string;
  /** Schema of the stable BI tables and views (`bi` in production). */
  readonly biSchema: string;
  /**
   * Try to become the single active holder of `name` across every process sharing the
   * database (a PostgreSQL session advisory lock). Null when another holder has it.
   */
  tryLeadership(name: string): Promise<Leadership | null>;
  /** Cross-process wake-ups (PostgreSQL LISTEN/NOTIFY); absent on PGlite, where one process owns the data. */
  readonly signals?: DatabaseSignals;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Leadership {
  readonly name: string;
  /** False once the lock's connection is gone: the holder must stop working. */
  isHeld(): boolean;
  release(): Promise<void>;
}

export interface DatabaseSignals {
  /** Call `onSignal` whenever any process signals `channel`; returns how to stop listening. */
  listen(channel: string, onSignal: () => void): Promise<() => Promise<void>>;
  signal(channel: string): Promise<void>;
}
