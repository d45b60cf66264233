import type { FiscalReceiptRequest } from '../../../commands/game-store/ports/cash-register.js';

/**
 * ATOL Online v5's published examples (DOMAIN-FACTS B 3.1, 9), written out once as the documents
 * are — what the adapter must send and the local register must take. Documents, not code: the
 * adapter and the register still share nothing that builds or parses the protocol.
 */

/** §3.1's example `sell` body, as text (1499.00 and 1499 are the same JSON number); `callbackUrl` goes in service.callback_url. */
export const atolSellExample = (callbackUrl: string): string => `{"external_id": "rcpt_ord_1_sale", "timestamp": "12.05.2026 14:03:00",
 "service": {"callback_url": ${JSON.stringify(callbackUrl)}},
 "receipt": {
   "client": {"email": "u@example.com"},
   "company": {"email": "shop@example.com", "sno": "osn", "inn": "5544332219", "payment_address": "https://shop.example"},
   "items": [{"name": "Игра X — ключ активации", "price": 1499.00, "quantity": 1, "measure": 0, "sum": 1499.00,
              "payment_method": "full_payment", "payment_object": 9, "vat": {"type": "vat22"}}],
   "payments": [{"type": 1, "sum": 1499.00}],
   "internet": true,
   "total": 1499.00}}`;

/** The same sale as the port asks for it (no callback: add `callbackUrl` for one). */
export const gameKeySale = (overrides: Partial<FiscalReceiptRequest> = {}): FiscalReceiptRequest => ({
  externalId: 'rcpt_ord_1_sale',
  operation: 'sell',
  timestamp: new Date('2026-05-12T11:03:00Z'),
  customerEmail: 'u@example.com',
  company: { email: 'shop@example.com', inn: '5544332219', taxSystem: 'osn', paymentAddress: 'https://shop.example' },
  items: [{ name: 'Игра X — ключ активации', unitPriceMinor: 149900n, quantity: 1, sumMinor: 149900n, measure: 'piece', paymentMethod: 'full_payment', paymentObject: 'intellectual_activity', vat: 'vat22' }],
  electronicMinor: 149900n,
  totalMinor: 149900n,
  ...overrides,
});

/** The report fixture's payload (uuid 2ea26f17-0884-4f08-b120-306fc096a58f, total 1598; fiscal_document_attribute exceeds 2³¹). */
export const REPORT_FIXTURE_PAYLOAD = {
  total: 1598,
  fns_site: 'www.nalog.ru',
  fn_number: '1110000100238211',
  shift_number: 23,
  receipt_datetime: '12.04.2017 20:16:00',
  fiscal_receipt_number: 6,
  fiscal_document_number: 133,
  ecr_registration_number: '0000111118041361',
  fiscal_document_attribute: 3449555941,
};
