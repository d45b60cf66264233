import { right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Database } from '../../adapters/database/database.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { CursorSequence, encodeCursor, pageCodec, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { balanceQueries, BalancesView, PointsEntryView } from './balance-projection.js';

const UserId = withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= 200, 'UserId'), { type: 'string', minLength: 1, maxLength: 200 }, { expected: 'a user id' });
const EntryKey = t.type({ sequence: CursorSequence });

const BALANCES =
  'Points (whole points) and off-chain G2A (jetton units, 9 decimals), both as decimal strings: `g2a.balance` is Σ credits − Σ settled withdrawals, `g2a.held` what withdrawals under way hold, `g2a.available` = balance − held (what a withdrawal may take). The read model follows the ledgers within moments of a reward or a withdrawal.';

/**
 * The balances of Connect (issue 14, item 8): a user's own, anyone's for support and admins,
 * and a user's points entries. `pointsOf` overrides where points come from — an outside Points
 * service (POINTS_SERVICE_URL) keeps them, not Connect's read model.
 */
export function balanceQueryRoutes(database: Database, options: { readonly pointsOf?: (userId: string) => Promise<bigint> } = {}): Route[] {
  const queries = balanceQueries(database.db);
  async function balances(userId: string): Promise<BalancesView> {
    const view = await queries.balancesOf(userId);
    return options.pointsOf ? { ...view, points: (await options.pointsOf(userId)).toString() } : view;
  }
  return [
    defineRoute({
      method: 'get',
      path: '/connect/users/me/balances',
      summary: 'The caller’s points and G2A balances (Connect, issue 14)',
      description: BALANCES,
      tags: ['rewards'],
      auth: { roles: ['user'] },
      responses: { 200: { description: 'The balances', schema: BalancesView }, 401: { description: 'No valid access token' }, 403: { description: 'Not a user' } },
      handle: async ({ principal }) => right({ status: 200, body: await balances(principal.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/connect/users/me/points/entries',
      summary: 'The caller’s points entries, newest first (Connect, issue 14)',
      description: 'Every credit of the caller’s points account with the balance after it. `limit` 1–100 (default 20); pass `nextCursor` as `cursor` for older ones.',
      tags: ['rewards'],
      auth: { roles: ['user'] },
      query: pageQuery,
      responses: {
        200: { description: 'A page of entries', schema: pageCodec(PointsEntryView) },
        400: { description: 'A malformed limit or cursor' },
        401: { description: 'No valid access token' },
        403: { description: 'Not a user' },
      },
      handle: async ({ principal, query }) => {
        const page = readPageRequest(query, EntryKey);
        const rows = await queries.pointsEntriesOf(principal.id, { ...(page.after ? { before: page.after.sequence } : {}), limit: page.limit });
        const items = rows.slice(0, page.limit);
        const last = items[items.length - 1];
        return right({ status: 200, body: { items, nextCursor: rows.length > page.limit && last ? encodeCursor(EntryKey, { sequence: String(last.sequence) }) : null } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/connect/users/:userId/balances',
      summary: 'A user’s points and G2A balances, for support and admins (Connect, issue 14)',
      description: `Support and admins; a user reads their own at /connect/users/me/balances. ${BALANCES}`,
      tags: ['rewards'],
      auth: { roles: ['support', 'admin'] },
      params: t.type({ userId: UserId }),
      responses: {
        200: { description: 'The balances (zeros for a user with nothing yet)', schema: BalancesView },
        400: { description: 'A malformed user id' },
        401: { description: 'No valid access token' },
        403: { description: 'Neither support nor admin' },
      },
      handle: async ({ params }) => right({ status: 200, body: await balances(params.userId) }),
    }),
  ];
}
