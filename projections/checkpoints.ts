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

/**
 * Read-your-writes: wait until projection `name` has processed everything up to `position`
 * (typically the position a command's append returned). Resolves true when reached, false on
 * timeout. In-process it wakes on the runner's announcement and compares in memory (hundreds
 * of waiting requests cost no queries); across processes it polls the checkpoint.
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
    const known = announced.get(key);
    return known !== undefined && comparePositions(known, position) >= 0;
  };
  let askDatabase = !announced.has(key);
  for (;;) {
    if (reached()) return true;
    if (askDatabase && comparePositions(await readCheckpoint(database.db, name), position) >= 0) return true;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return false;
    askDatabase = await new Promise<boolean>((resolve) => {
      const done = (timedOut: boolean) => {
        clearTimeout(timer);
        advanced.off(key, onAnnounce);
        resolve(timedOut);
      };
      const onAnnounce = () => done(false);
      // a projection this process runs announces every batch: the database is only the fallback
      const interval = announced.has(key) ? Math.max(1000, pollMs * 4) : pollMs * 4;
      const timer = setTimeout(() => done(true), Math.min(interval, remaining));
      advanced.once(key, onAnnounce);
    });
  }
}
