import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../adapters/database/database.js';
import { BackgroundLoop } from './background-loop.js';
import { systemClock, type Clock } from '../platform/clock.js';

export interface TimerRequest {
  /** Deterministic id (e.g. `reminder:<gathering id>`): scheduling it again moves the same timer. */
  readonly id: string;
  readonly kind: string;
  readonly dueAt: Date;
  readonly payload: unknown;
}

export interface DueTimer {
  readonly id: string;
  readonly kind: string;
  readonly dueAt: Date;
  readonly payload: any;
}

/**
 * Fires inside the transaction that marks the timer fired: whatever it writes through `trx`
 * (saga state, outbox effects, new timers) happens exactly once with the firing.
 */
export type TimerHandler = (trx: Transaction<any>, timer: DueTimer, now: Date) => Promise<void>;

/** Schedule, or move a still-scheduled timer with the same id to a new due time. */
export async function scheduleTimer(db: Transaction<any> | Kysely<any>, timer: TimerRequest): Promise<void> {
  await sql`
    insert into timers (id, kind, due_at, payload)
    values (${timer.id}, ${timer.kind}, ${timer.dueAt.toISOString()}::timestamptz, ${JSON.stringify(timer.payload)}::jsonb)
    on conflict (id) do update set due_at = excluded.due_at, payload = excluded.payload
    where timers.status = 'scheduled'`.execute(db);
}

export async function cancelTimer(db: Transaction<any> | Kysely<any>, id: string): Promise<void> {
  await sql`update timers set status = 'cancelled' where id = ${id} and status = 'scheduled'`.execute(db);
}

const MAX_TIMER_ATTEMPTS = 10;

export interface TimerWorkerOptions {
  readonly clock?: Clock;
  readonly pollMs?: number;
  readonly batchSize?: number;
  readonly onError?: (timer: string, error: unknown) => void;
}

/**
 * Fires due timers. Timers are rows, so a timer scheduled before a restart fires after it;
 * each fires in its own transaction (skip-locked), so two workers never fire one twice.
 */
export class TimerWorker {
  private readonly loop: BackgroundLoop;
  private readonly clock: Clock;
  private readonly onError: TimerWorkerOptions['onError'];

  constructor(
    private readonly database: Database,
    private readonly handlers: Readonly<Record<string, TimerHandler>>,
    options: TimerWorkerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.onError = options.onError;
    this.loop = new BackgroundLoop(
      async () => {
        await this.fireDue();
        return false;
      },
      options.pollMs ?? 500,
      (error) => options.onError?.('timers', error),
    );
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Fire every timer due now; returns how many fired. */
  async fireDue(): Promise<number> {
    let fired = 0;
    for (;;) {
      const firedOne = await this.fireOne();
      if (!firedOne) return fired;
      fired++;
    }
  }

  private async fireOne(): Promise<boolean> {
    const now = this.clock.now();
    let firing: DueTimer | undefined;
    try {
      return await this.fire(now, (timer) => (firing = timer));
    } catch (error) {
      if (!firing) throw error;
      // A failing timer must not hold back the ones due after it: try it again later, and
      // after MAX_TIMER_ATTEMPTS leave it failed (visible in the timers table) for an operator.
      this.onError?.(firing.id, error);
      const message = error instanceof Error ? error.message : String(error);
      await sql`
        update timers set attempts = attempts + 1, last_error = ${message.slice(0, 2000)},
               status = case when attempts + 1 >= ${MAX_TIMER_ATTEMPTS} then 'failed' else status end,
               due_at = ${now.toISOString()}::timestamptz + make_interval(secs => least(3600, power(2, attempts + 1)))
        where id = ${firing.id} and status = 'scheduled'`.execute(this.database.db);
      return true;
    }
  }

  private async fire(now: Date, onPicked: (timer: DueTimer) => void): Promise<boolean> {
    return this.database.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ id: string; kind: string; due_at: Date | string; payload: unknown }>`
        select id, kind, due_at, payload from timers
        where status = 'scheduled' and due_at <= ${now.toISOString()}::timestamptz
        order by due_at limit 1 for update skip locked`.execute(trx);
      const row = rows[0];
      if (!row) return false;
      const timer: DueTimer = {
        id: row.id,
        kind: row.kind,
        dueAt: new Date(row.due_at),
        payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
      };
      onPicked(timer);
      const handler = this.handlers[timer.kind];
      if (!handler) throw new Error(`no handler for timer kind ${timer.kind} (timer ${timer.id})`);
      await handler(trx, timer, now);
      await sql`update timers set status = 'fired', fired_at = ${now.toISOString()}::timestamptz where id = ${timer.id}`.execute(trx);
      return true;
    });
  }
}
