/**
 * ATOL writes money as rubles in JSON numbers (DOMAIN-FACTS B 3.1, 6.1); we keep kopecks in a
 * bigint. The number is made from its decimal text, never by dividing a float: a decimal of at
 * most 15 significant digits survives the trip through a double exactly (JSON.stringify writes
 * the shortest text that reads back as the same double, which is that decimal).
 */

/** Below 10^15 kopecks (10^13 rubles) every amount keeps all its digits as a JSON number. */
const LARGEST_EXACT_KOPECKS = 10n ** 15n - 1n;

/** 149900n → 1499, 1n → 0.01, 12345678901n → 123456789.01. Undefined for a negative or too large amount. */
export function atolRubles(kopecks: bigint): number | undefined {
  if (kopecks < 0n || kopecks > LARGEST_EXACT_KOPECKS) return undefined;
  return Number(`${kopecks / 100n}.${(kopecks % 100n).toString().padStart(2, '0')}`);
}

/** 1598 → 159800n, 0.01 → 1n; undefined for anything that is not a non-negative amount of whole kopecks. */
export function kopecksFromAtolRubles(value: unknown): bigint | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  // String() gives the shortest decimal that reads back as this double: the register's own text.
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(value));
  if (!match) return undefined;
  return BigInt(match[1]!) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}
