import * as t from 'io-ts';

/**
 * Codecs for values that arrive as text (query strings, path parameters) and for common
 * formats; the OpenAPI converter knows them by name (json-schema.ts).
 */
export const IntegerFromText = new t.Type<number, string, unknown>(
  'IntegerFromText',
  (u): u is number => Number.isInteger(u),
  (u, c) => {
    if (typeof u === 'number' && Number.isInteger(u)) return t.success(u);
    return typeof u === 'string' && /^-?\d{1,15}$/.test(u) ? t.success(Number(u)) : t.failure(u, c, 'must be a whole number');
  },
  String,
);

export const BooleanFromText = new t.Type<boolean, string, unknown>(
  'BooleanFromText',
  (u): u is boolean => typeof u === 'boolean',
  (u, c) =>
    typeof u === 'boolean' ? t.success(u) : u === 'true' ? t.success(true) : u === 'false' ? t.success(false) : t.failure(u, c, 'must be true or false'),
  String,
);

interface IsoDateTimeBrand {
  readonly IsoDateTime: unique symbol;
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Whether `text` is an ISO-8601 date-time with a zone naming a real instant: the day exists in
 * its month (no 2026-02-30, which `Date.parse` would silently turn into 2 March), the year is
 * 0001–9999, hours 00–23, minutes and seconds 00–59, and the offset at most ±14:00.
 */
export function isIsoDateTime(text: string): boolean {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[7] !== undefined && (Number(m[8]) * 60 + Number(m[9]) > 14 * 60 || Number(m[9]) > 59)) return false;
  return !Number.isNaN(Date.parse(text));
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** ISO-8601 date-time with a zone (`2026-05-01T18:00:00Z`) naming a real calendar instant, kept as the text. */
export const IsoDateTime = t.brand(t.string, (s): s is t.Branded<string, IsoDateTimeBrand> => isIsoDateTime(s), 'IsoDateTime');
export type IsoDateTime = t.TypeOf<typeof IsoDateTime>;

interface UuidBrand {
  readonly Uuid: unique symbol;
}
export const Uuid = t.brand(
  t.string,
  (s): s is t.Branded<string, UuidBrand> => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s),
  'Uuid',
);
export type Uuid = t.TypeOf<typeof Uuid>;
