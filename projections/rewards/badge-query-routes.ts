import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Database } from '../../adapters/database/database.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { pageCodec, pageOf, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';
import { badgeQueries, BadgeView } from './badge-projection.js';

const BadgeKey = t.type({ badgeType: t.string });
const UserParams = t.type({
  id: withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= 200, 'UserId'), { type: 'string', minLength: 1, maxLength: 200 }, { expected: 'a user id' }),
});

const description = (whose: string) =>
  `${whose}: one per badge type — its level (the highest awarded), \`onchain_status\` (\`none\` off-chain only; \`awaiting_wallet\` until the user verifies a TON wallet through the gateway; \`pending\` while the gateway mints it or, after a level-up, upgrades it; \`confirmed\`; \`failed\` with \`onchain_error\`) and \`onchain_token_id\`, the item index of the soul-bound badge in the gateway's collection (its TEP-64 metadata at \`GET /nft/badges/{index}.json\`). Ordered by badge type; \`limit\` 1–100 (default 20), \`nextCursor\` as \`cursor\` for the next page.`;

/** The badges query (issue 14 item 6): a user's badges, their levels and on-chain state. */
export function badgeQueryRoutes(database: Database): Route[] {
  const queries = badgeQueries(database.db);
  const page = async (userId: string, query: { cursor?: string; limit?: string }) => {
    const request = readPageRequest(query, BadgeKey);
    const rows = await queries.badgesOf(userId, { ...(request.after ? { afterType: request.after.badgeType } : {}), limit: request.limit });
    return { status: 200, body: pageOf(rows, request, (b) => ({ badgeType: b.badge_type }), BadgeKey) };
  };
  return [
    defineRoute({
      method: 'get',
      path: '/connect/users/me/badges',
      summary: 'The caller’s badges (NFTInstances) with their levels and on-chain state',
      description: description('Any signed-in user, their own badges'),
      tags: ['rewards'],
      auth: { roles: ['user'] },
      query: pageQuery,
      responses: {
        200: { description: 'A page of badges', schema: pageCodec(BadgeView) },
        400: { description: 'A malformed limit or cursor' },
        401: { description: 'No valid access token' },
        403: { description: 'Not a user (a service principal)' },
      },
      handle: async ({ query, principal }) => page(principal.id, query),
    }),
    defineRoute({
      method: 'get',
      path: '/connect/users/:id/badges',
      summary: 'A user’s badges (support and admins; a user may read their own)',
      description: description('Support and admins, any user’s badges; a user, their own'),
      tags: ['rewards'],
      auth: { roles: ['user', 'support'] },
      params: UserParams,
      query: pageQuery,
      responses: {
        200: { description: 'A page of badges', schema: pageCodec(BadgeView) },
        400: { description: 'A malformed user id, limit or cursor' },
        401: { description: 'No valid access token' },
        403: { description: 'badges.not_yours: another user’s badges, and the caller is neither support nor admin' },
      },
      handle: async ({ params, query, principal }) => {
        const seesAll = principal.roles.includes('admin') || principal.roles.includes('support');
        if (params.id !== principal.id && !seesAll) return left(domainError('forbidden', 'badges.not_yours', 'a user reads only their own badges', 'id'));
        return right(await page(params.id, query));
      },
    }),
  ];
}
