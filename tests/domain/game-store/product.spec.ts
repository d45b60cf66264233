import assert from 'node:assert/strict';
import { productDecider, REGIONS, type ProductCommand, type ProductEvent } from '../../../domain/game-store/product.js';
import { given } from '../../support/decider-spec.js';

const now = new Date('2026-03-01T10:00:00.000Z');
const at = now.toISOString();
const owner = { id: 'dev-1', isAdmin: false };
const stranger = { id: 'dev-2', isAdmin: false };
const admin = { id: 'admin-1', isAdmin: true };

const list = (overrides: Partial<Extract<ProductCommand, { type: 'ListProduct' }>> = {}): ProductCommand => ({
  type: 'ListProduct',
  productId: 'p-1',
  title: 'Space Trader',
  developerId: 'dev-1',
  prices: [{ region: 'RU', currency: 'RUB', amountMinor: '149900' }],
  vat: 'none',
  paymentSubject: 'intellectual_activity',
  by: owner,
  now,
  ...overrides,
});

const listed: ProductEvent = {
  type: 'ProductListed',
  data: { productId: 'p-1', title: 'Space Trader', developerId: 'dev-1', prices: [{ region: 'RU', currency: 'RUB', amountMinor: '149900' }], vat: 'none', paymentSubject: 'intellectual_activity', by: 'dev-1', listedAt: at },
};
const withdrawn: ProductEvent = { type: 'ProductWithdrawn', data: { productId: 'p-1', by: 'dev-1', at } };

describe('game store: the product decider (P-1)', () => {
  describe('listing', () => {
    it('given nothing, when its developer lists it, then ProductListed with the trimmed title, the prices in minor units and who did it', () => {
      given(productDecider).when(list({ title: '  Space Trader ' })).then([listed]);
    });

    it('given nothing, when an admin lists it for a developer, then the developer owns it and the admin is `by`', () => {
      const state = given(productDecider).when(list({ by: admin })).then([{ ...listed, data: { ...listed.data, by: 'admin-1' } } as ProductEvent]);
      assert.equal(state.status === 'active' && state.developerId, 'dev-1');
    });

    it('given nothing, when a developer lists a product for another developer, then forbidden', () => {
      given(productDecider).when(list({ by: stranger })).thenFails('catalog.not_owner', { kind: 'forbidden' });
    });

    it('given a listed product, when listed again, then conflict', () => {
      given(productDecider, [listed]).when(list()).thenFails('catalog.product_exists', { kind: 'conflict' });
    });

    it('given prices that are not ISO regions, currencies or positive minor units, or a region twice, then refused naming the field', () => {
      const cases: [Extract<ProductCommand, { type: 'ListProduct' }>['prices'], string, string][] = [
        [[{ region: 'ZZ', currency: 'RUB', amountMinor: '1' }], 'catalog.invalid_region', 'prices.0.region'],
        [[{ region: 'ru', currency: 'RUB', amountMinor: '1' }], 'catalog.invalid_region', 'prices.0.region'],
        [[{ region: 'RU', currency: 'rub', amountMinor: '1' }], 'catalog.invalid_currency', 'prices.0.currency'],
        [[{ region: 'RU', currency: 'RUB', amountMinor: '0' }], 'catalog.invalid_amount', 'prices.0.amount'],
        [[{ region: 'RU', currency: 'RUB', amountMinor: '-5' }], 'catalog.invalid_amount', 'prices.0.amount'],
        [[{ region: 'RU', currency: 'RUB', amountMinor: '1.5' }], 'catalog.invalid_amount', 'prices.0.amount'],
        [[{ region: 'RU', currency: 'RUB', amountMinor: '1' }, { region: 'RU', currency: 'RUB', amountMinor: '2' }], 'catalog.duplicate_region', 'prices.1.region'],
      ];
      for (const [prices, code, field] of cases) given(productDecider).when(list({ prices })).thenFails(code, { kind: 'rule_violated', field });
    });

    it('given a blank title or one over 200 characters, then refused naming title', () => {
      given(productDecider).when(list({ title: '   ' })).thenFails('catalog.invalid_title', { field: 'title' });
      given(productDecider).when(list({ title: 'x'.repeat(201) })).thenFails('catalog.invalid_title', { field: 'title' });
    });

    it('knows the 249 ISO 3166-1 alpha-2 codes', () => {
      assert.equal(REGIONS.size, 249);
      for (const code of ['RU', 'KZ', 'BY', 'US', 'DE']) assert.ok(REGIONS.has(code), code);
      for (const code of ['EU', 'UK', 'XX', 'ZZ']) assert.ok(!REGIONS.has(code), code);
    });
  });

  describe('prices', () => {
    it('given a price in RU, when its developer sets a new one, then ProductPriceSet with the old and the new price', () => {
      const state = given(productDecider, [listed])
        .when({ type: 'SetPrice', region: 'RU', price: { currency: 'RUB', amountMinor: '99900' }, by: owner, now })
        .then([{ type: 'ProductPriceSet', data: { productId: 'p-1', region: 'RU', previous: { currency: 'RUB', amountMinor: '149900' }, current: { currency: 'RUB', amountMinor: '99900' }, by: 'dev-1', at } }]);
      assert.deepEqual(state.status !== 'none' && state.prices, { RU: { currency: 'RUB', amountMinor: '99900' } });
    });

    it('given no price in KZ, when one is set, then its previous price is null', () => {
      given(productDecider, [listed])
        .when({ type: 'SetPrice', region: 'KZ', price: { currency: 'KZT', amountMinor: '799000' }, by: admin, now })
        .then([{ type: 'ProductPriceSet', data: { productId: 'p-1', region: 'KZ', previous: null, current: { currency: 'KZT', amountMinor: '799000' }, by: 'admin-1', at } }]);
    });

    it('given a price, when the same price is set again, then nothing happens', () => {
      given(productDecider, [listed]).when({ type: 'SetPrice', region: 'RU', price: { currency: 'RUB', amountMinor: '149900' }, by: owner, now }).then([]);
    });

    it('given a price, when it is removed, then ProductPriceRemoved with the old price; removing an absent one is not found', () => {
      const state = given(productDecider, [listed])
        .when({ type: 'RemovePrice', region: 'RU', by: owner, now })
        .then([{ type: 'ProductPriceRemoved', data: { productId: 'p-1', region: 'RU', previous: { currency: 'RUB', amountMinor: '149900' }, current: null, by: 'dev-1', at } }]);
      assert.deepEqual(state.status !== 'none' && state.prices, {});
      given(productDecider, [listed]).when({ type: 'RemovePrice', region: 'KZ', by: owner, now }).thenFails('catalog.price_not_found', { kind: 'not_found', field: 'region' });
    });

    it('given a bad region, currency or amount, then refused naming it', () => {
      given(productDecider, [listed]).when({ type: 'SetPrice', region: 'XX', price: { currency: 'RUB', amountMinor: '1' }, by: owner, now }).thenFails('catalog.invalid_region', { field: 'region' });
      given(productDecider, [listed]).when({ type: 'SetPrice', region: 'RU', price: { currency: 'RUBL', amountMinor: '1' }, by: owner, now }).thenFails('catalog.invalid_currency', { field: 'currency' });
      given(productDecider, [listed]).when({ type: 'SetPrice', region: 'RU', price: { currency: 'RUB', amountMinor: '01' }, by: owner, now }).thenFails('catalog.invalid_amount', { field: 'amount' });
    });
  });

  describe('title, fiscal attributes, withdrawal', () => {
    it('given a product, when retitled and its fiscal attributes change at once, then two events with the previous values; unchanged values make none', () => {
      given(productDecider, [listed])
        .when({ type: 'ReviseProduct', title: 'Space Trader II', vat: 'vat20', by: owner, now })
        .then([
          { type: 'ProductRetitled', data: { productId: 'p-1', previousTitle: 'Space Trader', title: 'Space Trader II', by: 'dev-1', at } },
          { type: 'ProductFiscalChanged', data: { productId: 'p-1', previous: { vat: 'none', paymentSubject: 'intellectual_activity' }, vat: 'vat20', paymentSubject: 'intellectual_activity', by: 'dev-1', at } },
        ]);
      given(productDecider, [listed]).when({ type: 'ReviseProduct', title: 'Space Trader', vat: 'none', by: owner, now }).then([]);
    });

    it('given an active product, when withdrawn, then ProductWithdrawn; withdrawn again, nothing; restored, ProductRestored; restored again, nothing', () => {
      const state = given(productDecider, [listed]).when({ type: 'WithdrawProduct', by: owner, now }).then([withdrawn]);
      assert.equal(state.status, 'withdrawn');
      given(productDecider, [listed, withdrawn]).when({ type: 'WithdrawProduct', by: owner, now }).then([]);
      const restored = given(productDecider, [listed, withdrawn]).when({ type: 'RestoreProduct', by: admin, now }).then([{ type: 'ProductRestored', data: { productId: 'p-1', by: 'admin-1', at } }]);
      assert.equal(restored.status, 'active');
      given(productDecider, [listed]).when({ type: 'RestoreProduct', by: owner, now }).then([]);
    });

    it('given a withdrawn product, then its developer may still change its prices (to sell it again later)', () => {
      given(productDecider, [listed, withdrawn])
        .when({ type: 'SetPrice', region: 'RU', price: { currency: 'RUB', amountMinor: '100' }, by: owner, now })
        .then([{ type: 'ProductPriceSet', data: { productId: 'p-1', region: 'RU', previous: { currency: 'RUB', amountMinor: '149900' }, current: { currency: 'RUB', amountMinor: '100' }, by: 'dev-1', at } }]);
    });
  });

  describe('who may', () => {
    const commands: ProductCommand[] = [
      { type: 'SetPrice', region: 'RU', price: { currency: 'RUB', amountMinor: '1' }, by: stranger, now },
      { type: 'RemovePrice', region: 'RU', by: stranger, now },
      { type: 'ReviseProduct', title: 'Mine now', by: stranger, now },
      { type: 'WithdrawProduct', by: stranger, now },
      { type: 'RestoreProduct', by: stranger, now },
    ];
    it('given a product, when another developer changes it in any way, then forbidden', () => {
      for (const command of commands) given(productDecider, [listed]).when(command).thenFails('catalog.not_owner', { kind: 'forbidden' });
    });
    it('given no product, when anyone changes it, then not found (before any ownership question)', () => {
      for (const command of commands) given(productDecider).when(command).thenFails('catalog.product_not_found', { kind: 'not_found' });
    });
  });
});
