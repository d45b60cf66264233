import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { LibraryDesk } from '../../../commands/game-store/purchase-followers.js';
import { streamOfLibrary } from '../../../domain/game-store/library.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { aBuyer, aDeveloper, anAdmin, givenProduct, serviceToken, startGameStore, support, type Caller, type GameStoreSystem, type ProductAnswer } from './game-store-harness.js';
import { anOrderId, desksOf, libraryShows } from './library-and-ledger-harness.js';

const ITEMS = '/api/v1/library/items';

/**
 * The buyer's library over HTTP (SPEC P-6): the games land through the library desk (as the
 * purchase saga's effect will call it once a payment completed), then GET /api/v1/library/items
 * shows them — only to their buyer, and to support and admins who name the buyer.
 */
describe('game store: the library over HTTP (P-6)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: GameStoreSystem;
  let library: LibraryDesk;
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  let trader: ProductAnswer;
  let farm: ProductAnswer;

  before(async () => {
    database = await openTestDatabase();
    system = await startGameStore({ database, clock });
    library = desksOf(system).library;
    const dev = await aDeveloper('dev-library');
    trader = await givenProduct(system.api, dev.token, { title: 'Space Trader' });
    farm = await givenProduct(system.api, dev.token, { title: 'Moon Farm' });
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const api = () => request(system.api);
  const gameOf = (p: ProductAnswer) => ({ productId: p.product_id, title: p.title, developerId: p.developer_id });
  const at = (iso: string) => new Date(iso);

  async function givenPurchase(buyer: Caller, orderId: string, products: readonly ProductAnswer[], when = '2026-03-01T10:00:00.000Z') {
    const outcome = await library.addPurchasedGames({ buyerId: buyer.id, orderId, games: products.map(gameOf), purchasedAt: at(when), now: new Date(at(when).getTime() + 1500), correlationId: `spec-${orderId}` });
    if (outcome._tag === 'Left') assert.fail(`refused: ${outcome.left.code}`);
    await libraryShows(system, outcome.right.position);
    return outcome.right;
  }

  it('given an order’s two games added, then the buyer’s library lists both, newest first, with the order, acquisition purchase and the times', async () => {
    const buyer = await aBuyer();
    const orderId = anOrderId();
    const outcome = await givenPurchase(buyer, orderId, [trader, farm]);
    assert.deepEqual(outcome.added, [trader.product_id, farm.product_id]);
    assert.deepEqual(outcome.alreadyOwned, []);
    const page = await api().get(ITEMS).set('Authorization', buyer.token).expect(200);
    assert.equal(page.body.nextCursor, null);
    const byProduct = new Map(page.body.items.map((i: { product_id: string }) => [i.product_id, i]));
    assert.deepEqual(byProduct.get(trader.product_id), {
      product_id: trader.product_id,
      title: 'Space Trader',
      developer_id: 'dev-library',
      order_id: orderId,
      acquisition: 'purchase',
      purchased_at: '2026-03-01T10:00:00.000Z',
      added_at: '2026-03-01T10:00:01.500Z',
    });
    assert.equal(page.body.items.length, 2);
    assert.deepEqual(await library.ownedAmong(buyer.id, [trader.product_id, farm.product_id, randomUUID()]).then((ids) => [...ids].sort()), [trader.product_id, farm.product_id].sort());
  });

  it('given an order’s games added, when the step is retried, then the same answer and one event per game', async () => {
    const buyer = await aBuyer();
    const orderId = anOrderId();
    const first = await givenPurchase(buyer, orderId, [trader]);
    const again = await givenPurchase(buyer, orderId, [trader]);
    assert.deepEqual(again.added, first.added);
    assert.deepEqual(again.alreadyOwned, []);
    const events = await system.dependencies.store.readStream(streamOfLibrary(buyer.id));
    assert.deepEqual(events.map((e) => e.type), ['LibraryGameAdded']);
    const page = await api().get(ITEMS).set('Authorization', buyer.token).expect(200);
    assert.equal(page.body.items.length, 1);
  });

  it('given a game owned through one order, when a second order holds it and another, then only the other is added and the owned one is reported for refund', async () => {
    const buyer = await aBuyer();
    const firstOrder = anOrderId();
    await givenPurchase(buyer, firstOrder, [trader]);
    const second = await givenPurchase(buyer, anOrderId(), [trader, farm]);
    assert.deepEqual(second.added, [farm.product_id]);
    assert.deepEqual(second.alreadyOwned, [trader.product_id]);
    const page = await api().get(ITEMS).set('Authorization', buyer.token).expect(200);
    assert.equal(page.body.items.find((i: { product_id: string }) => i.product_id === trader.product_id).order_id, firstOrder, 'the first order keeps it');
  });

  it('given a refunded game, then it leaves the library (a repeat removes nothing more); bought again by a new order, it is back with that order', async () => {
    const buyer = await aBuyer();
    const orderId = anOrderId();
    await givenPurchase(buyer, orderId, [trader, farm]);
    const refund = { buyerId: buyer.id, orderId, refundId: randomUUID(), productIds: [trader.product_id], now: at('2026-03-02T09:00:00.000Z'), correlationId: 'spec-refund' };
    const removed = await library.removeRefundedGames(refund);
    assert.deepEqual(removed, { _tag: 'Right', right: { removed: [trader.product_id] } });
    assert.deepEqual(await library.removeRefundedGames(refund), { _tag: 'Right', right: { removed: [trader.product_id] } }, 'a repeat answers the same');
    // a refund of an order that does not hold it (any longer) takes nothing
    assert.deepEqual(await library.removeRefundedGames({ ...refund, refundId: randomUUID(), productIds: [farm.product_id], orderId: anOrderId() }), { _tag: 'Right', right: { removed: [] } });
    const events = await system.dependencies.store.readStream(streamOfLibrary(buyer.id));
    assert.deepEqual(events.map((e) => e.type), ['LibraryGameAdded', 'LibraryGameAdded', 'LibraryGameRemoved']);
    await libraryShows(system, events[2]!.position);
    const after = await api().get(ITEMS).set('Authorization', buyer.token).expect(200);
    assert.deepEqual(after.body.items.map((i: { product_id: string }) => i.product_id), [farm.product_id]);
    assert.deepEqual(await library.ownedAmong(buyer.id, [trader.product_id]), []);

    const rebought = anOrderId();
    const again = await givenPurchase(buyer, rebought, [trader], '2026-03-03T12:00:00.000Z');
    assert.deepEqual(again.added, [trader.product_id]);
    const back = await api().get(ITEMS).set('Authorization', buyer.token).expect(200);
    assert.deepEqual(back.body.items.map((i: { product_id: string; order_id: string }) => [i.product_id, i.order_id]), [[trader.product_id, rebought], [farm.product_id, orderId]], 'newest first');
  });

  it('given 25 games, then the library pages through them newest first, each once, and the last page has no cursor', async () => {
    const buyer = await aBuyer();
    const games = Array.from({ length: 25 }, (_, i) => ({ productId: randomUUID(), title: `Game ${i}`, developerId: 'dev-many' }));
    for (const [i, game] of games.entries()) {
      const when = new Date(Date.UTC(2026, 2, 1, 10, 0, i));
      const outcome = await library.addPurchasedGames({ buyerId: buyer.id, orderId: anOrderId(), games: [game], purchasedAt: when, now: when, correlationId: 'spec' });
      if (outcome._tag === 'Right') await libraryShows(system, outcome.right.position);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: request.Response = await api().get(ITEMS).query({ limit: '10', ...(cursor ? { cursor } : {}) }).set('Authorization', buyer.token).expect(200);
      seen.push(...page.body.items.map((i: { title: string }) => i.title));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, games.map((g) => g.title).reverse());
  });

  it('given two orders of one buyer completing at once (two workers), then both orders’ games land: the library retries on a concurrent write', async () => {
    const buyer = await aBuyer();
    const other = desksOf(system).library;
    const orders = Array.from({ length: 8 }, () => ({ orderId: anOrderId(), game: { productId: randomUUID(), title: 'Race game', developerId: 'dev-race' } }));
    const outcomes = await Promise.all(
      orders.map(({ orderId, game }, i) => (i % 2 === 0 ? library : other).addPurchasedGames({ buyerId: buyer.id, orderId, games: [game], purchasedAt: clock.now(), now: clock.now(), correlationId: 'spec' })),
    );
    for (const [i, outcome] of outcomes.entries()) assert.deepEqual(outcome._tag === 'Right' && outcome.right.added, [orders[i]!.game.productId]);
    const events = await system.dependencies.store.readStream(streamOfLibrary(buyer.id));
    assert.equal(events.length, 8);
    assert.deepEqual(events.map((e) => e.revision), [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
  });

  describe('who sees a library', () => {
    let owner: Caller;
    before(async () => {
      owner = await aBuyer();
      await givenPurchase(owner, anOrderId(), [trader]);
    });

    it('given another buyer, then they see their own (empty) library, and naming the owner with buyer_id is 403', async () => {
      const stranger = await aBuyer();
      const own = await api().get(ITEMS).set('Authorization', stranger.token).expect(200);
      assert.deepEqual(own.body, { items: [], nextCursor: null });
      const theirs = await api().get(ITEMS).query({ buyer_id: owner.id }).set('Authorization', stranger.token).expect(403);
      assert.equal(theirs.body.code, 'library.not_yours');
      // naming oneself is fine
      await api().get(ITEMS).query({ buyer_id: stranger.id }).set('Authorization', stranger.token).expect(200);
    });

    it('given support or an admin naming the buyer, then they see the buyer’s library', async () => {
      for (const token of [await support(), (await anAdmin()).token]) {
        const page = await api().get(ITEMS).query({ buyer_id: owner.id }).set('Authorization', token).expect(200);
        assert.deepEqual(page.body.items.map((i: { product_id: string }) => i.product_id), [trader.product_id]);
      }
    });

    it('given no token 401; a service principal 403', async () => {
      await api().get(ITEMS).expect(401);
      await api().get(ITEMS).set('Authorization', await serviceToken('svc')).expect(403);
    });

    it('given a malformed limit, cursor or buyer_id, then 400 naming it', async () => {
      for (const [query, field] of [[{ limit: '0' }, 'limit'], [{ limit: '101' }, 'limit'], [{ cursor: '!!' }, 'cursor'], [{ cursor: Buffer.from('{"addedAt":"yesterday","productId":"x"}').toString('base64url') }, 'cursor'], [{ buyer_id: 'x'.repeat(101) }, 'buyer_id']] as const) {
        const answer = await api().get(ITEMS).query(query).set('Authorization', owner.token).expect(400);
        assert.equal(answer.body.field, field, JSON.stringify(answer.body));
      }
    });
  });
});
