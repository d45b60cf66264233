import assert from 'node:assert/strict';
import request from 'supertest';
import { appConfigSections } from '../../../adapters/config/app-config.js';
import { loadConfig } from '../../../adapters/config/platform-config.js';
import { streamOfProduct } from '../../../domain/game-store/product.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { aBuyer, aDeveloper, admin, givenProduct, startGameStore, support, type Caller, type GameStoreSystem, type ProductAnswer } from './game-store-harness.js';
import { anOrderId, desksOf } from './library-and-ledger-harness.js';

const PRODUCTS = '/api/v1/catalog/products';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/**
 * A game's revenue share (issue 13, item 5): admins set it per product as a percent; the
 * product page shows it to admins and to the developer owning it (a commercial term, not for
 * buyers or other developers); a sale credits the developer at it, or at the configured default.
 */
describe('game store: a game’s revenue share over HTTP (issue 13)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: GameStoreSystem;
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  let dev: Caller;
  let adminToken: string;
  let product: ProductAnswer;

  before(async () => {
    database = await openTestDatabase();
    system = await startGameStore({ database, clock });
    dev = await aDeveloper('dev-share');
    adminToken = await admin();
    product = await givenProduct(system.api, dev.token, { title: 'Shared game', prices: { RU: '1000.00' } });
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const api = () => request(system.api);
  const share = (id: string, body: unknown, token = adminToken) => api().put(`${PRODUCTS}/${id}/revenue-share`).set('Authorization', token).send(body as object);

  it('given a game on the default, then its developer and admins see revenue_share_percent null; buyers, other developers and anonymous callers do not see the field', async () => {
    for (const token of [dev.token, adminToken]) {
      const page = await api().get(`${PRODUCTS}/${product.product_id}`).set('Authorization', token).expect(200);
      assert.equal(page.body.revenue_share_percent, null);
    }
    for (const token of [undefined, (await aBuyer()).token, (await aDeveloper()).token, await support()]) {
      let call = api().get(`${PRODUCTS}/${product.product_id}`);
      if (token) call = call.set('Authorization', token);
      const page = await call.expect(200);
      assert.ok(!('revenue_share_percent' in page.body), JSON.stringify(page.body));
    }
  });

  it('given an admin, when it sets 72.5 %, then 200 shows it, the stream holds ProductRevenueShareSet from null to 7250, the page shows it to the developer; the same share again records nothing', async () => {
    const answer = await share(product.product_id, { share_percent: '72.5' }).expect(200);
    assert.equal(answer.body.revenue_share_percent, '72.5');
    assert.equal(answer.body.product_id, product.product_id);
    const events = await system.dependencies.store.readStream(streamOfProduct(product.product_id));
    const set = events.filter((e) => e.type === 'ProductRevenueShareSet');
    assert.equal(set.length, 1);
    assert.deepEqual({ ...(set[0]!.data as object), at: undefined }, { productId: product.product_id, previous: null, shareBasisPoints: 7250, by: 'admin-1', at: undefined });
    const page = await api().get(`${PRODUCTS}/${product.product_id}`).set('Authorization', dev.token).expect(200);
    assert.equal(page.body.revenue_share_percent, '72.5');
    await share(product.product_id, { share_percent: '72.50' }).expect(200);
    assert.equal((await system.dependencies.store.readStream(streamOfProduct(product.product_id))).length, events.length);
    // and it leaves the catalog's other views as they were
    const list = await api().get(PRODUCTS).query({ developer_id: dev.id }).expect(200);
    assert.ok(!('revenue_share_percent' in list.body.items[0]));
  });

  it('given a sale after the share is set, then the developer is credited floor(sale × share)', async () => {
    await share(product.product_id, { share_percent: '72.55' }).expect(200);
    const { ledger } = desksOf(system);
    const credited = await ledger.creditSale({ developerId: dev.id, entryId: 'share-sale-1', orderId: anOrderId(), productId: product.product_id, saleMinor: 99_999n, currency: 'RUB', now: clock.now(), correlationId: 'spec' });
    assert.deepEqual(credited._tag === 'Right' && credited.right.amountMinor, 72_549n, 'floor(99999 × 0.7255) = floor(72549.27)');
  });

  it('given 0 and 100, then both are accepted', async () => {
    assert.equal((await share(product.product_id, { share_percent: '0' }).expect(200)).body.revenue_share_percent, '0');
    assert.equal((await share(product.product_id, { share_percent: '100' }).expect(200)).body.revenue_share_percent, '100');
  });

  it('given a share that is not a decimal string from 0 to 100 with at most two decimals, or an unknown field, then 400 naming it', async () => {
    for (const [body, field] of [
      [{ share_percent: '100.01' }, 'share_percent'],
      [{ share_percent: '101' }, 'share_percent'],
      [{ share_percent: '-1' }, 'share_percent'],
      [{ share_percent: '70.555' }, 'share_percent'],
      [{ share_percent: '7e1' }, 'share_percent'],
      [{ share_percent: 70 }, 'share_percent'],
      [{ share_percent: null }, 'share_percent'],
      [{}, 'share_percent'],
      [{ share_percent: '70', developer_id: dev.id }, 'developer_id'],
    ] as const) {
      const answer = await share(product.product_id, body).expect(400);
      assert.equal(answer.body.field, field, JSON.stringify(answer.body));
    }
  });

  it('given the owning developer, a buyer or support, then 403; no token 401; an unknown product 404', async () => {
    for (const token of [dev.token, (await aBuyer()).token, await support()]) await share(product.product_id, { share_percent: '99' }, token).expect(403);
    await api().put(`${PRODUCTS}/${product.product_id}/revenue-share`).send({ share_percent: '99' }).expect(401);
    const unknown = await share(UNKNOWN, { share_percent: '70' }).expect(404);
    assert.equal(unknown.body.code, 'catalog.product_not_found');
    await share('not-a-uuid', { share_percent: '70' }).expect(404);
  });

  it('given DEVELOPER_REVENUE_SHARE_PERCENT, then it is read as basis points (default 70 %), and anything but a percent from 0 to 100 with two decimals refuses to start', () => {
    const base = { JWT_SECRET: 'x'.repeat(40) };
    assert.equal(loadConfig(base, appConfigSections).gameStore.developerRevenueShareBasisPoints, 7000);
    assert.equal(loadConfig({ ...base, DEVELOPER_REVENUE_SHARE_PERCENT: '72.5' }, appConfigSections).gameStore.developerRevenueShareBasisPoints, 7250);
    for (const bad of ['101', '70,5', '70%', '0.001', 'seventy']) {
      assert.throws(() => loadConfig({ ...base, DEVELOPER_REVENUE_SHARE_PERCENT: bad }, appConfigSections), /DEVELOPER_REVENUE_SHARE_PERCENT/, bad);
    }
  });
});
