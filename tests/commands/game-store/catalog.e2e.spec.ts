import assert from 'node:assert/strict';
import request from 'supertest';
import { streamOfProduct } from '../../../domain/game-store/product.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { aBuyer, aDeveloper, admin, anAdmin, givenProduct, registeredDeveloper, startGameStore, type Caller, type GameStoreSystem } from './game-store-harness.js';

const PRODUCTS = '/api/v1/catalog/products';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('game store: the catalog over HTTP (P-1)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: GameStoreSystem;
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  let dev: Caller;
  let otherDev: Caller;
  let buyerCaller: Caller;
  let adminToken: string;

  before(async () => {
    database = await openTestDatabase();
    system = await startGameStore({ database, clock });
    dev = await aDeveloper('dev-alpha');
    otherDev = await aDeveloper('dev-beta');
    buyerCaller = await aBuyer('buyer-catalog');
    adminToken = await admin();
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const api = () => request(system.api);

  describe('listing a game', () => {
    it('given a developer, when it lists a game with prices, then 201 answers the product it owns, active, prices in major units, and the stream holds ProductListed with minor units', async () => {
      const answer = await api()
        .post(PRODUCTS)
        .set('Authorization', dev.token)
        .send({ title: '  Space Trader  ', vat: 'none', prices: [{ region: 'RU', currency: 'RUB', amount: '1499' }, { region: 'KZ', currency: 'KZT', amount: '7990.50' }] })
        .expect(201);
      assert.match(answer.headers.location, /^\/api\/v1\/catalog\/products\/[0-9a-f-]{36}$/);
      assert.equal(answer.body.title, 'Space Trader');
      assert.equal(answer.body.developer_id, 'dev-alpha');
      assert.equal(answer.body.status, 'active');
      assert.equal(answer.body.vat, 'none');
      assert.equal(answer.body.payment_subject, 'intellectual_activity', 'a licence unless said otherwise');
      assert.deepEqual(answer.body.prices, [{ region: 'KZ', currency: 'KZT', amount: '7990.50' }, { region: 'RU', currency: 'RUB', amount: '1499.00' }]);
      const events = await system.dependencies.store.readStream(streamOfProduct(answer.body.product_id));
      assert.deepEqual(events.map((e) => e.type), ['ProductListed']);
      const data = events[0]!.data as { prices: { region: string; amountMinor: string }[]; by: string };
      assert.deepEqual(data.prices.map((p) => [p.region, p.amountMinor]), [['RU', '149900'], ['KZ', '799050']]);
      assert.equal(data.by, 'dev-alpha');
      // the read model shows it at once (the answer waited for it)
      const page = await api().get(`${PRODUCTS}/${answer.body.product_id}`).expect(200);
      assert.deepEqual(page.body, answer.body);
    });

    it('given an admin, when it lists a game for a registered developer, then the developer owns it; without developer_id 400; naming a user without the developer role 422', async () => {
      const registered = await registeredDeveloper(system.api);
      const listed = await givenProduct(system.api, adminToken, { developer_id: registered.id });
      assert.equal(listed.developer_id, registered.id);
      const missing = await api().post(PRODUCTS).set('Authorization', adminToken).send({ title: 'No owner', vat: 'none' }).expect(400);
      assert.equal(missing.body.field, 'developer_id');
      const plain = await request(system.api).post('/api/auth/register').send({ email: 'plain-user@example.com', password: 'correct horse battery', display_name: 'Plain' }).expect(201);
      const notDeveloper = await api().post(PRODUCTS).set('Authorization', adminToken).send({ title: 'Wrong owner', vat: 'none', developer_id: plain.body.user.id }).expect(422);
      assert.equal(notDeveloper.body.code, 'catalog.not_a_developer');
      assert.equal(notDeveloper.body.field, 'developer_id');
      const nobody = await api().post(PRODUCTS).set('Authorization', adminToken).send({ title: 'Nobody', vat: 'none', developer_id: 'no-such-user' }).expect(422);
      assert.equal(nobody.body.code, 'catalog.not_a_developer');
      // and the registered developer can change its game
      await api().put(`${PRODUCTS}/${listed.product_id}/prices/BY`).set('Authorization', registered.token).send({ currency: 'BYN', amount: '49.90' }).expect(200);
    });

    it('given a developer naming another developer, then 400 developer_id; naming itself is fine', async () => {
      const other = await api().post(PRODUCTS).set('Authorization', dev.token).send({ title: 'Not mine', vat: 'none', developer_id: otherDev.id }).expect(400);
      assert.equal(other.body.field, 'developer_id');
      const self = await api().post(PRODUCTS).set('Authorization', dev.token).send({ title: 'Mine', vat: 'vat20', developer_id: dev.id }).expect(201);
      assert.equal(self.body.developer_id, dev.id);
      assert.deepEqual(self.body.prices, []);
    });

    const invalidBodies: [string, Record<string, unknown>, string][] = [
      ['no title', { vat: 'none' }, 'title'],
      ['a blank title', { title: '   ', vat: 'none' }, 'title'],
      ['a title of 201 characters', { title: 'x'.repeat(201), vat: 'none' }, 'title'],
      ['no vat', { title: 'T' }, 'vat'],
      ['an unknown VAT rate', { title: 'T', vat: 'vat18' }, 'vat'],
      ['an unknown payment subject', { title: 'T', vat: 'none', payment_subject: 'licence' }, 'payment_subject'],
      ['a lower-case region', { title: 'T', vat: 'none', prices: [{ region: 'ru', currency: 'RUB', amount: '1.00' }] }, 'prices.0.region'],
      ['a region that is no ISO code', { title: 'T', vat: 'none', prices: [{ region: 'XX', currency: 'RUB', amount: '1.00' }] }, 'prices.0.region'],
      ['a lower-case currency', { title: 'T', vat: 'none', prices: [{ region: 'RU', currency: 'rub', amount: '1.00' }] }, 'prices.0.currency'],
      ['a currency that is no ISO code', { title: 'T', vat: 'none', prices: [{ region: 'RU', currency: 'ABC', amount: '1.00' }] }, 'prices.0.currency'],
      ['three decimals', { title: 'T', vat: 'none', prices: [{ region: 'RU', currency: 'RUB', amount: '10.001' }] }, 'prices.0.amount'],
      ['a negative amount', { title: 'T', vat: 'none', prices: [{ region: 'RU', currency: 'RUB', amount: '-1' }] }, 'prices.0.amount'],
      ['a zero amount', { title: 'T', vat: 'none', prices: [{ region: 'RU', currency: 'RUB', amount: '0.00' }] }, 'prices.0.amount'],
      ['an amount as a JSON number', { title: 'T', vat: 'none', prices: [{ region: 'RU', currency: 'RUB', amount: 10.5 }] }, 'prices.0.amount'],
      ['a region priced twice', { title: 'T', vat: 'none', prices: [{ region: 'RU', currency: 'RUB', amount: '1.00' }, { region: 'RU', currency: 'RUB', amount: '2.00' }] }, 'prices.1.region'],
      ['an unknown field', { title: 'T', vat: 'none', price: '1.00' }, 'price'],
      ['an unknown field in a price', { title: 'T', vat: 'none', prices: [{ region: 'RU', currency: 'RUB', amount: '1.00', amount_minor: 100 }] }, 'prices.0.amount_minor'],
    ];
    for (const [what, body, field] of invalidBodies) {
      it(`given ${what}, then 400 naming ${field}`, async () => {
        const answer = await api().post(PRODUCTS).set('Authorization', dev.token).send(body).expect(400);
        assert.equal(answer.headers['content-type'], 'application/problem+json');
        assert.ok(answer.body.errors.some((e: { field: string }) => e.field === field), JSON.stringify(answer.body));
      });
    }

    it('given no token 401; a buyer (no developer role) 403', async () => {
      await api().post(PRODUCTS).send({ title: 'T', vat: 'none' }).expect(401);
      const refused = await api().post(PRODUCTS).set('Authorization', buyerCaller.token).send({ title: 'T', vat: 'none' }).expect(403);
      assert.equal(refused.body.code, 'auth.forbidden');
    });
  });

  describe('changing a game', () => {
    it('given its developer, when it retitles and changes the fiscal attributes, then the product shows them; the same values again change nothing', async () => {
      const product = await givenProduct(system.api, dev.token);
      const patched = await api().patch(`${PRODUCTS}/${product.product_id}`).set('Authorization', dev.token).send({ title: 'Renamed', vat: 'vat20', payment_subject: 'service' }).expect(200);
      assert.deepEqual([patched.body.title, patched.body.vat, patched.body.payment_subject, patched.body.version], ['Renamed', 'vat20', 'service', 2]);
      const again = await api().patch(`${PRODUCTS}/${product.product_id}`).set('Authorization', dev.token).send({ title: 'Renamed', vat: 'vat20' }).expect(200);
      assert.equal(again.body.version, 2, 'no event');
      const events = await system.dependencies.store.readStream(streamOfProduct(product.product_id));
      assert.deepEqual(events.map((e) => e.type), ['ProductListed', 'ProductRetitled', 'ProductFiscalChanged']);
      assert.deepEqual((events[2]!.data as { previous: unknown }).previous, { vat: 'none', paymentSubject: 'intellectual_activity' });
      const bad = await api().patch(`${PRODUCTS}/${product.product_id}`).set('Authorization', dev.token).send({ prices: [] }).expect(400);
      assert.equal(bad.body.field, 'prices');
      const badVat = await api().patch(`${PRODUCTS}/${product.product_id}`).set('Authorization', dev.token).send({ vat: 'vat18' }).expect(400);
      assert.equal(badVat.body.field, 'vat');
    });

    it('given its developer, when it sets, changes and removes regional prices, then each is a price-change event with the old and the new price, and the history shows them', async () => {
      const product = await givenProduct(system.api, dev.token, { prices: { RU: '1499.00' } });
      const id = product.product_id;
      await api().put(`${PRODUCTS}/${id}/prices/RU`).set('Authorization', dev.token).send({ currency: 'RUB', amount: '999' }).expect(200);
      const added = await api().put(`${PRODUCTS}/${id}/prices/AM`).set('Authorization', dev.token).send({ currency: 'AMD', amount: '4000.00' }).expect(200);
      assert.deepEqual(added.body.prices, [{ region: 'AM', currency: 'AMD', amount: '4000.00' }, { region: 'RU', currency: 'RUB', amount: '999.00' }]);
      const same = await api().put(`${PRODUCTS}/${id}/prices/AM`).set('Authorization', dev.token).send({ currency: 'AMD', amount: '4000' }).expect(200);
      assert.equal(same.body.version, added.body.version, 'the same price again makes no event');
      const removed = await api().delete(`${PRODUCTS}/${id}/prices/AM`).set('Authorization', dev.token).expect(200);
      assert.deepEqual(removed.body.prices, [{ region: 'RU', currency: 'RUB', amount: '999.00' }]);
      const missing = await api().delete(`${PRODUCTS}/${id}/prices/AM`).set('Authorization', dev.token).expect(404);
      assert.equal(missing.body.code, 'catalog.price_not_found');

      const history = await api().get(`${PRODUCTS}/${id}/price-history`).expect(200);
      assert.deepEqual(
        history.body.items.map((c: { change: string; region: string; previous: unknown; current: unknown; changed_by: string }) => [c.change, c.region, c.previous, c.current, c.changed_by]),
        [
          ['listed', 'RU', null, { currency: 'RUB', amount: '1499.00' }, dev.id],
          ['set', 'RU', { currency: 'RUB', amount: '1499.00' }, { currency: 'RUB', amount: '999.00' }, dev.id],
          ['set', 'AM', null, { currency: 'AMD', amount: '4000.00' }, dev.id],
          ['removed', 'AM', { currency: 'AMD', amount: '4000.00' }, null, dev.id],
        ],
      );
      const firstPage = await api().get(`${PRODUCTS}/${id}/price-history`).query({ limit: 3 }).expect(200);
      assert.equal(firstPage.body.items.length, 3);
      const secondPage = await api().get(`${PRODUCTS}/${id}/price-history`).query({ limit: 3, cursor: firstPage.body.nextCursor }).expect(200);
      assert.deepEqual(secondPage.body.items.map((c: { change: string }) => c.change), ['removed']);
      assert.equal(secondPage.body.nextCursor, null);
      const onlyRu = await api().get(`${PRODUCTS}/${id}/price-history`).query({ region: 'RU' }).expect(200);
      assert.equal(onlyRu.body.items.length, 2);
      await api().get(`${PRODUCTS}/${UNKNOWN}/price-history`).expect(404);
      const junk = await api().get(`${PRODUCTS}/${id}/price-history`).query({ cursor: 'bm9wZQ' }).expect(400);
      assert.equal(junk.body.field, 'cursor');
    });

    const badPrices: [string, string, Record<string, unknown>, string][] = [
      ['a lower-case region in the path', 'ru', { currency: 'RUB', amount: '1.00' }, 'region'],
      ['a three-letter region in the path', 'RUS', { currency: 'RUB', amount: '1.00' }, 'region'],
      ['no currency', 'RU', { amount: '1.00' }, 'currency'],
      ['no amount', 'RU', { currency: 'RUB' }, 'amount'],
      ['an amount with a comma', 'RU', { currency: 'RUB', amount: '1,00' }, 'amount'],
      ['an unknown field', 'RU', { currency: 'RUB', amount: '1.00', region: 'RU' }, 'region'],
    ];
    for (const [what, region, body, field] of badPrices) {
      it(`given a price with ${what}, then 400 naming ${field}`, async () => {
        const product = await givenProduct(system.api, dev.token);
        const answer = await api().put(`${PRODUCTS}/${product.product_id}/prices/${region}`).set('Authorization', dev.token).send(body).expect(400);
        assert.equal(answer.body.field, field, JSON.stringify(answer.body));
      });
    }

    it('given a game, when another developer or a buyer changes it, then 403 (catalog.not_owner / auth.forbidden) and nothing changes; an admin may', async () => {
      const product = await givenProduct(system.api, dev.token);
      const id = product.product_id;
      const calls = (token: string) => [
        api().patch(`${PRODUCTS}/${id}`).set('Authorization', token).send({ title: 'Hijacked' }),
        api().put(`${PRODUCTS}/${id}/prices/RU`).set('Authorization', token).send({ currency: 'RUB', amount: '1.00' }),
        api().delete(`${PRODUCTS}/${id}/prices/RU`).set('Authorization', token),
        api().post(`${PRODUCTS}/${id}/withdraw`).set('Authorization', token),
        api().post(`${PRODUCTS}/${id}/restore`).set('Authorization', token),
      ];
      for (const answer of await Promise.all(calls(otherDev.token))) {
        assert.equal(answer.status, 403);
        assert.equal(answer.body.code, 'catalog.not_owner');
      }
      for (const answer of await Promise.all(calls(buyerCaller.token))) {
        assert.equal(answer.status, 403);
        assert.equal(answer.body.code, 'auth.forbidden');
      }
      for (const answer of await Promise.all([api().patch(`${PRODUCTS}/${id}`).send({ title: 'x' }), api().post(`${PRODUCTS}/${id}/withdraw`)])) assert.equal(answer.status, 401);
      assert.equal((await system.dependencies.store.readStream(streamOfProduct(id))).length, 1);
      const byAdmin = await api().put(`${PRODUCTS}/${id}/prices/RU`).set('Authorization', (await anAdmin()).token).send({ currency: 'RUB', amount: '1.00' }).expect(200);
      assert.deepEqual(byAdmin.body.prices, [{ region: 'RU', currency: 'RUB', amount: '1.00' }]);
    });

    it('given an unknown product (a UUID or not), then every change is 404 catalog.product_not_found, for its developer and for an admin', async () => {
      for (const id of [UNKNOWN, 'not-a-uuid']) {
        for (const token of [dev.token, adminToken]) {
          const answers = await Promise.all([
            api().patch(`${PRODUCTS}/${id}`).set('Authorization', token).send({ title: 'x' }),
            api().put(`${PRODUCTS}/${id}/prices/RU`).set('Authorization', token).send({ currency: 'RUB', amount: '1.00' }),
            api().delete(`${PRODUCTS}/${id}/prices/RU`).set('Authorization', token),
            api().post(`${PRODUCTS}/${id}/withdraw`).set('Authorization', token),
            api().post(`${PRODUCTS}/${id}/restore`).set('Authorization', token),
            api().get(`${PRODUCTS}/${id}`),
          ]);
          for (const answer of answers) {
            assert.equal(answer.status, 404, JSON.stringify(answer.body));
            assert.equal(answer.body.code, 'catalog.product_not_found');
          }
        }
      }
    });
  });

  describe('withdrawn and restored', () => {
    it('given a withdrawn game, then the public list leaves it out, its page shows it withdrawn, status=withdrawn lists it to its developer and admins only; restored, it is back', async () => {
      const product = await givenProduct(system.api, otherDev.token, { title: 'Retired', prices: { DE: '19.99' }, currency: 'EUR' });
      const id = product.product_id;
      const withdrawn = await api().post(`${PRODUCTS}/${id}/withdraw`).set('Authorization', otherDev.token).expect(200);
      assert.equal(withdrawn.body.status, 'withdrawn');
      const twice = await api().post(`${PRODUCTS}/${id}/withdraw`).set('Authorization', otherDev.token).expect(200);
      assert.equal(twice.body.version, withdrawn.body.version, 'withdrawing twice changes nothing');

      const publicList = await api().get(PRODUCTS).query({ region: 'DE', limit: 100 }).expect(200);
      assert.ok(!publicList.body.items.some((p: { product_id: string }) => p.product_id === id));
      assert.equal((await api().get(`${PRODUCTS}/${id}`).expect(200)).body.status, 'withdrawn');

      const own = await api().get(PRODUCTS).query({ status: 'withdrawn' }).set('Authorization', otherDev.token).expect(200);
      assert.deepEqual(own.body.items.map((p: { product_id: string }) => p.product_id), [id]);
      const othersView = await api().get(PRODUCTS).query({ status: 'withdrawn' }).set('Authorization', dev.token).expect(200);
      assert.ok(!othersView.body.items.some((p: { product_id: string }) => p.product_id === id), 'a developer sees only its own withdrawn games');
      const adminView = await api().get(PRODUCTS).query({ status: 'withdrawn' }).set('Authorization', adminToken).expect(200);
      assert.ok(adminView.body.items.some((p: { product_id: string }) => p.product_id === id));
      assert.equal((await api().get(PRODUCTS).query({ status: 'withdrawn' }).set('Authorization', buyerCaller.token).expect(403)).body.code, 'catalog.withdrawn_hidden');
      await api().get(PRODUCTS).query({ status: 'withdrawn' }).expect(401);

      const restored = await api().post(`${PRODUCTS}/${id}/restore`).set('Authorization', otherDev.token).expect(200);
      assert.equal(restored.body.status, 'active');
      const back = await api().get(PRODUCTS).query({ region: 'DE', limit: 100 }).expect(200);
      assert.ok(back.body.items.some((p: { product_id: string }) => p.product_id === id));
    });
  });

  describe('the public catalog', () => {
    it('given games priced in several regions, then the list pages through them in listing order, and ?region keeps those priced there with that price only', async () => {
      const developer = await aDeveloper('dev-list');
      const made = [];
      for (let i = 0; i < 5; i++) {
        clock.advance(1000);
        made.push(await givenProduct(system.api, developer.token, { title: `Listed ${i}`, prices: i % 2 === 0 ? { RU: `${100 + i}.00`, UZ: '50000' } : { UZ: '60000' }, currency: i % 2 === 0 ? 'RUB' : 'UZS' }));
      }
      const seen: string[] = [];
      let cursor: string | null | undefined;
      do {
        const page = await api().get(PRODUCTS).query({ developer_id: developer.id, limit: 2, ...(cursor ? { cursor } : {}) }).expect(200);
        assert.ok(page.body.items.length <= 2);
        seen.push(...page.body.items.map((p: { product_id: string }) => p.product_id));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, made.map((p) => p.product_id));

      const inRu = await api().get(PRODUCTS).query({ developer_id: developer.id, region: 'RU' }).expect(200);
      assert.deepEqual(inRu.body.items.map((p: { title: string }) => p.title), ['Listed 0', 'Listed 2', 'Listed 4']);
      assert.deepEqual(inRu.body.items[1].prices, [{ region: 'RU', currency: 'RUB', amount: '102.00' }]);
      const everywhere = await api().get(`${PRODUCTS}/${made[0]!.product_id}`).expect(200);
      assert.equal(everywhere.body.prices.length, 2, 'the product page shows every region');

      for (const [query, field] of [[{ region: 'ru' }, 'region'], [{ region: 'XX' }, 'region'], [{ status: 'gone' }, 'status'], [{ limit: '0' }, 'limit'], [{ limit: '101' }, 'limit'], [{ cursor: '!!' }, 'cursor']] as const) {
        const answer = await api().get(PRODUCTS).query(query).expect(400);
        assert.equal(answer.body.field, field);
      }
    });

    it('given games listed and changed, then the BI tables hold them and every price change, with no personal data', async () => {
      const product = await givenProduct(system.api, dev.token, { title: 'BI game', prices: { RU: '10.00' } });
      await api().put(`${PRODUCTS}/${product.product_id}/prices/RU`).set('Authorization', dev.token).send({ currency: 'RUB', amount: '12.50' }).expect(200);
      const products = await api().get('/api/admin/bi/game_products').query({ column: 'product_id', equals: product.product_id }).set('Authorization', adminToken).expect(200);
      assert.deepEqual(products.body.columns, ['product_id', 'title', 'developer_id', 'status', 'vat', 'payment_subject', 'listed_at', 'updated_at', 'version']);
      assert.equal(products.body.rows[0].title, 'BI game');
      const prices = await api().get('/api/admin/bi/game_product_prices').query({ column: 'product_id', equals: product.product_id }).set('Authorization', adminToken).expect(200);
      assert.deepEqual(
        prices.body.rows.map((r: { change: string; previous_amount: string | null; amount: string }) => [r.change, r.previous_amount, r.amount]),
        [['listed', null, '10.00'], ['set', '10.00', '12.50']],
      );
    });
  });
});
