/**
 * Prices travel as decimal strings in major units with at most two decimals ("1500", "1500.5",
 * "1500.00"); inside they are whole minor units (kopecks) as bigint, so sums never round.
 */
const PRICE = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

export const isPrice = (text: string): boolean => PRICE.test(text);

export function toMinorUnits(price: string): bigint {
  const [whole, fraction = ''] = price.split('.');
  return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
}

export function fromMinorUnits(minor: bigint): string {
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** "1500" → "1500.00": one spelling per amount in events and read models. */
export const normalizePrice = (price: string): string => fromMinorUnits(toMinorUnits(price));
