import { right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Database } from '../../adapters/database/database.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { CursorSequence, encodeCursor, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { developerLedgerQueries, DeveloperBalanceView, LedgerEntryView } from './developer-ledger-projection.js';

const DeveloperId = withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= 100, 'DeveloperId'), { type: 'string', minLength: 1, maxLength: 100 }, { expected: 'a developer’s user id' });
const EntryKey = t.type({ sequence: CursorSequence });

/** A developer's balance and the entries behind it. */
export const DeveloperStatementView = t.type({
  developer_id: t.string,
  /** One per currency the developer has entries in, by currency (none: nothing sold yet). */
  balances: t.array(DeveloperBalanceView),
  /** Newest first. */
  entries: t.array(LedgerEntryView),
  /** Pass as `cursor` for the next (older) page of entries; null on the last page. */
  next_cursor: t.union([t.string, t.null]),
});
export type DeveloperStatementView = t.TypeOf<typeof DeveloperStatementView>;

const DESCRIPTION =
  'The balance per currency (Σ credits − Σ debits; credited and debited totals beside it) and the ledger entries behind it, newest first: a credit per game sold (the sale, the revenue share applied, the amount floor(sale × share)), a debit per game refunded (exactly what its sale credited), each with the balance after it. Amounts in major units (`value`) and minor units (`amount_minor`). `limit` 1–100 (default 20) entries per page; pass `next_cursor` as `cursor` for older ones. The read model follows the ledger within moments of a purchase completing.';

/** The developers' balances (issue 13, item 5): a developer's own, and any for support and admins. */
export function developerBalanceRoutes(database: Database): Route[] {
  const queries = developerLedgerQueries(database.db);
  async function statement(developerId: string, query: { readonly cursor?: string | undefined; readonly limit?: string | undefined }) {
    const page = readPageRequest(query, EntryKey);
    const rows = await queries.entriesOf(developerId, { ...(page.after ? { before: page.after.sequence } : {}), limit: page.limit });
    const entries = rows.slice(0, page.limit);
    const last = entries[entries.length - 1];
    const body: DeveloperStatementView = {
      developer_id: developerId,
      balances: await queries.balancesOf(developerId),
      entries,
      next_cursor: rows.length > page.limit && last ? encodeCursor(EntryKey, { sequence: String(last.sequence) }) : null,
    };
    return right({ status: 200, body });
  }
  return [
    // before /{developerId}: "me" is the caller
    defineRoute({
      method: 'get',
      path: '/api/v1/developers/me/balance',
      summary: 'The calling developer’s balance and the ledger entries behind it (issue 13)',
      description: `Developers: their own. ${DESCRIPTION}`,
      tags: ['game-store'],
      auth: { roles: ['developer'] },
      query: pageQuery,
      responses: {
        200: { description: 'The balance and a page of entries', schema: DeveloperStatementView },
        400: { description: 'A malformed limit or cursor' },
        401: { description: 'No valid access token' },
        403: { description: 'Not a developer' },
      },
      handle: async ({ query, principal }) => statement(principal.id, query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/developers/:developerId/balance',
      summary: 'A developer’s balance and the ledger entries behind it, for support and admins (issue 13)',
      description: `Support and admins; a developer reads its own at /api/v1/developers/me/balance. A developer with nothing sold has no balances and no entries. ${DESCRIPTION}`,
      tags: ['game-store'],
      auth: { roles: ['admin', 'support'] },
      params: t.type({ developerId: DeveloperId }),
      query: pageQuery,
      responses: {
        200: { description: 'The balance and a page of entries', schema: DeveloperStatementView },
        400: { description: 'A malformed developer id, limit or cursor' },
        401: { description: 'No valid access token' },
        403: { description: 'Neither support nor admin' },
      },
      handle: async ({ params, query }) => statement(params.developerId, query),
    }),
  ];
}
