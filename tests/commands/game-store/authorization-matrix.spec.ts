import assert from 'node:assert/strict';
import request from 'supertest';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { givenOrder, givenProduct, serviceToken, startGameStore, tokenFor, type GameStoreSystem } from './game-store-harness.js';

/**
 * Who may call which game-store route (issue 12, item 9): the matrix below IS the
 * specification. Every `game-store` operation in /openapi.json must have a row (a new route
 * without one fails here), and every row is a route. For each caller a row says what happens:
 * - `through`: the guards let it reach the route (any answer but 401/403; the route may still say 400, 404 …),
 * - `hidden`: 404 as for something that does not exist (another buyer's order),
 * - anything not listed: refused (401 without a token, else 403 — auth.forbidden at the edge, or
 *   the route's own ownership refusal such as catalog.not_owner).
 *
 * To add routes (payments, webhooks): add their path prefixes to COVERED, rows to MATRIX, and
 * what their paths need to FIXTURES (built once in `before`, e.g. a transaction of the buyer's order).
 */
type Caller = 'anonymous' | 'buyer' | 'other buyer' | 'developer' | 'other developer' | 'support' | 'admin' | 'service';
const CALLERS: readonly Caller[] = ['anonymous', 'buyer', 'other buyer', 'developer', 'other developer', 'support', 'admin', 'service'];
type Outcome = 'through' | 'hidden';

/** What the rows' paths are made of: the developer's product, the buyer's order … */
interface Fixtures {
  product: string;
  order: string;
  [more: string]: string;
}

interface Row {
  /** The concrete path from the fixtures (default: `{id}` → the product for catalog routes, the order for order routes). */
  readonly at?: (f: Fixtures) => string;
  /** Sent with POST, PUT, PATCH (default `{}`: the guard is what is tested, not the body). */
  readonly body?: (f: Fixtures) => unknown;
  readonly outcomes: Partial<Record<Caller, Outcome>>;
  /** A live feed (Server-Sent Events): only its status is read, then the connection is dropped. */
  readonly live?: boolean;
}

const EVERYONE = Object.fromEntries(CALLERS.map((c) => [c, 'through'])) as Record<Caller, Outcome>;
const USERS: Partial<Record<Caller, Outcome>> = { buyer: 'through', 'other buyer': 'through', developer: 'through', 'other developer': 'through', support: 'through', admin: 'through' };
const OWNER: Partial<Record<Caller, Outcome>> = { developer: 'through', admin: 'through' };

/** The game-store paths this matrix must cover completely (the payments' prefixes join when their rows do). */
const COVERED = ['/api/v1/catalog/', '/api/v1/orders', '/api/v1/payments/', '/webhooks/', '/api/v1/library/', '/api/v1/developers/', '/api/v1/fiscal-receipts'];

/** `METHOD path` (OpenAPI form) → what each caller gets. */
const MATRIX: Record<string, Row> = {
  // catalog (P-1)
  'POST /api/v1/catalog/products': { outcomes: { developer: 'through', 'other developer': 'through', admin: 'through' } },
  'GET /api/v1/catalog/products': { outcomes: EVERYONE },
  'GET /api/v1/catalog/products/{id}': { outcomes: EVERYONE },
  'GET /api/v1/catalog/products/{id}/price-history': { outcomes: EVERYONE },
  'PATCH /api/v1/catalog/products/{id}': { body: () => ({ title: 'Matrix game' }), outcomes: OWNER },
  'PUT /api/v1/catalog/products/{id}/prices/{region}': { at: (f) => `/api/v1/catalog/products/${f.product}/prices/KZ`, body: () => ({ currency: 'KZT', amount: '100.00' }), outcomes: OWNER },
  'DELETE /api/v1/catalog/products/{id}/prices/{region}': { at: (f) => `/api/v1/catalog/products/${f.product}/prices/KZ`, outcomes: OWNER },
  'POST /api/v1/catalog/products/{id}/withdraw': { outcomes: OWNER },
  'POST /api/v1/catalog/products/{id}/restore': { outcomes: OWNER },
  // a commercial term between the store and the developer: admins only (the developer reads it on its product page)
  'PUT /api/v1/catalog/products/{id}/revenue-share': { body: () => ({ share_percent: '70' }), outcomes: { admin: 'through' } },
  // orders (P-2, P-6)
  'POST /api/v1/orders/initiate': { outcomes: USERS },
  'GET /api/v1/orders': { outcomes: USERS },
  'GET /api/v1/orders/{id}': { outcomes: { buyer: 'through', support: 'through', admin: 'through', 'other buyer': 'hidden', developer: 'hidden', 'other developer': 'hidden' } },
  // payments (P-3, P-4, P-6): the buyer's own transaction; staff read it; webhooks are public (the providers authenticate by address, re-fetch or Token)
  'POST /api/v1/payments/transactions/initiate': { outcomes: USERS },
  'GET /api/v1/payments/transactions/{id}': { at: (f) => `/api/v1/payments/transactions/${f.transaction}`, outcomes: { buyer: 'through', support: 'through', admin: 'through', 'other buyer': 'hidden', developer: 'hidden', 'other developer': 'hidden' } },
  'GET /api/v1/payments/transactions/{id}/qr.svg': { at: (f) => `/api/v1/payments/transactions/${f.transaction}/qr.svg`, outcomes: { buyer: 'through', support: 'through', admin: 'through', 'other buyer': 'hidden', developer: 'hidden', 'other developer': 'hidden' } },
  'POST /webhooks/yookassa': { outcomes: EVERYONE },
  'POST /webhooks/tbank': { outcomes: EVERYONE },
  // library (P-6): every user their own (another buyer's is 403 by buyer_id, in library.e2e); developers' balances: their own at /me, anyone's for support and admins
  'GET /api/v1/library/items': { outcomes: USERS },
  'GET /api/v1/developers/me/balance': { outcomes: { developer: 'through', 'other developer': 'through', admin: 'through' } },
  'GET /api/v1/developers/{developerId}/balance': { at: () => '/api/v1/developers/matrix-developer/balance', outcomes: { support: 'through', admin: 'through' } },
  // the purchase (issue 13): support and admins refund; the buyer (and staff) read the receipts and follow the order live; the register's callback is public (re-fetched)
  'POST /api/v1/orders/{id}/refund': { body: () => ({ reason: 'matrix' }), outcomes: { support: 'through', admin: 'through' } },
  'GET /api/v1/orders/{id}/receipts': { outcomes: { buyer: 'through', support: 'through', admin: 'through', 'other buyer': 'hidden', developer: 'hidden', 'other developer': 'hidden' } },
  'GET /api/v1/orders/{id}/events': { live: true, outcomes: { buyer: 'through', support: 'through', admin: 'through', 'other buyer': 'hidden', developer: 'hidden', 'other developer': 'hidden' } },
  'GET /api/v1/fiscal-receipts': { outcomes: { support: 'through', admin: 'through' } },
  'POST /api/v1/fiscal-receipts/{id}/retry': { at: () => '/api/v1/fiscal-receipts/00000000-0000-4000-8000-000000000000/retry', outcomes: { support: 'through', admin: 'through' } },
  'POST /webhooks/cash-register': { outcomes: EVERYONE },
  // last: it cancels the fixture's transaction (only its buyer may)
  'POST /api/v1/payments/transactions/{id}/cancel': { at: (f) => `/api/v1/payments/transactions/${f.transaction}/cancel`, outcomes: { buyer: 'through', support: 'hidden', admin: 'hidden', 'other buyer': 'hidden', developer: 'hidden', 'other developer': 'hidden' } },
};

async function tokenOf(caller: Caller): Promise<string | undefined> {
  switch (caller) {
    case 'anonymous':
      return undefined;
    case 'buyer':
      return tokenFor('matrix-buyer', ['user']);
    case 'other buyer':
      return tokenFor('matrix-other-buyer', ['user']);
    case 'developer':
      return tokenFor('matrix-developer', ['user', 'developer']);
    case 'other developer':
      return tokenFor('matrix-other-developer', ['user', 'developer']);
    case 'support':
      return tokenFor('matrix-support', ['user', 'support']);
    case 'admin':
      return tokenFor('matrix-admin', ['user', 'admin']);
    case 'service':
      return serviceToken('matrix-service', ['gcp:orders', 'stream:GiftCertificates.Stream']);
  }
}

const defaultPath = (path: string, f: Fixtures) => path.replace('{id}', path.startsWith('/api/v1/orders') ? f.order : f.product);

describe('game store: the authorization matrix of the catalog, order, payment, webhook, library and developer-balance routes (issues 12, 13)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: GameStoreSystem;
  let operations: string[];
  const fixtures: Fixtures = { product: '', order: '' };

  before(async () => {
    database = await openTestDatabase();
    system = await startGameStore({ database, clock: new ManualClock(new Date()) });
    const document = (await (await fetch(`${system.api}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => operation.tags?.includes('game-store') && COVERED.some((prefix) => path.startsWith(prefix)))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    const product = await givenProduct(system.api, (await tokenOf('developer'))!, { prices: { RU: '100.00', KZ: '500.00' } });
    fixtures.product = product.product_id;
    fixtures.order = (await givenOrder(system.api, (await tokenOf('buyer'))!, [product.product_id])).order_id;
    const paying = await request(system.api).post('/api/v1/payments/transactions/initiate').set('Authorization', (await tokenOf('buyer'))!).send({ order_id: fixtures.order, provider: 'tbank', payment_method: 'sbp', success_url: 'https://shop.example/paid' });
    assert.equal(paying.status, 201, JSON.stringify(paying.body));
    fixtures.transaction = paying.body.transaction_id as string;
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  it('given /openapi.json, then every game-store route under the covered paths has a row in the matrix, and every row is a route', () => {
    assert.ok(operations.length >= 12, `only ${operations.length} game-store operations documented`);
    assert.deepEqual(operations.filter((op) => !(op in MATRIX)), [], 'routes without a row');
    assert.deepEqual(Object.keys(MATRIX).filter((op) => !operations.includes(op)), [], 'rows without a route');
  });

  for (const [operation, row] of Object.entries(MATRIX)) {
    const through = CALLERS.filter((c) => row.outcomes[c] === 'through');
    it(`given ${operation}, then ${through.join(', ')} get through${CALLERS.some((c) => row.outcomes[c] === 'hidden') ? ', some see 404' : ''} and everyone else is refused`, async () => {
      const [method, path] = operation.split(' ') as [string, string];
      const at = row.at ? row.at(fixtures) : defaultPath(path, fixtures);
      for (const caller of CALLERS) {
        const token = await tokenOf(caller);
        if (row.live) {
          const controller = new AbortController();
          const live = await fetch(`${system.api}${at}`, { headers: token ? { Authorization: token } : {}, signal: controller.signal });
          controller.abort();
          const expected = row.outcomes[caller];
          const what = `${caller} on ${operation}: ${live.status}`;
          if (expected === 'through') assert.equal(live.status, 200, what);
          else if (expected === 'hidden') assert.equal(live.status, 404, what);
          else assert.equal(live.status, caller === 'anonymous' ? 401 : 403, what);
          continue;
        }
        const verb = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
        let call = request(system.api)[verb](at);
        if (token) call = call.set('Authorization', token);
        if (verb === 'post' || verb === 'put' || verb === 'patch') call = call.send((row.body?.(fixtures) ?? {}) as object);
        const answer = await call;
        const expected = row.outcomes[caller];
        const what = `${caller} on ${operation}: ${answer.status} ${answer.body.code ?? ''}`;
        assert.ok(answer.status < 500, what);
        if (expected === 'through') assert.ok(answer.status !== 401 && answer.status !== 403, what);
        else if (expected === 'hidden') assert.equal(answer.status, 404, what);
        else assert.equal(answer.status, caller === 'anonymous' ? 401 : 403, what);
      }
    });
  }
});
