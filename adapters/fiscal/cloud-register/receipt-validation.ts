import { isObject } from './register-http.js';
import { isAtolTimestamp } from './register-time.js';

/**
 * What the local register checks in `POST {group}/sell | sell_refund` before it takes a receipt,
 * as ATOL Online v5 (FFD 1.2) would (DOMAIN-FACTS B 3.1, 3.3, 6.2): the required fields, the
 * enums, the formats, and the arithmetic — each item's sum is its price × quantity, the total is
 * the sum of the items and of the payments. The first problem found is answered as error 32,
 * naming the field. Optional fields ATOL knows and we do not use are let through unread.
 */

/** A receipt the register took; the money kept as it came (rubles, JSON numbers) and in kopecks. */
export interface TakenReceipt {
  readonly externalId: string;
  readonly timestamp: string;
  readonly callbackUrl: string | undefined;
  readonly client: { readonly email?: string; readonly phone?: string };
  readonly company: { readonly email: string; readonly sno: string; readonly inn: string; readonly paymentAddress: string };
  readonly items: readonly TakenItem[];
  readonly payments: readonly { readonly type: number; readonly sum: number }[];
  readonly total: number;
  readonly totalKopecks: bigint;
}

export interface TakenItem {
  readonly name: string;
  readonly price: number;
  readonly quantity: number;
  readonly measure: number;
  readonly sum: number;
  readonly payment_method: string;
  readonly payment_object: number;
  readonly vat: { readonly type: string; readonly sum?: number };
}

export type Validation = { readonly ok: true; readonly receipt: TakenReceipt } | { readonly ok: false; readonly field: string; readonly reason: string };

const SNO = ['osn', 'usn_income', 'usn_income_outcome', 'envd', 'esn', 'patent'];
const VAT_TYPES = ['none', 'vat0', 'vat5', 'vat7', 'vat10', 'vat20', 'vat22', 'vat105', 'vat107', 'vat110', 'vat120', 'vat122'];
const PAYMENT_METHODS = ['full_prepayment', 'prepayment', 'advance', 'full_payment', 'partial_payment', 'credit', 'credit_payment'];
/** Tag 1212 in v5: 1–27 and the marked goods 30–33. */
const PAYMENT_OBJECTS = new Set([...Array.from({ length: 27 }, (_, i) => i + 1), 30, 31, 32, 33]);
/** Tag 2108 (OKEI-based codes of v5): 0 шт, 10 г, 11 кг, 12 т, 20 см … 80–83 КБ–ТБ, 255 иная. */
const MEASURES = new Set([0, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 70, 71, 72, 73, 80, 81, 82, 83, 255]);
/** payments[].type 0 наличные … 9 (extended types). */
const PAYMENT_TYPES = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
/** The largest price or sum ATOL takes: 42 949 672.95 ₽ (2³² − 1 kopecks). */
const MAX_KOPECKS = 4_294_967_295n;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?\d{1,19}$/;

class Refused {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {}
}

/** Kopecks of a ruble amount written as a JSON number with at most two decimals. */
function kopecks(value: unknown, field: string): bigint {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Refused(field, 'должно быть числом');
  if (value < 0) throw new Refused(field, 'не может быть отрицательным');
  const fixed = value.toFixed(2);
  if (Number(fixed) !== value) throw new Refused(field, 'не более двух знаков после запятой');
  const [rubles, cents] = fixed.split('.') as [string, string];
  const result = BigInt(rubles) * 100n + BigInt(cents);
  if (result > MAX_KOPECKS) throw new Refused(field, 'больше 42949672.95');
  return result;
}

/** Thousandths of a quantity (at most three decimals, more than zero, at most 99999.999). */
function thousandths(value: unknown, field: string): bigint {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Refused(field, 'должно быть числом');
  const fixed = value.toFixed(3);
  if (Number(fixed) !== value) throw new Refused(field, 'не более трёх знаков после запятой');
  if (value <= 0 || value > 99_999.999) throw new Refused(field, 'должно быть больше 0 и не больше 99999.999');
  const [whole, part] = fixed.split('.') as [string, string];
  return BigInt(whole) * 1000n + BigInt(part);
}

function text(value: unknown, field: string, maxLength: number, required = true): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw new Refused(field, 'обязательное поле');
    return undefined;
  }
  if (typeof value !== 'string') throw new Refused(field, 'должно быть строкой');
  if (value.trim() === '' && required) throw new Refused(field, 'не может быть пустым');
  if (value.length > maxLength) throw new Refused(field, `не длиннее ${maxLength} символов`);
  return value;
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) throw new Refused(field, 'обязательное поле');
  if (!isObject(value)) throw new Refused(field, 'должно быть объектом');
  return value;
}

function oneOf(value: unknown, field: string, allowed: readonly string[]): string {
  if (typeof value !== 'string' || !allowed.includes(value)) throw new Refused(field, `допустимые значения: ${allowed.join(', ')}`);
  return value;
}

function integerIn(value: unknown, field: string, allowed: ReadonlySet<number>): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || !allowed.has(value)) throw new Refused(field, `недопустимое значение ${JSON.stringify(value)}`);
  return value;
}

/** INN (tag 1018): 10 digits for an organisation, 12 for an individual entrepreneur, with their check digits. */
export function innIsValid(inn: string): boolean {
  const digits = [...inn].map(Number);
  const check = (weights: readonly number[]) => (weights.reduce((sum, weight, i) => sum + weight * digits[i]!, 0) % 11) % 10;
  if (/^\d{10}$/.test(inn)) return check([2, 4, 10, 3, 5, 9, 4, 6, 8]) === digits[9];
  if (/^\d{12}$/.test(inn)) return check([7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === digits[10] && check([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === digits[11];
  return false;
}

const rubles = (kopecksValue: bigint) => `${kopecksValue / 100n}.${String(kopecksValue % 100n).padStart(2, '0')}`;

export function validateReceiptRequest(body: unknown): Validation {
  try {
    return { ok: true, receipt: take(body) };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, field: error.field, reason: error.reason };
    throw error;
  }
}

function take(body: unknown): TakenReceipt {
  if (!isObject(body)) throw new Refused('(тело запроса)', 'должно быть JSON-объектом');
  const externalId = text(body.external_id, 'external_id', 128)!;
  if (!isAtolTimestamp(body.timestamp)) throw new Refused('timestamp', 'формат dd.mm.yyyy HH:MM:SS');
  let callbackUrl: string | undefined;
  if (body.service !== undefined && body.service !== null) {
    const service = object(body.service, 'service');
    callbackUrl = text(service.callback_url, 'service.callback_url', 256, false);
    if (callbackUrl !== undefined && callbackUrl !== '' && !/^https?:\/\/[^\s/]+/.test(callbackUrl)) throw new Refused('service.callback_url', 'должно быть адресом http(s)');
    if (callbackUrl === '') callbackUrl = undefined;
  }
  const receipt = object(body.receipt, 'receipt');

  const client = object(receipt.client, 'receipt.client');
  const email = text(client.email, 'receipt.client.email', 64, false);
  const phone = text(client.phone, 'receipt.client.phone', 19, false);
  if (email !== undefined && !EMAIL.test(email)) throw new Refused('receipt.client.email', 'некорректный адрес электронной почты');
  if (phone !== undefined && !PHONE.test(phone)) throw new Refused('receipt.client.phone', 'некорректный номер телефона');
  if (email === undefined && phone === undefined) throw new Refused('receipt.client', 'нужен email или phone покупателя');

  const company = object(receipt.company, 'receipt.company');
  const companyEmail = text(company.email, 'receipt.company.email', 64)!;
  if (!EMAIL.test(companyEmail)) throw new Refused('receipt.company.email', 'некорректный адрес электронной почты');
  const sno = oneOf(company.sno, 'receipt.company.sno', SNO);
  const inn = text(company.inn, 'receipt.company.inn', 12)!;
  if (!innIsValid(inn)) throw new Refused('receipt.company.inn', '10 или 12 цифр с верными контрольными разрядами');
  const paymentAddress = text(company.payment_address, 'receipt.company.payment_address', 256)!;

  if (!Array.isArray(receipt.items) || receipt.items.length === 0) throw new Refused('receipt.items', 'нужна хотя бы одна позиция');
  if (receipt.items.length > 100) throw new Refused('receipt.items', 'не больше 100 позиций');
  let itemsKopecks = 0n;
  const items = receipt.items.map((raw, index): TakenItem => {
    const at = `receipt.items[${index}]`;
    const item = object(raw, at);
    const name = text(item.name, `${at}.name`, 128)!;
    const price = kopecks(item.price, `${at}.price`);
    const quantity = thousandths(item.quantity, `${at}.quantity`);
    const measure = integerIn(item.measure, `${at}.measure`, MEASURES);
    const sum = kopecks(item.sum, `${at}.sum`);
    const expected = (price * quantity + 500n) / 1000n;
    if (sum !== expected) throw new Refused(`${at}.sum`, `должна равняться price × quantity = ${rubles(expected)}`);
    const paymentMethod = oneOf(item.payment_method, `${at}.payment_method`, PAYMENT_METHODS);
    const paymentObject = integerIn(item.payment_object, `${at}.payment_object`, PAYMENT_OBJECTS);
    const vat = object(item.vat, `${at}.vat`);
    const vatType = oneOf(vat.type, `${at}.vat.type`, VAT_TYPES);
    if (vat.sum !== undefined && vat.sum !== null) kopecks(vat.sum, `${at}.vat.sum`);
    itemsKopecks += sum;
    return {
      name,
      price: item.price as number,
      quantity: item.quantity as number,
      measure,
      sum: item.sum as number,
      payment_method: paymentMethod,
      payment_object: paymentObject,
      vat: typeof vat.sum === 'number' ? { type: vatType, sum: vat.sum } : { type: vatType },
    };
  });

  if (!Array.isArray(receipt.payments) || receipt.payments.length === 0) throw new Refused('receipt.payments', 'нужна хотя бы одна оплата');
  if (receipt.payments.length > 10) throw new Refused('receipt.payments', 'не больше 10 оплат');
  let paidKopecks = 0n;
  const payments = receipt.payments.map((raw, index) => {
    const at = `receipt.payments[${index}]`;
    const payment = object(raw, at);
    const type = integerIn(payment.type, `${at}.type`, PAYMENT_TYPES);
    paidKopecks += kopecks(payment.sum, `${at}.sum`);
    return { type, sum: payment.sum as number };
  });

  if (receipt.vats !== undefined && receipt.vats !== null) {
    if (!Array.isArray(receipt.vats)) throw new Refused('receipt.vats', 'должно быть массивом');
    receipt.vats.forEach((raw, index) => {
      const vat = object(raw, `receipt.vats[${index}]`);
      oneOf(vat.type, `receipt.vats[${index}].type`, VAT_TYPES);
      kopecks(vat.sum, `receipt.vats[${index}].sum`);
    });
  }
  if (receipt.internet !== undefined && typeof receipt.internet !== 'boolean') throw new Refused('receipt.internet', 'должно быть true или false');

  const totalKopecks = kopecks(receipt.total, 'receipt.total');
  if (totalKopecks !== itemsKopecks) throw new Refused('receipt.total', `сумма чека не равняется сумме всех позиций (${rubles(itemsKopecks)})`);
  if (paidKopecks !== totalKopecks) throw new Refused('receipt.payments', `сумма оплат (${rubles(paidKopecks)}) не равняется сумме чека (${rubles(totalKopecks)})`);

  return {
    externalId,
    timestamp: body.timestamp as string,
    callbackUrl,
    client: { ...(email === undefined ? {} : { email }), ...(phone === undefined ? {} : { phone }) },
    company: { email: companyEmail, sno, inn, paymentAddress },
    items,
    payments,
    total: receipt.total as number,
    totalKopecks,
  };
}
