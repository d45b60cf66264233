import { CashRegisterRefusal, type FiscalReceiptRequest } from '../../../commands/game-store/ports/cash-register.js';
import type { PaymentSubject } from '../../../commands/game-store/ports/payment-provider.js';
import { atolRubles } from './atol-money.js';
import { atolTimestamp } from './moscow-time.js';

/** Tag 1212 as ATOL v5 numbers it (DOMAIN-FACTS B 3.1): 9 РИД, 4 услуга, 1 товар, 3 работа, 10 аванс/предоплата, 13 иной. */
export const ATOL_PAYMENT_OBJECTS: Readonly<Record<PaymentSubject, number>> = {
  intellectual_activity: 9,
  service: 4,
  commodity: 1,
  job: 3,
  payment: 10,
  another: 13,
};

/** Tag 2108: ATOL measure 0 is "шт." — a game key is one piece. */
const ATOL_MEASURES = { piece: 0 } as const;

/** payments[].type 1: paid electronically (tag 1081). */
const ELECTRONIC_PAYMENT = 1;

/**
 * The body of `POST {group}/sell | sell_refund` (DOMAIN-FACTS B 3.1, FFD 1.2 tags of 3.3), in
 * the documented field order. Amounts become rubles as JSON numbers here and nowhere else.
 * An amount no JSON number can carry exactly (negative, ≥ 10^13 rubles) is refused before
 * anything is sent.
 */
export function atolReceiptDocument(request: FiscalReceiptRequest) {
  const rubles = (kopecks: bigint, field: string): number => {
    const value = atolRubles(kopecks);
    if (value === undefined) throw new CashRegisterRefusal('invalid_amount', `receipt ${request.externalId}: ${field} is ${kopecks} kopecks, which a receipt cannot carry`);
    return value;
  };
  return {
    external_id: request.externalId,
    timestamp: atolTimestamp(request.timestamp),
    ...(request.callbackUrl === undefined ? {} : { service: { callback_url: request.callbackUrl } }),
    receipt: {
      client: { email: request.customerEmail },
      company: {
        email: request.company.email,
        sno: request.company.taxSystem,
        inn: request.company.inn,
        payment_address: request.company.paymentAddress,
      },
      items: request.items.map((item, index) => ({
        name: item.name,
        price: rubles(item.unitPriceMinor, `items[${index}].price`),
        quantity: item.quantity,
        measure: ATOL_MEASURES[item.measure],
        sum: rubles(item.sumMinor, `items[${index}].sum`),
        payment_method: item.paymentMethod,
        payment_object: ATOL_PAYMENT_OBJECTS[item.paymentObject],
        vat: { type: item.vat },
      })),
      payments: [{ type: ELECTRONIC_PAYMENT, sum: rubles(request.electronicMinor, 'payments[0].sum') }],
      internet: true,
      total: rubles(request.totalMinor, 'total'),
    },
  };
}
