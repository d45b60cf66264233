import { isRight } from 'fp-ts/Either';
import * as t from 'io-ts';
import { inputFault } from './input-text.js';
import { HttpProblem, invalidInput } from './problem.js';
import { withJsonSchema } from './json-schema.js';
import { isIsoDateTime } from './text-codecs.js';

/**
 * Keyset pagination. A cursor is the key of the last item of a page (e.g. `{ createdAt, id }`)
 * encoded as opaque base64url text; the next page is "rows after that key, in key order".
 * The key's codec validates what the cursor carries, field by field, as strictly as the
 * column it is compared with (`CursorTimestamp`, `CursorSequence`): a cursor that decodes to
 * nonsense (`{"startsAt":"-1"}`) is a 400 naming `cursor`, never a database error.
 *
 * ```ts
 * const TicketKey = t.type({ purchasedAt: CursorTimestamp, id: t.string });
 * query: t.intersection([pageQuery, t.partial({ status: t.string })]),
 * handle: async ({ query }) => {
 *   const page = readPageRequest(query, TicketKey);
 *   const rows = await db.selectFrom('rm_tickets')…
 *     .$if(page.after !== undefined, (q) => q.where(sql`(purchased_at, id) > (${page.after!.purchasedAt}, ${page.after!.id})`))
 *     .orderBy('purchased_at').orderBy('id').limit(page.limit + 1).execute();   // one extra row: is there a next page?
 *   return { status: 200, body: pageOf(rows, page, (r) => ({ purchasedAt: r.purchased_at, id: r.id })) };
 * }
 * ```
 */
export const pageQuery = t.partial({
  cursor: withJsonSchema(t.string, { type: 'string', description: 'Opaque cursor from a previous page’s nextCursor' }),
  limit: withJsonSchema(t.string, { type: 'integer', minimum: 1, description: 'Items per page' }),
});

/**
 * A cursor field compared with a `timestamptz` column: an ISO-8601 instant (a row's Date, or
 * its text, is written in ISO form).
 */
export const CursorTimestamp = new t.Type<string, string, unknown>(
  'CursorTimestamp',
  (u): u is string => typeof u === 'string' && isIsoDateTime(u),
  (u, c) => (typeof u === 'string' && isIsoDateTime(u) ? t.success(u) : t.failure(u, c, 'must be an ISO-8601 date-time')),
  (value) => new Date(value).toISOString(),
);

/** A cursor field compared with a `bigint` column: 1–18 digits (always within its range). */
export const CursorSequence = t.refinement(t.string, (s) => /^\d{1,18}$/.test(s), 'CursorSequence');

export interface PageRequest<K> {
  /** Items strictly after this key; undefined for the first page. */
  readonly after: K | undefined;
  readonly limit: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Null on the last page. */
  readonly nextCursor: string | null;
}

/** The response codec of a page of `item`s, for route `responses`. */
export const pageCodec = <C extends t.Mixed>(item: C) => t.type({ items: t.array(item), nextCursor: t.union([t.string, t.null]) });

export function encodeCursor<K, O>(keyCodec: t.Type<K, O, unknown>, key: K): string {
  return Buffer.from(JSON.stringify(keyCodec.encode(key)), 'utf8').toString('base64url');
}

/** Read `cursor` and `limit`; a cursor that does not decode or a limit out of bounds → 400 naming it. */
export function readPageRequest<K, O>(
  query: { readonly cursor?: string | undefined; readonly limit?: string | undefined },
  keyCodec: t.Type<K, O, unknown>,
  bounds: { readonly defaultLimit?: number; readonly maxLimit?: number } = {},
): PageRequest<K> {
  const maxLimit = bounds.maxLimit ?? 100;
  const defaultLimit = Math.min(bounds.defaultLimit ?? 20, maxLimit);
  let limit = defaultLimit;
  if (query.limit !== undefined) {
    limit = /^\d{1,6}$/.test(query.limit) ? Number(query.limit) : NaN;
    if (!(limit >= 1 && limit <= maxLimit)) {
      throw invalidInput([{ field: 'limit', in: 'query', message: `must be a whole number from 1 to ${maxLimit}` }]);
    }
  }
  if (query.cursor === undefined || query.cursor === '') return { after: undefined, limit };
  return { after: decodeCursor(query.cursor, keyCodec), limit };
}

function decodeCursor<K, O>(cursor: string, keyCodec: t.Type<K, O, unknown>): K {
  const invalid = (): HttpProblem => invalidInput([{ field: 'cursor', in: 'query', message: 'is not a cursor this list issued' }]);
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) throw invalid();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (inputFault(json, 'cursor', 4) !== undefined) throw invalid();
  const decoded = keyCodec.decode(json);
  if (!isRight(decoded)) throw invalid();
  return decoded.right;
}

/**
 * The page from rows fetched with `limit + 1`: the extra row only says a next page exists,
 * and the cursor is the key of the page's last item.
 */
export function pageOf<T, K, O>(rows: readonly T[], request: PageRequest<K>, keyOf: (row: T) => K, keyCodec: t.Type<K, O, unknown>): Page<T> {
  const items = rows.slice(0, request.limit);
  const hasMore = rows.length > request.limit;
  return { items, nextCursor: hasMore && items.length > 0 ? encodeCursor(keyCodec, keyOf(items[items.length - 1]!)) : null };
}
