import { sql } from 'kysely';
import type { Database } from '../adapters/database/database.js';
import { BackgroundLoop } from './background-loop.js';
import { delay } from '../platform/delay.js';
import { systemClock, type Clock } from '../platform/clock.js';

export interface EffectContext {
  /** Pass it to the outside system (PSP Idempotence-Key, callback header …): a repeat is recognised. */
  readonly idempotencyKey: string;
  /** 1 on the first try. */
  readonly attempt: number;
  readonly correlationId: string | null;
}

export type EffectHandler = (payload: any, context: EffectContext) => Promise<void>;

/** Thrown by a handler when retrying cannot help (bad address, refused for good): dead at once. */
export class PermanentEffectFailure extends Error {
  override readonly name = 'PermanentEffectFailure';
}

/**
 * Thrown by a handler whose outside system has not finished yet (a fiscal receipt the cash
 * register still holds in `wait`): asked again after `retryAfterMs`, and the wait is not a
 * failed attempt — it neither uses up the attempt budget nor logs a warning.
 */
export class EffectNotReady extends Error {
  override readonly name = 'EffectNotReady';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

export interface OutboxWorkerOptions {
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** How long a claimed effect is reserved for this worker before another may take it. */
  readonly leaseMs?: number;
  readonly batchSize?: number;
  readonly pollMs?: number;
  readonly clock?: Clock;
  readonly onError?: (kind: string, key: string, error: unknown) => void;
}

/** How long a worker with fewer than half its places free waits for more before it claims. */
const CLAIM_LINGER_MS = 20;

interface ClaimedRow {
  idempotency_key: string;
  kind: string;
  payload: unknown;
  attempts: number;
  correlation_id: string | null;
}

/**
 * Performs outbox effects: claims due rows (skip-locked, with a lease so a crashed worker's
 * claims come back), runs the handler with the effect's idempotency key, marks it done, or
 * schedules a retry with exponential backoff and full jitter; after `maxAttempts` the effect
 * becomes a dead letter that can be listed and retried.
 *
 * Running, it keeps up to `batchSize` effects in hand and claims more as places free up (not
 * batch after batch): an effect that takes long — a provider's timeout — holds only its own
 * place, and effects stored meanwhile are claimed at once when the worker is woken. With fewer
 * than half its places free it waits up to `CLAIM_LINGER_MS` for more before claiming, so a
 * backlog is claimed in bunches rather than an effect or two per statement.
 */
export class OutboxWorker {
  private readonly loop: BackgroundLoop;
  private readonly clock: Clock;
  /** The effects the running worker is performing. */
  private readonly inHand = new Set<Promise<void>>();
  private readonly completions: Completions;

  constructor(
    private readonly database: Database,
    private readonly handlers: Readonly<Record<string, EffectHandler>>,
    private readonly options: OutboxWorkerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.completions = new Completions(async (keys) => {
      await sql`
        update outbox set status = 'done', completed_at = ${this.clock.now().toISOString()}::timestamptz, locked_until = null, last_error = null
        where idempotency_key in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`.execute(this.database.db);
    });
    this.loop = new BackgroundLoop(() => this.claimMore(), options.pollMs ?? 200, (error) => options.onError?.('outbox', '-', error));
  }

  start(): void {
    this.loop.start();
  }

  /**
   * Effects were just stored in this process (a saga's reaction committed): claim now rather
   * than at the next poll (wakes while it claims make one more claim right after).
   */
  wake(): void {
    this.loop.wake();
  }

  /** Stops claiming; waits for the effects in hand. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.all(this.inHand);
  }

  /** Claim and perform one batch of due effects; returns how many were attempted. */
  async drainOnce(): Promise<number> {
    const claimed = await this.claim(this.options.batchSize ?? 20);
    await Promise.all(claimed.map((row) => this.perform(row)));
    return claimed.length;
  }

  /** One round of the running worker: claims what there is room for and starts it; true when it claimed some (more may be due) or waited for room. */
  private async claimMore(): Promise<boolean> {
    const size = this.options.batchSize ?? 20;
    let room = size - this.inHand.size;
    if (room <= 0) {
      await Promise.race(this.inHand);
      return true;
    }
    if (room < size / 2) {
      // Under a backlog places free one or two at a time, and a claim for each is a statement
      // per effect or two (issue 16). Let more places free for a moment so claims come in bunches;
      // an effect that takes long still holds only its own place.
      await Promise.race([delay(CLAIM_LINGER_MS), Promise.all(this.inHand)]);
      room = size - this.inHand.size;
    }
    const claimed = await this.claim(room);
    for (const row of claimed) {
      // perform records the handler's failure itself; what reaches here is the outbox row not written (the lease brings the effect back)
      const performing: Promise<void> = this.perform(row)
        .catch((error: unknown) => this.options.onError?.(row.kind, row.idempotency_key, error))
        .finally(() => this.inHand.delete(performing));
      this.inHand.add(performing);
    }
    return claimed.length > 0;
  }

  private async claim(limit: number): Promise<ClaimedRow[]> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + (this.options.leaseMs ?? 60_000));
    const { rows } = await sql<ClaimedRow>`
      update outbox set attempts = attempts + 1, locked_until = ${leaseUntil.toISOString()}::timestamptz
      where idempotency_key in (
        select idempotency_key from outbox
        where status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz
          and (locked_until is null or locked_until <= ${now.toISOString()}::timestamptz)
        order by next_attempt_at
        limit ${limit}
        for update skip locked)
      returning idempotency_key, kind, payload, attempts, correlation_id`.execute(this.database.db);
    return rows;
  }

  private async perform(row: ClaimedRow): Promise<void> {
    const handler = this.handlers[row.kind];
    const payload = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
    try {
      if (!handler) throw new PermanentEffectFailure(`no handler for effect kind ${row.kind}`);
      await handler(payload, { idempotencyKey: row.idempotency_key, attempt: row.attempts, correlationId: row.correlation_id });
      await this.completions.done(row.idempotency_key);
    } catch (error) {
      if (error instanceof EffectNotReady) {
        const retryAt = new Date(this.clock.now().getTime() + Math.max(0, error.retryAfterMs));
        await sql`
          update outbox set attempts = greatest(attempts - 1, 0), last_error = ${error.message.slice(0, 2000)},
                            next_attempt_at = ${retryAt.toISOString()}::timestamptz, locked_until = null
          where idempotency_key = ${row.idempotency_key}`.execute(this.database.db);
        return;
      }
      this.options.onError?.(row.kind, row.idempotency_key, error);
      const message = error instanceof Error ? error.message : String(error);
      const dead = error instanceof PermanentEffectFailure || row.attempts >= (this.options.maxAttempts ?? 8);
      const retryAt = new Date(this.clock.now().getTime() + this.backoff(row.attempts));
      await sql`
        update outbox set status = ${dead ? 'dead' : 'pending'}, last_error = ${message.slice(0, 2000)},
                          next_attempt_at = ${retryAt.toISOString()}::timestamptz, locked_until = null
        where idempotency_key = ${row.idempotency_key}`.execute(this.database.db);
    }
  }

  /** Exponential backoff with full jitter: uniform in [base, min(max, base·2^(attempt-1))]. */
  private backoff(attempt: number): number {
    const base = this.options.baseDelayMs ?? 500;
    const ceiling = Math.min(this.options.maxDelayMs ?? 300_000, base * 2 ** Math.max(0, attempt - 1));
    return base + Math.random() * Math.max(0, ceiling - base);
  }
}

/**
 * Marks performed effects done: the first is written at once; those that finish while that
 * write is in flight are written together by the next one (one statement for many effects, as
 * group commit does for appends). `done` resolves once its effect's row says so.
 */
class Completions {
  private waiting: { readonly key: string; readonly resolve: () => void; readonly reject: (error: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly write: (keys: readonly string[]) => Promise<void>) {}

  done(key: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (!this.writing) void this.writeAll();
    });
  }

  private async writeAll(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, 500);
        try {
          await this.write(batch.map((entry) => entry.key));
          for (const entry of batch) entry.resolve();
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

