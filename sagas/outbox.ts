import { sql, type Kysely, type Transaction } from 'kysely';

/** A side effect to perform outside the database, at least once, deduplicated by its key. */
export interface Effect {
  /** Deterministic: the same decision always yields the same key, so re-enqueueing is a no-op. */
  readonly idempotencyKey: string;
  readonly kind: string;
  readonly payload: unknown;
  readonly correlationId?: string;
  /** Not before this time (default: now). */
  readonly notBefore?: Date;
}

/**
 * Record an effect in the caller's transaction (next to the state change that decided it).
 * The outbox worker performs it later; the same key twice is stored once.
 */
export async function enqueueEffect(trx: Transaction<any> | Kysely<any>, effect: Effect, now: Date): Promise<void> {
  await enqueueEffects(trx, [effect], now);
}

/**
 * Record several effects with one statement (a saga's batch, a cancellation's notices): the
 * same as enqueueing them one by one — the first of a key is stored, later ones are no-ops.
 */
export async function enqueueEffects(trx: Transaction<any> | Kysely<any>, effects: readonly Effect[], now: Date): Promise<void> {
  if (effects.length === 0) return;
  const first = new Map<string, Effect>();
  for (const effect of effects) if (!first.has(effect.idempotencyKey)) first.set(effect.idempotencyKey, effect);
  const values = [...first.values()].map((effect) => ({
    k: effect.idempotencyKey,
    kind: effect.kind,
    p: effect.payload,
    at: (effect.notBefore ?? now).toISOString(),
    c: effect.correlationId ?? null,
  }));
  await sql`
    insert into outbox (idempotency_key, kind, payload, next_attempt_at, correlation_id)
    select k, kind, p, at::timestamptz, c from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as e(k text, kind text, p jsonb, at text, c text)
    on conflict (idempotency_key) do nothing`.execute(trx);
}

export interface DeadLetter {
  readonly idempotencyKey: string;
  readonly kind: string;
  readonly payload: unknown;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: string;
}

/** Effects that exhausted their attempts, oldest first, keyset-paginated by `after`. */
export async function listDeadLetters(db: Kysely<any>, limit = 50, after?: string): Promise<DeadLetter[]> {
  const { rows } = await sql<{ idempotency_key: string; kind: string; payload: unknown; attempts: number; last_error: string | null; created_at: Date | string }>`
    select idempotency_key, kind, payload, attempts, last_error, created_at from outbox
    where status = 'dead' and (${after ?? null}::text is null or idempotency_key > ${after ?? null}::text)
    order by idempotency_key limit ${limit}`.execute(db);
  return rows.map((row) => ({
    idempotencyKey: row.idempotency_key,
    kind: row.kind,
    payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: new Date(row.created_at).toISOString(),
  }));
}

/** Put a dead letter back in the queue with a fresh attempt budget. False when there was none. */
export async function retryDeadLetter(db: Kysely<any>, idempotencyKey: string, now: Date): Promise<boolean> {
  const result = await sql`
    update outbox set status = 'pending', attempts = 0, next_attempt_at = ${now.toISOString()}::timestamptz,
                      locked_until = null, last_error = null
    where idempotency_key = ${idempotencyKey} and status = 'dead'`.execute(db);
  return Number(result.numAffectedRows ?? 0n) > 0;
}
