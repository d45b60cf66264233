import { delay } from '../../platform/delay.js';
import type { Database, Leadership } from './database.js';

export interface LeaderLoopOptions {
  /** How often a process without leadership tries to take over (default 1 s). */
  readonly retryMs?: number;
  /** Called when `lead` throws; the loop waits `errorBackoffMs` and tries again (with a new leadership). */
  readonly onError?: (error: unknown) => void;
  readonly errorBackoffMs?: number;
}

/**
 * Be the one process that does `name`'s work: take the leadership (a PostgreSQL advisory lock;
 * in-process on PGlite), run `lead` while it is held, give it up when `lead` returns or throws,
 * and try again until `signal` aborts. A process without the leadership waits and retries, so
 * it takes over when the leader dies (its connection closes, the lock goes). The projection
 * runner (one per projection) and the TON dispatcher (the hot wallet's single writer) both run
 * on this loop.
 */
export async function runWhileLeader(
  database: Database,
  name: string,
  signal: AbortSignal,
  lead: (leadership: Leadership) => Promise<void>,
  options: LeaderLoopOptions = {},
): Promise<void> {
  while (!signal.aborted) {
    let leadership: Leadership | null = null;
    try {
      leadership = await database.tryLeadership(name);
      if (!leadership) {
        await delay(options.retryMs ?? 1000, signal);
        continue;
      }
      await lead(leadership);
    } catch (error) {
      options.onError?.(error);
      await delay(options.errorBackoffMs ?? 100, signal);
    } finally {
      await leadership?.release();
    }
  }
}
