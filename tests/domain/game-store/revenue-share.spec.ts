import assert from 'node:assert/strict';
import { basisPointsOfPercent, isSharePercent, percentOfBasisPoints, productDecider, type ProductEvent } from '../../../domain/game-store/product.js';
import { given } from '../../support/decider-spec.js';

const now = new Date('2026-03-01T10:00:00.000Z');
const at = now.toISOString();
const owner = { id: 'dev-1', isAdmin: false };
const admin = { id: 'admin-1', isAdmin: true };
const listed: ProductEvent = {
  type: 'ProductListed',
  data: { productId: 'p-1', title: 'Space Trader', developerId: 'dev-1', prices: [{ region: 'RU', currency: 'RUB', amountMinor: '149900' }], vat: 'none', paymentSubject: 'intellectual_activity', by: 'dev-1', listedAt: at },
};
const shareSet = (previous: number | null, shareBasisPoints: number): ProductEvent => ({ type: 'ProductRevenueShareSet', data: { productId: 'p-1', previous, shareBasisPoints, by: 'admin-1', at } });

describe('game store: a product’s revenue share (issue 13, item 5)', () => {
  it('given a listed product, then no share of its own (null: the default applies)', () => {
    const { state } = given(productDecider, [listed]);
    assert.equal(state.status !== 'none' && state.revenueShareBasisPoints, null);
  });

  it('given a product on the default, when an admin sets 72.5 %, then ProductRevenueShareSet from null to 7250; set again to 80 %, previous is 7250', () => {
    const state = given(productDecider, [listed]).when({ type: 'SetRevenueShare', shareBasisPoints: 7250, by: admin, now }).then([shareSet(null, 7250)]);
    assert.equal(state.status !== 'none' && state.revenueShareBasisPoints, 7250);
    given(productDecider, [listed, shareSet(null, 7250)]).when({ type: 'SetRevenueShare', shareBasisPoints: 8000, by: admin, now }).then([shareSet(7250, 8000)]);
  });

  it('given a share, when the same share is set again, then nothing happens', () => {
    given(productDecider, [listed, shareSet(null, 7250)]).when({ type: 'SetRevenueShare', shareBasisPoints: 7250, by: admin, now }).then([]);
  });

  it('given the owning developer, when it sets its own share, then forbidden: only admins', () => {
    given(productDecider, [listed]).when({ type: 'SetRevenueShare', shareBasisPoints: 10_000, by: owner, now }).thenFails('catalog.admin_only', { kind: 'forbidden' });
  });

  it('given a share outside 0–10000 basis points or not whole, then refused; 0 and 10000 are fine; no product: not found', () => {
    for (const bad of [-1, 10_001, 70.5]) given(productDecider, [listed]).when({ type: 'SetRevenueShare', shareBasisPoints: bad, by: admin, now }).thenFails('catalog.invalid_revenue_share', { field: 'share_percent' });
    given(productDecider, [listed]).when({ type: 'SetRevenueShare', shareBasisPoints: 0, by: admin, now }).then([shareSet(null, 0)]);
    given(productDecider, [listed]).when({ type: 'SetRevenueShare', shareBasisPoints: 10_000, by: admin, now }).then([shareSet(null, 10_000)]);
    given(productDecider).when({ type: 'SetRevenueShare', shareBasisPoints: 7000, by: admin, now }).thenFails('catalog.product_not_found');
  });

  it('reads and writes percents as decimal strings with at most two decimals, exactly', () => {
    for (const [text, bps] of [['70', 7000], ['72.5', 7250], ['72.55', 7255], ['0', 0], ['0.01', 1], ['100', 10_000], ['100.00', 10_000], ['9.9', 990]] as const) {
      assert.ok(isSharePercent(text), text);
      assert.equal(basisPointsOfPercent(text), bps, text);
    }
    for (const bad of ['100.01', '101', '-1', '70.555', '070', '7e1', '', ' 70', '70.', '.5', 'NaN', '1000']) assert.ok(!isSharePercent(bad), bad);
    assert.deepEqual([7000, 7250, 7255, 0, 1, 10_000, 990].map(percentOfBasisPoints), ['70', '72.5', '72.55', '0', '0.01', '100', '9.9']);
  });
});
