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
/** ISO-8601 date-time with a zone (`2026-05-01T18:00:00Z`), kept as the text. */
export const IsoDateTime = t.brand(
  t.string,
  (s): s is t.Branded<string, IsoDateTimeBrand> =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
  'IsoDateTime',
);
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
