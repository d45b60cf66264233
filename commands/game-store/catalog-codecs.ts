import * as t from 'io-ts';
import { closedObject } from '../../adapters/http/closed-object.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { isPrice, toMinorUnits } from '../../domain/money.js';
import { isRegion, MAX_TITLE_LENGTH } from '../../domain/game-store/product.js';
import { PAYMENT_METHODS, PAYMENT_SUBJECTS, VAT_RATES } from './ports/payment-provider.js';

/**
 * The game store's field codecs at the HTTP edge: every field checked, a 400 naming it with what
 * was expected, and bodies closed (a field the operation does not know is refused by name — a
 * client sending `unit_price` to an order must hear that we never take prices from it).
 */

export { closedObject };

const keyOf = <const V extends readonly string[]>(values: V, name: string) =>
  withJsonSchema(
    t.keyof(Object.fromEntries(values.map((v) => [v, null])) as Record<V[number], null>, name),
    { type: 'string', enum: [...values] },
    { expected: `one of ${values.join(', ')}` },
  );

export const Region = withJsonSchema(t.refinement(t.string, isRegion, 'Region'), { type: 'string', pattern: '^[A-Z]{2}$' }, { expected: 'an ISO 3166-1 alpha-2 region code in upper case ("RU")' });

const knownCurrencies: ReadonlySet<string> = (() => {
  try {
    return new Set(Intl.supportedValuesOf('currency'));
  } catch {
    return new Set<string>();
  }
})();
/** ISO 4217, upper case; a known code when the runtime knows the list (Node's ICU does). */
export const isKnownCurrency = (s: string): boolean => /^[A-Z]{3}$/.test(s) && (knownCurrencies.size === 0 || knownCurrencies.has(s));
export const Currency = withJsonSchema(t.refinement(t.string, isKnownCurrency, 'Currency'), { type: 'string', pattern: '^[A-Z]{3}$' }, { expected: 'an ISO 4217 currency code in upper case ("RUB")' });

/** A price in major units as text, above zero, at most two decimals ("1499.00"). */
export const Amount = withJsonSchema(
  t.refinement(t.string, (s) => isPrice(s) && toMinorUnits(s) > 0n, 'Amount'),
  { type: 'string', pattern: '^(0|[1-9][0-9]{0,11})(\\.[0-9]{1,2})?$' },
  { expected: 'a decimal string above zero with at most two decimals ("1499.00")' },
);

export const Title = withJsonSchema(
  t.refinement(t.string, (s) => s.trim().length > 0 && s.length <= MAX_TITLE_LENGTH, 'Title'),
  { type: 'string', minLength: 1, maxLength: MAX_TITLE_LENGTH },
  { expected: `text of 1 to ${MAX_TITLE_LENGTH} characters` },
);

export const Vat = keyOf(VAT_RATES, 'VatRate');
export const PaymentSubject = keyOf(PAYMENT_SUBJECTS, 'PaymentSubject');
export const PaymentMethod = keyOf(PAYMENT_METHODS, 'PaymentMethod');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Product and order ids are lower-case UUIDs; anything else names nothing (404, never 400). */
export const isId = (s: string): boolean => UUID.test(s);

export const UserId = withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= 100, 'UserId'), { type: 'string', minLength: 1, maxLength: 100 }, { expected: 'a user id' });
export const ProductIdField = withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= 100, 'ProductId'), { type: 'string', minLength: 1, maxLength: 100 }, { expected: 'a product id' });

/** An integer from `min` to `max` (JSON numbers; 1.5 or "1" are refused). */
export const IntegerIn = (name: string, min: number, max: number) =>
  withJsonSchema(t.refinement(t.number, (n) => Number.isInteger(n) && n >= min && n <= max, name), { type: 'integer', minimum: min, maximum: max }, { expected: `a whole number from ${min} to ${max}` });

export const PriceBody = closedObject('Price', { currency: Currency, amount: Amount }, {});
