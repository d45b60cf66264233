import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Database } from '../../adapters/database/database.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { CursorSequence, CursorTimestamp, pageCodec, pageOf, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';
import { isRegion } from '../../domain/game-store/product.js';
import { catalogQueries, PriceChangeView, ProductView } from './catalog-projection.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RegionFilter = withJsonSchema(t.refinement(t.string, isRegion, 'Region'), { type: 'string', pattern: '^[A-Z]{2}$' }, { expected: 'an ISO 3166-1 alpha-2 region code in upper case ("RU")' });
const DeveloperFilter = withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= 100, 'DeveloperId'), { type: 'string', minLength: 1, maxLength: 100 }, { expected: 'a developer’s user id' });
const StatusFilter = withJsonSchema(t.keyof({ active: null, withdrawn: null }, 'ProductStatus'), { type: 'string', enum: ['active', 'withdrawn'] }, { expected: 'active or withdrawn' });

const ListKey = t.type({ listedAt: CursorTimestamp, id: t.string });
const HistoryKey = t.type({ revision: CursorSequence, region: t.string });
const notFound = () => left(domainError('not_found', 'catalog.product_not_found', 'no such product'));

/**
 * The public catalog (P-1): the products on sale, by region, cursor-paginated; one product with
 * its prices and status; its price history. `?status=withdrawn` lists withdrawn products to
 * admins (all) and developers (their own only).
 */
export function catalogQueryRoutes(database: Database): Route[] {
  const queries = catalogQueries(database.db);
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/catalog/products',
      summary: 'The catalog: games on sale, oldest listing first, cursor-paginated (P-1)',
      description:
        'Public. `region` keeps the games priced there (and shows only that price); `developer_id` one developer’s games. `status=withdrawn` (admins: all; developers: their own) lists the withdrawn ones instead. `limit` 1–100 (default 20); pass `nextCursor` as `cursor` for the next page.',
      tags: ['game-store'],
      auth: 'public',
      query: t.intersection([pageQuery, t.partial({ region: RegionFilter, developer_id: DeveloperFilter, status: StatusFilter })]),
      responses: {
        200: { description: 'A page of products', schema: pageCodec(ProductView) },
        400: { description: 'A malformed region, status, limit or cursor' },
        401: { description: 'status=withdrawn without a valid access token' },
        403: { description: 'catalog.withdrawn_hidden: status=withdrawn by someone neither admin nor developer' },
      },
      handle: async ({ query, principal }) => {
        const page = readPageRequest(query, ListKey);
        let developerId = query.developer_id;
        const status = query.status ?? 'active';
        if (status === 'withdrawn') {
          if (!principal) return left(domainError('unauthorized', 'auth.unauthenticated', 'withdrawn products are listed to their developers and admins: sign in'));
          if (!principal.roles.includes('admin')) {
            if (!principal.roles.includes('developer')) return left(domainError('forbidden', 'catalog.withdrawn_hidden', 'withdrawn products are listed to their developers and admins only', 'status'));
            if (developerId !== undefined && developerId !== principal.id) return right({ status: 200, body: { items: [], nextCursor: null } });
            developerId = principal.id;
          }
        }
        const rows = await queries.products({ status, ...(query.region ? { region: query.region } : {}), ...(developerId ? { developerId } : {}), ...(page.after ? { after: page.after } : {}), limit: page.limit });
        return right({ status: 200, body: pageOf(rows, page, (p) => ({ listedAt: p.listed_at, id: p.product_id }), ListKey) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/catalog/products/:id',
      summary: 'One game with its prices per region and its status (P-1)',
      description:
        'Public, withdrawn or not (a buyer who owns it still finds its page). To an admin and to the developer owning it, also `revenue_share_percent`: the developer’s share of its sales ("70", "72.5"; null: the default DEVELOPER_REVENUE_SHARE_PERCENT applies).',
      tags: ['game-store'],
      auth: 'public',
      params: t.type({ id: t.string }),
      responses: { 200: { description: 'The product', schema: ProductView }, 404: { description: 'catalog.product_not_found' } },
      handle: async ({ params, principal }) => {
        if (!UUID.test(params.id)) return notFound();
        const product = await queries.product(params.id, { withRevenueShare: (developerId) => principal?.kind === 'user' && (principal.roles.includes('admin') || principal.id === developerId) });
        return product ? right({ status: 200, body: product }) : notFound();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/catalog/products/:id/price-history',
      summary: 'Every price change of a game, oldest first (P-1)',
      description: 'Public (prices are). Each change: `listed` (priced when listed), `set` or `removed`, with the price before and after, when and by whom. `region` keeps one region’s changes.',
      tags: ['game-store'],
      auth: 'public',
      params: t.type({ id: t.string }),
      query: t.intersection([pageQuery, t.partial({ region: RegionFilter })]),
      responses: {
        200: { description: 'A page of price changes', schema: pageCodec(PriceChangeView) },
        400: { description: 'A malformed region, limit or cursor' },
        404: { description: 'catalog.product_not_found' },
      },
      handle: async ({ params, query }) => {
        const page = readPageRequest(query, HistoryKey, { defaultLimit: 50, maxLimit: 500 });
        if (!UUID.test(params.id) || !(await queries.product(params.id))) return notFound();
        const rows = await queries.priceHistory(params.id, { ...(page.after ? { after: page.after } : {}), ...(query.region ? { region: query.region } : {}), limit: page.limit });
        return right({ status: 200, body: pageOf(rows, page, (r) => ({ revision: String(r.revision), region: r.region }), HistoryKey) });
      },
    }),
  ];
}
