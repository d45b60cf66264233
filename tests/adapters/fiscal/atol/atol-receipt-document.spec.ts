import assert from 'node:assert/strict';
import { atolReceiptDocument } from '../../../../adapters/fiscal/atol/atol-receipt-document.js';
import { CashRegisterRefusal, type FiscalReceiptRequest } from '../../../../commands/game-store/ports/cash-register.js';
import { PAYMENT_SUBJECTS } from '../../../../commands/game-store/ports/payment-provider.js';

/** DOMAIN-FACTS B 3.1's example body, as text (1499.00 and 1499 are the same JSON number). */
const DOMAIN_FACTS_EXAMPLE = `{"external_id": "rcpt_ord_1_sale", "timestamp": "12.05.2026 14:03:00",
 "service": {"callback_url": "https://api.example/webhooks/atol"},
 "receipt": {
   "client": {"email": "u@example.com"},
   "company": {"email": "shop@example.com", "sno": "osn", "inn": "5544332219", "payment_address": "https://shop.example"},
   "items": [{"name": "Игра X — ключ активации", "price": 1499.00, "quantity": 1, "measure": 0, "sum": 1499.00,
              "payment_method": "full_payment", "payment_object": 9, "vat": {"type": "vat22"}}],
   "payments": [{"type": 1, "sum": 1499.00}],
   "internet": true,
   "total": 1499.00}}`;

const sale = (overrides: Partial<FiscalReceiptRequest> = {}): FiscalReceiptRequest => ({
  externalId: 'rcpt_ord_1_sale',
  operation: 'sell',
  timestamp: new Date('2026-05-12T11:03:00Z'),
  customerEmail: 'u@example.com',
  company: { email: 'shop@example.com', inn: '5544332219', taxSystem: 'osn', paymentAddress: 'https://shop.example' },
  items: [{ name: 'Игра X — ключ активации', unitPriceMinor: 149900n, quantity: 1, sumMinor: 149900n, measure: 'piece', paymentMethod: 'full_payment', paymentObject: 'intellectual_activity', vat: 'vat22' }],
  electronicMinor: 149900n,
  totalMinor: 149900n,
  callbackUrl: 'https://api.example/webhooks/atol',
  ...overrides,
});

describe('ATOL v5 receipt document (POST {group}/sell)', () => {
  it('given the sale of DOMAIN-FACTS B 3.1, then the document is that example, field for field and in its order', () => {
    const written = JSON.stringify(atolReceiptDocument(sale()));
    assert.deepEqual(JSON.parse(written), JSON.parse(DOMAIN_FACTS_EXAMPLE));
    assert.equal(written, JSON.stringify(JSON.parse(DOMAIN_FACTS_EXAMPLE)));
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
