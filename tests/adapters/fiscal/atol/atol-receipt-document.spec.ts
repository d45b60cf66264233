import assert from 'node:assert/strict';
import { atolReceiptDocument } from '../../../../adapters/fiscal/atol/atol-receipt-document.js';
import { CashRegisterRefusal, type FiscalReceiptRequest } from '../../../../commands/game-store/ports/cash-register.js';
import { PAYMENT_SUBJECTS } from '../../../../commands/game-store/ports/payment-provider.js';
import { atolSellExample, gameKeySale } from '../atol-v5-fixtures.js';

const sale = (overrides: Partial<FiscalReceiptRequest> = {}): FiscalReceiptRequest => gameKeySale({ callbackUrl: 'https://api.example/webhooks/atol', ...overrides });

describe('ATOL v5 receipt document (POST {group}/sell)', () => {
  it('given the sale of DOMAIN-FACTS B 3.1, then the document is that example, field for field and in its order', () => {
    const written = JSON.stringify(atolReceiptDocument(sale()));
    assert.deepEqual(JSON.parse(written), JSON.parse(atolSellExample('https://api.example/webhooks/atol')));
    assert.equal(written, JSON.stringify(JSON.parse(atolSellExample('https://api.example/webhooks/atol'))));
  });

  it('given no callback URL, then no service object (the shop polls)', () => {
    const { callbackUrl: _omitted, ...withoutCallback } = sale();
    assert.equal('service' in atolReceiptDocument(withoutCallback), false);
  });

  it('given each payment subject, then its ATOL v5 number: intellectual_activity 9, service 4, commodity 1, job 3, payment 10, another 13', () => {
    const numbers = PAYMENT_SUBJECTS.map((paymentObject) => atolReceiptDocument(sale({ items: [{ ...sale().items[0]!, paymentObject }] })).receipt.items[0]!.payment_object);
    assert.deepEqual(Object.fromEntries(PAYMENT_SUBJECTS.map((s, i) => [s, numbers[i]])), { intellectual_activity: 9, service: 4, commodity: 1, job: 3, payment: 10, another: 13 });
  });

  it('given two keys at 749.50 and a refund, then price is the unit price, sum the line total, rubles with kopecks, and the operation is not in the body', () => {
    const refund = atolReceiptDocument(
      sale({
        operation: 'sell_refund',
        items: [{ ...sale().items[0]!, unitPriceMinor: 74950n, quantity: 2, sumMinor: 149900n, vat: 'none' }],
      }),
    );
    assert.deepEqual(refund.receipt.items[0], { name: 'Игра X — ключ активации', price: 749.5, quantity: 2, measure: 0, sum: 1499, payment_method: 'full_payment', payment_object: 9, vat: { type: 'none' } });
    assert.equal(JSON.stringify(refund).includes('sell_refund'), false);
  });

  it('given an amount no receipt can carry (negative), then CashRegisterRefusal before anything is sent', () => {
    assert.throws(() => atolReceiptDocument(sale({ totalMinor: -1n })), (error: unknown) => error instanceof CashRegisterRefusal && error.code === 'invalid_amount' && /total/.test(error.message));
  });
});
