import assert from 'node:assert/strict';
import { libraryDecider, libraryOfStream, purchaseOutcome, refundOutcome, streamOfLibrary, type LibraryCommand, type LibraryEvent } from '../../../domain/game-store/library.js';
import { given } from '../../support/decider-spec.js';

const purchasedAt = new Date('2026-03-01T10:00:00.000Z');
const now = new Date('2026-03-01T10:00:02.000Z');
const later = new Date('2026-03-05T09:00:00.000Z');
const trader = { productId: 'p-trader', title: 'Space Trader', developerId: 'dev-1' };
const farm = { productId: 'p-farm', title: 'Moon Farm', developerId: 'dev-2' };

const add = (orderId: string, games = [trader], at = now): LibraryCommand => ({ type: 'AddPurchasedGames', buyerId: 'b-1', orderId, games, purchasedAt, now: at });
const remove = (orderId: string, refundId: string, productIds = [trader.productId], at = later): LibraryCommand => ({ type: 'RemoveRefundedGames', buyerId: 'b-1', orderId, refundId, productIds, now: at });
const added = (orderId: string, game = trader, at = now): LibraryEvent => ({
  type: 'LibraryGameAdded',
  data: { buyerId: 'b-1', productId: game.productId, orderId, acquisition: 'purchase', title: game.title, developerId: game.developerId, purchasedAt: purchasedAt.toISOString(), addedAt: at.toISOString() },
});
const removed = (orderId: string, refundId: string, productId = trader.productId, at = later): LibraryEvent => ({
  type: 'LibraryGameRemoved',
  data: { buyerId: 'b-1', productId, orderId, refundId, reason: 'refund', removedAt: at.toISOString() },
});

describe('game store: the library decider (P-6)', () => {
  it('names its stream Library-<buyer> and reads the buyer back from it', () => {
    assert.equal(streamOfLibrary('b-1'), 'Library-b-1');
    assert.equal(libraryOfStream('Library-b-1'), 'b-1');
    assert.equal(libraryOfStream('Product-b-1'), undefined);
  });

  describe('adding an order’s games', () => {
    it('given an empty library, when an order’s two games are added, then LibraryGameAdded for each, acquisition purchase, with the purchase and addition times', () => {
      const state = given(libraryDecider).when(add('o-1', [trader, farm])).then([added('o-1'), added('o-1', farm)]);
      assert.deepEqual([...state.owned.keys()], ['p-trader', 'p-farm']);
      assert.deepEqual(purchaseOutcome(state, 'o-1', ['p-trader', 'p-farm']), { added: ['p-trader', 'p-farm'], alreadyOwned: [] });
    });

    it('given the order added its game, when the same order adds it again (a retried step), then nothing new, and it still counts as added by this order', () => {
      const { state } = given(libraryDecider, [added('o-1')]);
      given(libraryDecider, [added('o-1')]).when(add('o-1')).then([]);
      assert.deepEqual(purchaseOutcome(state, 'o-1', ['p-trader']), { added: ['p-trader'], alreadyOwned: [] });
    });

    it('given a game owned through another order, when a second order adds it and a new one, then only the new one is added and the owned one is already owned', () => {
      const state = given(libraryDecider, [added('o-1')]).when(add('o-2', [trader, farm])).then([added('o-2', farm)]);
      assert.equal(state.owned.get('p-trader')?.orderId, 'o-1', 'the first order keeps it');
      assert.deepEqual(purchaseOutcome(state, 'o-2', ['p-trader', 'p-farm']), { added: ['p-farm'], alreadyOwned: ['p-trader'] });
    });

    it('given the order’s game was refunded, when the order’s step is retried, then it is not given back (this order added it already)', () => {
      given(libraryDecider, [added('o-1'), removed('o-1', 'r-1')]).when(add('o-1')).then([]);
    });

    it('given a refunded game, when a new order buys it again, then it is added anew through the new order', () => {
      const state = given(libraryDecider, [added('o-1'), removed('o-1', 'r-1')]).when(add('o-2', [trader], later)).then([added('o-2', trader, later)]);
      assert.equal(state.owned.get('p-trader')?.orderId, 'o-2');
    });

    it('given an order naming a game twice, or no buyer, order or product id, then refused naming the field', () => {
      given(libraryDecider).when(add('o-1', [trader, trader])).thenFails('library.duplicate_product', { kind: 'rule_violated', field: 'games.1' });
      given(libraryDecider).when(add('', [trader])).thenFails('library.invalid_order', { field: 'orderId' });
      given(libraryDecider).when({ ...add('o-1'), buyerId: '' } as LibraryCommand).thenFails('library.invalid_buyer');
      given(libraryDecider).when(add('o-1', [{ ...trader, productId: '' }])).thenFails('library.invalid_product', { field: 'games.0' });
    });
  });

  describe('removing refunded games', () => {
    it('given a game in the library through an order, when its refund removes it, then LibraryGameRemoved (reason refund) and it is no longer owned', () => {
      const state = given(libraryDecider, [added('o-1'), added('o-1', farm)]).when(remove('o-1', 'r-1')).then([removed('o-1', 'r-1')]);
      assert.deepEqual([...state.owned.keys()], ['p-farm']);
      assert.deepEqual(refundOutcome(state, 'r-1', ['p-trader']), ['p-trader']);
    });

    it('given the refund removed it already, when the refund is applied again, then nothing new, and it still counts as removed by this refund', () => {
      const history = [added('o-1'), removed('o-1', 'r-1')];
      given(libraryDecider, history).when(remove('o-1', 'r-1')).then([]);
      assert.deepEqual(refundOutcome(given(libraryDecider, history).state, 'r-1', ['p-trader']), ['p-trader']);
    });

    it('given the game is there through a newer order, when an old order’s refund comes, then nothing: a refund takes back only its own order’s game', () => {
      const history = [added('o-1'), removed('o-1', 'r-1'), added('o-2', trader, later)];
      const state = given(libraryDecider, history).when(remove('o-1', 'r-2')).then([]);
      assert.equal(state.owned.get('p-trader')?.orderId, 'o-2');
      assert.deepEqual(refundOutcome(state, 'r-2', ['p-trader']), []);
    });

    it('given a game never in the library, when a refund names it, then nothing', () => {
      given(libraryDecider).when(remove('o-1', 'r-1', ['p-none'])).then([]);
    });

    it('given a partial refund, when it names one of the order’s two games, then only that one leaves', () => {
      given(libraryDecider, [added('o-1'), added('o-1', farm)]).when(remove('o-1', 'r-1', ['p-farm'])).then([removed('o-1', 'r-1', 'p-farm')]);
    });

    it('given a refund naming a product twice, or without a refund id, then refused', () => {
      given(libraryDecider, [added('o-1')]).when(remove('o-1', 'r-1', ['p-trader', 'p-trader'])).thenFails('library.duplicate_product', { field: 'productIds.1' });
      given(libraryDecider, [added('o-1')]).when(remove('o-1', '')).thenFails('library.invalid_refund', { field: 'refundId' });
    });
  });

  it('given states folded from one history, then an earlier state is not changed by folding further (the decider is pure)', () => {
    const first = [added('o-1')].reduce(libraryDecider.evolve, libraryDecider.initialState);
    const second = libraryDecider.evolve(first, removed('o-1', 'r-1'));
    assert.ok(first.owned.has('p-trader'));
    assert.ok(!second.owned.has('p-trader'));
    assert.equal(libraryDecider.initialState.owned.size, 0);
  });
});
