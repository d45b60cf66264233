import { EventEmitter } from 'node:events';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../adapters/database/database.js';
import { START, comparePositions, type Position } from '../adapters/eventstore/event-store.js';

interface CheckpointRow {
  commit_position: string;
  prepare_position: string;
}

/** Checkpoint advances made in this process, so waiting readers wake without polling. */
const advanced = new EventEmitter().setMaxListeners(0);

export async function readCheckpoint(db: Kysely<any> | Transaction<any>, name: string, forUpdate = false): Promise<Position> {
  const { rows } = forUpdate
    ? await sql<CheckpointRow>`select commit_position::text, prepare_position::text from projection_checkpoints where name = ${name} for update`.execute(db)
    : await sql<CheckpointRow>`select commit_position::text, prepare_position::text from projection_checkpoints where name = ${name}`.execute(db);
  const row = rows[0];
  return row ? { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) } : START;
}

export async function writeCheckpoint(trx: Transaction<any>, name: string, position: Position): Promise<void> {
  await sql`
    insert into projection_checkpoints (name, commit_position, prepare_position, updated_at)
    values (${name}, ${position.commit.toString()}::numeric, ${position.prepare.toString()}::numeric, now())
    on conflict (name) do update
      set commit_position = excluded.commit_position, prepare_position = excluded.prepare_position, updated_at = now()`.execute(trx);
}

/** The furthest checkpoint each projection has announced in this process (key: schema:name). */
const announced = new Map<string, Position>();

/** Tell in-process readers a projection has committed its checkpoint at `position`. */
export function announceCheckpoint(database: Database, name: string, position: Position): void {
  const key = `${database.schema}:${name}`;
  const known = announced.get(key);
  if (!known || comparePositions(position, known) > 0) announced.set(key, position);
  advanced.emit(key);
}

/** What the shared poll (below) last read of each projection's checkpoint (key: schema:name). */
const polled = new Map<string, Position>();
/** The shared polls running, with how many readers each is waiting for. */
const polls = new Map<string, { waiters: number }>();

/** The furthest this process knows projection `key` has come: announced here or read by the shared poll. */
function furthest(key: string): Position | undefined {
  const a = announced.get(key);
  const b = polled.get(key);
  return a === undefined ? b : b === undefined ? a : comparePositions(a, b) >= 0 ? a : b;
}

/**
 * Read-your-writes: wait until projection `name` has processed everything up to `position`
 * (typically the position a command's append returned). Resolves true when reached, false on
 * timeout. In-process it wakes on the runner's announcement and compares in memory (hundreds
 * of waiting requests cost no queries). Across processes (an API instance; the worker runs the
 * projection) every reader of a projection shares one poll of its checkpoint, every `pollMs`
 * while any reader waits — one query per round however many requests wait, not one per request
 * (issue 16: per-request polls were 1.85 of 5 statements per sale in the scaled on-sale rush).
 */
export async function waitForProjection(
  database: Database,
  name: string,
  position: Position,
  timeoutMs = 5000,
  pollMs = 25,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const key = `${database.schema}:${name}`;
  const reached = () => {
    const known = furthest(key);
    return known !== undefined && comparePositions(known, position) >= 0;
  };
  if (reached()) return true;
  const leave = joinPoll(database, name, key, pollMs);
  try {
    for (;;) {
      if (reached()) return true;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          advanced.off(key, done);
          resolve();
        };
        const timer = setTimeout(done, remaining);
        advanced.once(key, done);
      });
    }
  } finally {
    leave();
  }
}

/** Counts a reader in the shared poll of `key` (starting it for the first); returns how to leave. */
function joinPoll(database: Database, name: string, key: string, pollMs: number): () => void {
  const joined = polls.get(key) ?? { waiters: 0 };
  joined.waiters++; // before the poll starts: it runs while there are waiters
  if (!polls.has(key)) {
    polls.set(key, joined);
    void pollWhileWaited(database, name, key, joined, pollMs);
  }
  return () => {
    joined.waiters--;
  };
}

/**
 * One loop per projection while readers wait: read the checkpoint, tell the readers when it
 * moved, sleep. A projection this process runs announces every batch, so its poll is only the
 * fallback (another process may lead it now) and runs every second. The first read is at once.
 */
async function pollWhileWaited(database: Database, name: string, key: string, poll: { waiters: number }, pollMs: number): Promise<void> {
  try {
    while (poll.waiters > 0) {
      try {
        const position = await readCheckpoint(database.db, name);
        const known = polled.get(key);
        if (known === undefined || comparePositions(position, known) > 0) {
          polled.set(key, position);
          advanced.emit(key);
        }
      } catch {
        // the database is away for a moment: the readers time out on their own if it stays away
      }
      if (poll.waiters === 0) break;
      await new Promise((resolve) => setTimeout(resolve, announced.has(key) ? Math.max(1000, pollMs * 4) : pollMs));
    }
  } finally {
    polls.delete(key);
  }
}
