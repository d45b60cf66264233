import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Database } from '../../adapters/database/database.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { CursorTimestamp, pageCodec, pageOf, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import type { Principal } from '../../adapters/http/principal.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';
import { libraryQueries, LibraryItemView } from './library-projection.js';

const BuyerFilter = withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= 100, 'BuyerId'), { type: 'string', minLength: 1, maxLength: 100 }, { expected: 'a buyer’s user id' });
const ItemKey = t.type({ addedAt: CursorTimestamp, productId: t.string });
/** Who may read another buyer's library: support and admins (answering a buyer's question). */
const seesAll = (principal: Principal) => principal.roles.includes('admin') || principal.roles.includes('support');

/** The library query (P-6): the games a buyer owns, newest first. */
export function libraryQueryRoutes(database: Database): Route[] {
  const queries = libraryQueries(database.db);
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/library/items',
      summary: 'The caller’s games: what they own now, newest first, cursor-paginated (P-6)',
      description:
        'Any signed-in user: their own library — each game with the order it came through, its title and developer as bought, `acquisition` (purchase), when it was bought and when it landed here. A refunded game is gone from it; bought again, it is back with its new order. Support and admins may name another buyer with `buyer_id`. `limit` 1–100 (default 20); pass `nextCursor` as `cursor` for the next page. The purchase saga adds the games once the payment completed: right after the webhook, allow a moment (the order’s progress says when its games are in the library).',
      tags: ['game-store'],
      auth: { roles: ['user'] },
      query: t.intersection([pageQuery, t.partial({ buyer_id: BuyerFilter })]),
      responses: {
        200: { description: 'A page of the library', schema: pageCodec(LibraryItemView) },
        400: { description: 'A malformed buyer_id, limit or cursor' },
        401: { description: 'No valid access token' },
        403: { description: 'Not a user (a service principal); library.not_yours: buyer_id names another buyer and the caller is neither support nor admin' },
      },
      handle: async ({ query, principal }) => {
        const page = readPageRequest(query, ItemKey);
        const buyerId = query.buyer_id ?? principal.id;
        if (buyerId !== principal.id && !seesAll(principal)) return left(domainError('forbidden', 'library.not_yours', 'a buyer reads only their own library', 'buyer_id'));
        const rows = await queries.itemsOf(buyerId, { ...(page.after ? { after: page.after } : {}), limit: page.limit });
        return right({ status: 200, body: pageOf(rows, page, (item) => ({ addedAt: item.added_at, productId: item.product_id }), ItemKey) });
      },
    }),
  ];
}
