import { sql } from 'kysely';
import type { Database } from '../database/database.js';

/** A response kept for replay. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

export type Claim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'other_request' }
  | { readonly kind: 'in_flight' };

interface KeyRow {
  request_hash: string;
  status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  stale: boolean;
}

/**
 * Idempotency keys in the database, so every API instance sees them. Each step is one
 * statement (no transaction spans the handler: PGlite has a single connection):
 * claim = `insert … on conflict do nothing`; whoever inserted runs the handler, the others
 * see the row. A claim left in flight longer than `staleAfterMs` (its process died) may be
 * taken over.
 */
export class IdempotencyStore {
  private readonly staleAfterSeconds: number;

  constructor(
    private readonly database: Database,
    options: { readonly staleAfterMs?: number } = {},
  ) {
    this.staleAfterSeconds = (options.staleAfterMs ?? 120_000) / 1000;
  }

  async claim(owner: string, key: string, requestHash: string): Promise<Claim> {
    const db = this.database.db;
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await sql<{ idempotency_key: string }>`
        insert into http_idempotency_keys (owner, idempotency_key, request_hash)
        values (${owner}, ${key}, ${requestHash})
        on conflict do nothing
        returning idempotency_key`.execute(db);
      if (inserted.rows.length > 0) return { kind: 'claimed' };
      const { rows } = await sql<KeyRow>`
        select request_hash, status, response_headers, response_body,
               claimed_at < now() - make_interval(secs => ${this.staleAfterSeconds}::float8) as stale
        from http_idempotency_keys where owner = ${owner} and idempotency_key = ${key}`.execute(db);
      const row = rows[0];
      if (!row) continue; // released between the two statements: try to claim again
      if (row.request_hash !== requestHash) return { kind: 'other_request' };
      if (row.status !== null) {
        return { kind: 'replay', response: { status: row.status, headers: row.response_headers ?? {}, body: row.response_body ?? undefined } };
      }
      if (!row.stale) return { kind: 'in_flight' };
      const taken = await sql`
        update http_idempotency_keys set claimed_at = now()
        where owner = ${owner} and idempotency_key = ${key} and status is null
          and claimed_at < now() - make_interval(secs => ${this.staleAfterSeconds}::float8)
        returning idempotency_key`.execute(db);
      if (taken.rows.length > 0) return { kind: 'claimed' };
    }
    return { kind: 'in_flight' };
  }

  /** Keep the response of a claimed key for replay. */
  async complete(owner: string, key: string, response: StoredResponse): Promise<void> {
    await sql`
      update http_idempotency_keys
      set status = ${response.status}, response_headers = ${JSON.stringify(response.headers)}::jsonb,
          response_body = ${response.body ?? null}, completed_at = now()
      where owner = ${owner} and idempotency_key = ${key}`.execute(this.database.db);
  }

  /** Forget a claim whose request failed (5xx): a retry runs the handler again. */
  async release(owner: string, key: string): Promise<void> {
    await sql`delete from http_idempotency_keys where owner = ${owner} and idempotency_key = ${key} and status is null`.execute(
      this.database.db,
    );
  }

  /**
   * Drop keys claimed more than `olderThanMs` ago (a day is customary), at most `batch` rows a
   * call so a large backlog never holds a long transaction; returns how many went.
   */
  async prune(olderThanMs: number, batch = 1000): Promise<number> {
    const result = await sql`
      delete from http_idempotency_keys where (owner, idempotency_key) in (
        select owner, idempotency_key from http_idempotency_keys
        where claimed_at < now() - make_interval(secs => ${olderThanMs / 1000}::float8)
        limit ${batch})`.execute(this.database.db);
    return Number(result.numAffectedRows ?? 0n);
  }
}
