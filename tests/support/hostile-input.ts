import fc from 'fast-check';

/**
 * Arbitraries of hostile input for the fuzz suite, from a route's OpenAPI description:
 * wrong types, missing and extra fields, huge and deeply nested values, NUL and lone
 * surrogates, bad percent-encoding, junk cursors, impossible dates.
 */
type Schema = { readonly [keyword: string]: unknown };

export const IMPOSSIBLE_DATES = [
  '2026-02-30T10:00:00Z',
  '2026-13-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '2026-04-31T23:59:59+03:00',
  '2026-01-01T24:00:00Z',
  '2026-01-01T10:61:00Z',
  '2026-01-01T10:00:00+25:00',
  '-000001-01-01T00:00:00Z',
  '99999-01-01T00:00:00Z',
];

export const NASTY_TEXT = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\udbff\udbff',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '',
  ' ',
  '-1',
  '0',
  '1e309',
  '9'.repeat(40),
  'null',
  'true',
  '../../etc/passwd',
  "'; drop table events; --",
  '%zz',
  '😀',
  'Ω≈ç√∫',
  '\u202e\u0301',
  '0:' + 'f'.repeat(64),
  '-2:' + 'a'.repeat(64),
  ...IMPOSSIBLE_DATES,
];

/** Raw path segments: not percent-encoded by us (the router must refuse them). */
export const BAD_PATH_SEGMENTS = ['%zz', '%C0%AF', '%ED%A0%80', '%', '%%41', '%00', 'a%00b', '%E0%80%AF', '%FF'];

const loneSurrogateString = fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)), maxLength: 6 });

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_TEXT) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: loneSurrogateString },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 20_000 }).map((n) => 'x'.repeat(n)) },
);

/** A value nested `depth` levels deep (objects and arrays); keep it shallow enough for JSON.stringify. */
export function nested(depth: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/** JSON text nested `depth` levels deep, built as text (the probe's 5,000 levels in about 10 KB). */
export function nestedJsonText(depth: number): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    open.push(i % 2 === 0 ? '{"a":' : '[');
    close.push(i % 2 === 0 ? '}' : ']');
  }
  return `${open.join('')}1${close.reverse().join('')}`;
}

export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 0.1, -1, 1.5, 2 ** 120, 2 ** 64) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom(nested(40), nested(200), nested(33, 'deep')) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constant({ __proto__: { admin: true }, constructor: { prototype: 1 } }) },
);

/** A value that fits `schema`, when the walk can tell. */
function fitting(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return fc.constant('x');
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const members = schema[key] as Schema[] | undefined;
    if (members?.length) return fc.oneof(...members.map((m) => fitting(m, depth + 1)));
  }
  const all = schema.allOf as Schema[] | undefined;
  if (all?.length) {
    return fc.tuple(...all.map((m) => fitting(m, depth + 1))).map((parts) =>
      parts.every((p) => p !== null && typeof p === 'object' && !Array.isArray(p)) ? Object.assign({}, ...(parts as object[])) : parts[0],
    );
  }
  switch (schema.type) {
    case 'string':
      if (schema.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.format === 'uuid') return fc.uuid();
      return fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.stringMatching(/^[0-9]{1,6}$/), fc.emailAddress());
    case 'integer':
      return fc.integer({ min: -2, max: 1000 });
    case 'number':
      return fc.oneof(fc.integer({ min: -2, max: 1000 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fitting(schema.items as Schema | undefined, depth + 1), { maxLength: 3 });
    case 'object':
      return objectFor(schema, depth);
  }
  return fc.anything({ maxDepth: 2 });
}

/** An object of `schema`'s properties, each one fitting or hostile, some dropped, some extra. */
function objectFor(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const fields = Object.entries(properties).map(([name, property]) =>
    fc
      .tuple(fc.constantFrom('fit', 'fit', 'fit', 'hostile', 'drop'), fitting(property, depth + 1), hostileJson)
      .map(([choice, good, bad]) => [name, choice, choice === 'fit' ? good : bad] as const),
  );
  return fc
    .tuple(fc.tuple(...fields), fc.dictionary(hostileString, hostileJson, { maxKeys: 2 }), fc.integer({ min: 0, max: 4 }))
    .map(([entries, extra, withExtra]) => {
      const value: Record<string, unknown> = {};
      for (const [name, choice, v] of entries) if (choice !== 'drop') value[name] = v;
      return withExtra === 0 ? { ...extra, ...value } : value;
    });
}

/** JSON text of a body for a request whose documented body is `schema`. */
export function hostileBody(schema: Schema | undefined): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fitting(schema).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 2, arbitrary: hostileJson.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.constantFrom(nestedJsonText(5000), nestedJsonText(33)) },
  );
}

/** A query value for a documented parameter: fitting, hostile, or an array of values. */
export function hostileQueryValue(schema: Schema | undefined, name: string): fc.Arbitrary<string | string[]> {
  const asText = fitting(schema).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''));
  return fc.oneof(
    { weight: 3, arbitrary: asText },
    { weight: 3, arbitrary: name === 'cursor' ? junkCursor : hostileString },
    { weight: 1, arbitrary: fc.array(hostileString, { minLength: 2, maxLength: 3 }) },
  );
}

/** Cursors that decode (base64url JSON) but carry nonsense, and ones that do not. */
export const junkCursor: fc.Arbitrary<string> = fc.oneof(
  fc
    .constantFrom<unknown>(
      { startsAt: '-1' },
      { seq: '' },
      { seq: '99999999999999999999999' },
      { seq: '-5' },
      { createdAt: '2026-02-30T00:00:00Z', id: 'x' },
      { createdAt: '\u0000', id: '\u0000' },
      { issuedAt: 'yesterday', id: 1 },
      { email: '\ud800', id: '' },
      { startsAt: '2026-01-01T00:00:00.000Z', id: 'a\u0000' },
      [],
      null,
      'cursor',
      nested(100),
    )
    .map((v) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url')),
  fc.constant(Buffer.from(nestedJsonText(3000), 'utf8').toString('base64url')),
  fc.dictionary(hostileString, hostileJson, { maxKeys: 3 }).map((v) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url')),
  hostileString,
);

/** Percent-encode text for a URL (a lone surrogate, which encodeURIComponent refuses, as CESU bytes). */
export function urlText(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    out += code >= 0xd800 && code <= 0xdfff ? `%ED%${(0xa0 | ((code >> 6) & 0x1f)).toString(16).toUpperCase()}%${(0x80 | (code & 0x3f)).toString(16).toUpperCase()}` : encodeURIComponent(char);
  }
  return out;
}
