import assert from 'node:assert/strict';
import {
  developerLedgerDecider as ledger,
  developerLedgerOfStream,
  developerShareOf,
  entryOf,
  streamOfDeveloperLedger,
  type DeveloperLedgerCommand,
  type DeveloperLedgerEvent,
} from '../../../domain/game-store/developer-ledger.js';
import { given } from '../../support/decider-spec.js';

const now = new Date('2026-03-01T10:00:00.000Z');
const later = new Date('2026-03-04T12:00:00.000Z');

const credit = (entryId: string, orderId: string, productId: string, saleMinor = 149_900n, overrides: Partial<Extract<DeveloperLedgerCommand, { type: 'CreditSale' }>> = {}): DeveloperLedgerCommand => ({
  type: 'CreditSale',
  developerId: 'dev-1',
  entryId,
  orderId,
  productId,
  saleMinor,
  shareBasisPoints: 7000,
  currency: 'RUB',
  now,
  ...overrides,
});
const debit = (entryId: string, orderId: string, productId: string, refundId = 'r-1'): DeveloperLedgerCommand => ({ type: 'DebitRefund', developerId: 'dev-1', entryId, orderId, refundId, productId, now: later });

const credited = (entryId: string, orderId: string, productId: string, saleMinor: string, amountMinor: string, balanceAfterMinor: string, shareBasisPoints = 7000, currency = 'RUB'): DeveloperLedgerEvent => ({
  type: 'DeveloperCredited',
  data: { developerId: 'dev-1', entryId, orderId, productId, saleMinor, shareBasisPoints, amountMinor, currency, balanceAfterMinor, creditedAt: now.toISOString() },
});
const debited = (entryId: string, orderId: string, productId: string, amountMinor: string, balanceAfterMinor: string, refundId = 'r-1', currency = 'RUB'): DeveloperLedgerEvent => ({
  type: 'DeveloperDebited',
  data: { developerId: 'dev-1', entryId, orderId, refundId, productId, amountMinor, currency, balanceAfterMinor, debitedAt: later.toISOString() },
});

describe('game store: the developer ledger decider (issue 13, item 5)', () => {
  it('names its stream DeveloperLedger-<developer> and reads the developer back from it', () => {
    assert.equal(streamOfDeveloperLedger('dev-1'), 'DeveloperLedger-dev-1');
    assert.equal(developerLedgerOfStream('DeveloperLedger-dev-1'), 'dev-1');
    assert.equal(developerLedgerOfStream('Library-dev-1'), undefined);
  });

  it('computes the share as floor(sale × bps / 10000) in whole minor units, never rounding up', () => {
    assert.equal(developerShareOf(149_900n, 7000), 104_930n);
    assert.equal(developerShareOf(99n, 7000), 69n, '69.3 → 69');
    assert.equal(developerShareOf(1n, 9999), 0n);
    assert.equal(developerShareOf(123_456_789_012_345n, 10_000), 123_456_789_012_345n);
    assert.equal(developerShareOf(149_900n, 0), 0n);
    assert.equal(developerShareOf(99_999_999_999_999n, 7_333), 73_329_999_999_999n, 'bigint: no float precision lost on large sales');
  });

  describe('credits', () => {
    it('given an empty ledger, when a sale of 1499.00 ₽ at 70 % is credited, then DeveloperCredited of 1049.30 ₽ with the balance after it', () => {
      const state = given(ledger).when(credit('e-1', 'o-1', 'p-1')).then([credited('e-1', 'o-1', 'p-1', '149900', '104930', '104930')]);
      assert.equal(state.balances.get('RUB'), 104_930n);
    });

    it('given a credit, when another sale is credited, then its balanceAfterMinor is the running sum', () => {
      given(ledger, [credited('e-1', 'o-1', 'p-1', '149900', '104930', '104930')])
        .when(credit('e-2', 'o-2', 'p-1', 99n))
        .then([credited('e-2', 'o-2', 'p-1', '99', '69', '104999')]);
    });

    it('given credits in two currencies, then each currency has its own balance', () => {
      const state = given(ledger, [credited('e-1', 'o-1', 'p-1', '149900', '104930', '104930')])
        .when(credit('e-2', 'o-2', 'p-1', 500_000n, { currency: 'KZT' }))
        .then([credited('e-2', 'o-2', 'p-1', '500000', '350000', '350000', 7000, 'KZT')]);
      assert.deepEqual([...state.balances], [['RUB', 104_930n], ['KZT', 350_000n]]);
    });

    it('given an entry, when the same entry comes again (a retried step), then nothing new — even if the share changed meanwhile (the recorded one stands)', () => {
      const history = [credited('e-1', 'o-1', 'p-1', '149900', '104930', '104930')];
      given(ledger, history).when(credit('e-1', 'o-1', 'p-1')).then([]);
      given(ledger, history).when(credit('e-1', 'o-1', 'p-1', 149_900n, { shareBasisPoints: 8000 })).then([]);
    });

    it('given an entry, when its id comes with other content (another order, product, sale or currency), then refused as a reused id', () => {
      const history = [credited('e-1', 'o-1', 'p-1', '149900', '104930', '104930')];
      for (const other of [credit('e-1', 'o-2', 'p-1'), credit('e-1', 'o-1', 'p-2'), credit('e-1', 'o-1', 'p-1', 1n), credit('e-1', 'o-1', 'p-1', 149_900n, { currency: 'KZT' }), debit('e-1', 'o-1', 'p-1')]) {
        given(ledger, history).when(other).thenFails('ledger.entry_id_reused', { kind: 'conflict', field: 'entryId' });
      }
    });

    it('given an item credited, when it is credited again under another entry id, then refused: an item sold is credited once', () => {
      given(ledger, [credited('e-1', 'o-1', 'p-1', '149900', '104930', '104930')]).when(credit('e-2', 'o-1', 'p-1')).thenFails('ledger.already_credited', { kind: 'conflict' });
    });

    it('given a sale not above zero, a share outside 0–10000 or not whole, a malformed currency, or missing ids, then refused naming the field', () => {
      given(ledger).when(credit('e-1', 'o-1', 'p-1', 0n)).thenFails('ledger.invalid_sale', { field: 'saleMinor' });
      given(ledger).when(credit('e-1', 'o-1', 'p-1', -5n)).thenFails('ledger.invalid_sale');
      given(ledger).when(credit('e-1', 'o-1', 'p-1', 100n, { shareBasisPoints: 10_001 })).thenFails('ledger.invalid_share', { field: 'shareBasisPoints' });
      given(ledger).when(credit('e-1', 'o-1', 'p-1', 100n, { shareBasisPoints: 70.5 })).thenFails('ledger.invalid_share');
      given(ledger).when(credit('e-1', 'o-1', 'p-1', 100n, { currency: 'rub' })).thenFails('ledger.invalid_currency', { field: 'currency' });
      given(ledger).when(credit('', 'o-1', 'p-1')).thenFails('ledger.invalid_entry', { field: 'entryId' });
      given(ledger).when(credit('e-1', '', 'p-1')).thenFails('ledger.invalid_item', { field: 'orderId' });
      given(ledger).when(credit('e-1', 'o-1', 'p-1', 100n, { developerId: '' })).thenFails('ledger.invalid_developer');
    });

    it('given a share of 0 %, then the credit of 0 is recorded (the sale is on the statement)', () => {
      given(ledger).when(credit('e-1', 'o-1', 'p-1', 100n, { shareBasisPoints: 0 })).then([credited('e-1', 'o-1', 'p-1', '100', '0', '0', 0)]);
    });
  });

  describe('debits', () => {
    const history = [credited('e-1', 'o-1', 'p-1', '149900', '104930', '104930'), credited('e-2', 'o-1', 'p-2', '50000', '35000', '139930')];

    it('given a credited item, when its refund is debited, then DeveloperDebited of exactly what it credited, with the balance after', () => {
      const state = given(ledger, history).when(debit('d-1', 'o-1', 'p-1')).then([debited('d-1', 'o-1', 'p-1', '104930', '35000')]);
      assert.equal(state.balances.get('RUB'), 35_000n);
    });

    it('given a debit, when the same debit comes again, then nothing new; under another entry id, then refused: never twice for one item', () => {
      const after = [...history, debited('d-1', 'o-1', 'p-1', '104930', '35000')];
      given(ledger, after).when(debit('d-1', 'o-1', 'p-1')).then([]);
      given(ledger, after).when(debit('d-2', 'o-1', 'p-1', 'r-2')).thenFails('ledger.already_debited', { kind: 'conflict' });
      given(ledger, after).when(debit('d-1', 'o-1', 'p-1', 'r-2')).thenFails('ledger.entry_id_reused');
    });

    it('given an item never credited (another order, another product), when a debit comes, then not found', () => {
      given(ledger, history).when(debit('d-1', 'o-2', 'p-1')).thenFails('ledger.credit_not_found', { kind: 'not_found' });
      given(ledger).when(debit('d-1', 'o-1', 'p-1')).thenFails('ledger.credit_not_found');
    });

    it('given a debit in KZT, then it takes back the KZT credit and leaves RUB alone', () => {
      const mixed = [credited('e-1', 'o-1', 'p-1', '149900', '104930', '104930'), credited('e-2', 'o-2', 'p-1', '500000', '350000', '350000', 7000, 'KZT')];
      const state = given(ledger, mixed).when(debit('d-1', 'o-2', 'p-1')).then([debited('d-1', 'o-2', 'p-1', '350000', '0', 'r-1', 'KZT')]);
      assert.deepEqual([...state.balances], [['RUB', 104_930n], ['KZT', 0n]]);
    });

    it('given a debit without a refund id, then refused', () => {
      given(ledger, history).when(debit('d-1', 'o-1', 'p-1', '')).thenFails('ledger.invalid_refund', { field: 'refundId' });
    });
  });

  describe('the state shared by one history', () => {
    it('given a state that was folded further, when a command is decided on the earlier state (a batch decided again after a conflict), then it sees only its own history', () => {
      const s1 = ledger.evolve(ledger.initialState, credited('e-1', 'o-1', 'p-1', '149900', '104930', '104930'));
      const s2 = ledger.evolve(s1, credited('e-2', 'o-2', 'p-1', '149900', '104930', '209860'));
      // s1 has not seen e-2: crediting o-2 from s1 is new there, and e-2 is not recorded in s1
      assert.equal(entryOf(s1, 'e-2'), undefined);
      assert.ok(entryOf(s2, 'e-2'));
      const branch = ledger.evolve(s1, credited('e-3', 'o-3', 'p-1', '100', '70', '105000'));
      assert.equal(entryOf(branch, 'e-2'), undefined, 'a fork does not see the other branch');
      assert.ok(entryOf(branch, 'e-3'));
      assert.equal(entryOf(s2, 'e-3'), undefined, 'nor the other branch the fork');
      assert.equal(entryOf(s1, 'e-3'), undefined);
      assert.equal(s1.balances.get('RUB'), 104_930n);
      assert.equal(s2.balances.get('RUB'), 209_860n);
      assert.equal(branch.balances.get('RUB'), 105_000n);
      // and the first state of another developer's ledger starts empty
      assert.equal(entryOf(ledger.initialState, 'e-1'), undefined);
      const other = ledger.evolve(ledger.initialState, credited('x-1', 'o-9', 'p-9', '100', '70', '70'));
      assert.equal(entryOf(other, 'e-1'), undefined);
    });

    it('given 20 000 entries, then folding them is linear (each event does not copy what came before)', () => {
      const started = Date.now();
      let state = ledger.initialState;
      let balance = 0n;
      for (let i = 0; i < 20_000; i++) {
        balance += 70n;
        state = ledger.evolve(state, credited(`e-${i}`, `o-${i}`, 'p-1', '100', '70', balance.toString()));
      }
      assert.equal(state.balances.get('RUB'), 1_400_000n);
      assert.ok(Date.now() - started < 2_000, `${Date.now() - started} ms`);
    });
  });
});
