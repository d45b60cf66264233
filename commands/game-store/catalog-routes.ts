import { randomUUID } from 'node:crypto';
import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import type { Principal } from '../../adapters/http/principal.js';
import { invalidInput } from '../../adapters/http/problem.js';
import { defineRoute, type Route, type RouteResult } from '../../adapters/http/route.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { userDecider, streamOfUser } from '../../domain/accounts/user.js';
import { fromMinorUnits, toMinorUnits } from '../../domain/money.js';
import { basisPointsOfPercent, isSharePercent, percentOfBasisPoints, productDecider, SHARE_PERCENT_PATTERN, streamOfProduct, type ListedProduct, type ProductCommand } from '../../domain/game-store/product.js';
import type { Clock } from '../../platform/clock.js';
import { ProductView } from '../../projections/game-store/catalog-projection.js';
import { ConcurrencyExhausted, handleCommand } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { Amount, closedObject, Currency, isId, PaymentSubject, PriceBody, Region, Title, UserId, Vat } from './catalog-codecs.js';

export interface CatalogRouteDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  /** Read-your-writes: resolves once the catalog read model has applied `position` (bounded). */
  readonly catalogReached: (position: Position) => Promise<unknown>;
}

export const DEVELOPER_ROLE = 'developer';

const ListingPrice = closedObject('ListingPrice', { region: Region, currency: Currency, amount: Amount }, {});
const ListBody = closedObject(
  'ListProduct',
  { title: Title, vat: Vat },
  { developer_id: UserId, payment_subject: PaymentSubject, prices: t.array(ListingPrice) },
);
const ReviseBody = closedObject('ReviseProduct', {}, { title: Title, vat: Vat, payment_subject: PaymentSubject });
const IdParams = t.type({ id: t.string });

const SharePercent = withJsonSchema(
  t.refinement(t.string, isSharePercent, 'SharePercent'),
  { type: 'string', pattern: SHARE_PERCENT_PATTERN },
  { expected: 'a percent from 0 to 100 as a decimal string with at most two decimals ("70", "72.5")' },
);
const RevenueShareBody = closedObject('RevenueShare', { share_percent: SharePercent }, {});
const PriceParams = t.type({ id: t.string, region: t.string });

const MAX_REGIONS = 250;
/** Attempts after a concurrent write on one product before answering 429 (many editors at once). */
const PRODUCT_RETRIES = 30;

export const productNotFound = (): DomainError => domainError('not_found', 'catalog.product_not_found', 'no such product');
const busy = (): DomainError => domainError('rate_limited', 'catalog.busy', 'the product is being changed by many at once; retry');
const actorOf = (principal: Principal) => ({ id: principal.id, isAdmin: principal.roles.includes('admin') });

/** The answer of every catalog command: the product as its stream has it now. */
export function productViewOf(state: ListedProduct, version: bigint): ProductView {
  return {
    product_id: state.productId,
    title: state.title,
    developer_id: state.developerId,
    status: state.status,
    vat: state.vat,
    payment_subject: state.paymentSubject,
    prices: Object.entries(state.prices)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([region, price]) => ({ region, currency: price.currency, amount: fromMinorUnits(BigInt(price.amountMinor)) })),
    listed_at: state.listedAt,
    updated_at: state.updatedAt,
    version: Number(version),
  };
}

const OWNER_ONLY = { 403: { description: 'catalog.not_owner: only the developer owning the product, or an admin' }, 404: { description: 'catalog.product_not_found' } };

/**
 * The catalog's commands (P-1): developers list their own games and change them; admins list a
 * game for a developer (who must hold the developer role) and change any. Each answer is the
 * product as its stream has it after the command, once the read model shows it too.
 */
export function catalogCommandRoutes(deps: CatalogRouteDependencies): Route[] {
  async function decide(productId: string, command: ProductCommand, principal: Principal, correlationId: string, status = 200, withRevenueShare = false): Promise<Either<DomainError, RouteResult>> {
    if (!isId(productId)) return left(productNotFound());
    let outcome;
    try {
      outcome = await handleCommand(deps.store, productDecider, streamOfProduct(productId), command, { correlationId, actor: `user:${principal.id}`, now: deps.clock.now() }, { maxRetries: PRODUCT_RETRIES });
    } catch (error) {
      if (error instanceof ConcurrencyExhausted) return left(busy());
      throw error;
    }
    if (outcome._tag === 'Left') return outcome;
    const state = outcome.right.state;
    if (state.status === 'none') return left(productNotFound());
    if (outcome.right.position) await deps.catalogReached(outcome.right.position);
    const view = productViewOf(state, outcome.right.revision);
    const body: ProductView = withRevenueShare ? { ...view, revenue_share_percent: state.revenueShareBasisPoints === null ? null : percentOfBasisPoints(state.revenueShareBasisPoints) } : view;
    return right({ status, body, ...(status === 201 ? { headers: { Location: `/api/v1/catalog/products/${productId}` } } : {}) });
  }

  /** Whether this user holds the developer role now (their account stream: authoritative, no read-model lag). */
  async function isDeveloper(userId: string): Promise<boolean> {
    const account = await loadAggregate(deps.store, userDecider, streamOfUser(userId));
    return account.state.status === 'registered' && account.state.roles.includes(DEVELOPER_ROLE);
  }

  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/catalog/products',
      summary: 'Put a game in the catalog (P-1)',
      description:
        'A developer lists its own game (`developer_id` omitted, or its own id); an admin names the developer (`developer_id`, a user holding the developer role). `prices` (optional): one per region — ISO 3166-1 alpha-2 region, ISO 4217 currency, amount in major units as a decimal string ("1499.00"). `vat` is the 54-FZ VAT rate of its receipt lines, `payment_subject` defaults to intellectual_activity (a licence). Honours Idempotency-Key.',
      tags: ['game-store'],
      auth: { roles: [DEVELOPER_ROLE] },
      body: ListBody,
      responses: {
        201: { description: 'Listed, active', schema: ProductView },
        400: { description: 'A field missing, malformed or unknown; a region priced twice; an admin without developer_id; a developer naming another developer' },
        401: { description: 'No valid access token' },
        403: { description: 'Neither developer nor admin' },
        422: { description: 'catalog.not_a_developer: developer_id is no user holding the developer role' },
      },
      handle: async ({ body, principal, correlationId }) => {
        const isAdmin = principal.roles.includes('admin');
        let developerId = body.developer_id;
        if (isAdmin && developerId === undefined) throw invalidInput([{ field: 'developer_id', in: 'body', message: 'is required when an admin lists a product (the developer who will own it)' }]);
        if (!isAdmin && developerId !== undefined && developerId !== principal.id) throw invalidInput([{ field: 'developer_id', in: 'body', message: 'a developer lists only its own products: omit it' }]);
        developerId ??= principal.id;
        const prices = body.prices ?? [];
        if (prices.length > MAX_REGIONS) throw invalidInput([{ field: 'prices', in: 'body', message: `at most ${MAX_REGIONS} regions` }]);
        const seen = new Map<string, number>();
        for (const [index, price] of prices.entries()) {
          if (seen.has(price.region)) throw invalidInput([{ field: `prices.${index}.region`, in: 'body', message: `region ${price.region} is already priced in prices.${seen.get(price.region)}` }]);
          seen.set(price.region, index);
        }
        if (isAdmin && developerId !== principal.id && !(await isDeveloper(developerId))) {
          return left(domainError('rule_violated', 'catalog.not_a_developer', 'developer_id must be a user holding the developer role', 'developer_id'));
        }
        const productId = randomUUID();
        return decide(
          productId,
          {
            type: 'ListProduct',
            productId,
            title: body.title,
            developerId,
            prices: prices.map((p) => ({ region: p.region, currency: p.currency, amountMinor: toMinorUnits(p.amount).toString() })),
            vat: body.vat,
            paymentSubject: body.payment_subject ?? 'intellectual_activity',
            by: actorOf(principal),
            now: deps.clock.now(),
          },
          principal,
          correlationId,
          201,
        );
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/catalog/products/:id',
      summary: 'Retitle a game or change its fiscal attributes (P-1)',
      description: 'The owning developer or an admin. Any of `title`, `vat`, `payment_subject`; what does not change makes no event.',
      tags: ['game-store'],
      auth: { roles: [DEVELOPER_ROLE] },
      params: IdParams,
      body: ReviseBody,
      responses: { 200: { description: 'The product', schema: ProductView }, 400: { description: 'A field malformed or unknown' }, ...OWNER_ONLY },
      handle: async ({ params, body, principal, correlationId }) =>
        decide(
          params.id,
          {
            type: 'ReviseProduct',
            ...(body.title !== undefined ? { title: body.title } : {}),
            ...(body.vat !== undefined ? { vat: body.vat } : {}),
            ...(body.payment_subject !== undefined ? { paymentSubject: body.payment_subject } : {}),
            by: actorOf(principal),
            now: deps.clock.now(),
          },
          principal,
          correlationId,
        ),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/catalog/products/:id/prices/:region',
      summary: 'Set a game’s price in a region (P-1): a price-change event with the old and the new price',
      description: 'The owning developer or an admin. `{currency, amount: "1499.00"}`; the same price again changes nothing. Orders placed before keep the price they were given.',
      tags: ['game-store'],
      auth: { roles: [DEVELOPER_ROLE] },
      params: PriceParams,
      body: PriceBody,
      responses: { 200: { description: 'The product', schema: ProductView }, 400: { description: 'region not ISO 3166-1 alpha-2 (upper case); currency not ISO 4217; amount not a decimal above zero; an unknown field' }, ...OWNER_ONLY },
      handle: async ({ params, body, principal, correlationId }) => {
        if (!Region.is(params.region)) throw invalidInput([{ field: 'region', in: 'path', message: 'must be an ISO 3166-1 alpha-2 region code in upper case ("RU")' }]);
        return decide(params.id, { type: 'SetPrice', region: params.region, price: { currency: body.currency, amountMinor: toMinorUnits(body.amount).toString() }, by: actorOf(principal), now: deps.clock.now() }, principal, correlationId);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/catalog/products/:id/prices/:region',
      summary: 'Stop selling a game in a region (P-1)',
      description: 'The owning developer or an admin. The product can no longer be ordered there.',
      tags: ['game-store'],
      auth: { roles: [DEVELOPER_ROLE] },
      params: PriceParams,
      responses: {
        200: { description: 'The product', schema: ProductView },
        400: { description: 'region not ISO 3166-1 alpha-2 (upper case)' },
        ...OWNER_ONLY,
        404: { description: 'catalog.product_not_found; catalog.price_not_found: the product has no price in that region' },
      },
      handle: async ({ params, principal, correlationId }) => {
        if (!Region.is(params.region)) throw invalidInput([{ field: 'region', in: 'path', message: 'must be an ISO 3166-1 alpha-2 region code in upper case ("RU")' }]);
        return decide(params.id, { type: 'RemovePrice', region: params.region, by: actorOf(principal), now: deps.clock.now() }, principal, correlationId);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/catalog/products/:id/withdraw',
      summary: 'Withdraw a game from sale (P-1)',
      description: 'The owning developer or an admin. It leaves the public list and cannot be ordered; its page and prices stay. Withdrawing a withdrawn product changes nothing.',
      tags: ['game-store'],
      auth: { roles: [DEVELOPER_ROLE] },
      params: IdParams,
      responses: { 200: { description: 'The product, withdrawn', schema: ProductView }, ...OWNER_ONLY },
      handle: async ({ params, principal, correlationId }) => decide(params.id, { type: 'WithdrawProduct', by: actorOf(principal), now: deps.clock.now() }, principal, correlationId),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/catalog/products/:id/restore',
      summary: 'Put a withdrawn game on sale again (P-1)',
      description: 'The owning developer or an admin. Restoring an active product changes nothing.',
      tags: ['game-store'],
      auth: { roles: [DEVELOPER_ROLE] },
      params: IdParams,
      responses: { 200: { description: 'The product, active', schema: ProductView }, ...OWNER_ONLY },
      handle: async ({ params, principal, correlationId }) => decide(params.id, { type: 'RestoreProduct', by: actorOf(principal), now: deps.clock.now() }, principal, correlationId),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/catalog/products/:id/revenue-share',
      summary: 'Set the developer’s revenue share of a game’s sales (issue 13)',
      description:
        'Admins only. `{"share_percent": "70"}`: a decimal string from 0 to 100 with at most two decimals. Each later sale of the game credits its developer floor(price × share); sales credited before keep the share they were credited at. Until one is set, the default DEVELOPER_REVENUE_SHARE_PERCENT applies. The same share again changes nothing. The answer shows `revenue_share_percent`.',
      tags: ['game-store'],
      auth: { roles: ['admin'] },
      params: IdParams,
      body: RevenueShareBody,
      responses: {
        200: { description: 'The product with its revenue share', schema: ProductView },
        400: { description: 'share_percent missing, not a decimal string from 0 to 100 with at most two decimals, or an unknown field' },
        401: { description: 'No valid access token' },
        403: { description: 'Not an admin (a developer cannot set its own share)' },
        404: { description: 'catalog.product_not_found' },
      },
      handle: async ({ params, body, principal, correlationId }) =>
        decide(params.id, { type: 'SetRevenueShare', shareBasisPoints: basisPointsOfPercent(body.share_percent), by: actorOf(principal), now: deps.clock.now() }, principal, correlationId, 200, true),
    }),
  ];
}
