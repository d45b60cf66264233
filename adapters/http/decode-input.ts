import { isRight } from 'fp-ts/Either';
import type * as t from 'io-ts';
import { declarationOf, type JsonSchema } from './json-schema.js';
import type { FieldError } from './problem.js';

/**
 * Decode one part of a request; on failure the fields at fault, named by their path in the
 * input (`startsAt`, `items.0.quantity`), with one message per field, in words a client's
 * developer reads: `must be one of standard, vip, early_bird (got "platinum")`, `must be an
 * ISO-8601 date-time with a zone, e.g. 2026-05-01T18:00:00Z`, `is required` — never an io-ts
 * type expression. A codec's own failure message (`t.failure(u, c, 'must be …')`) is kept.
 */
export function decodeInput<A>(
  codec: t.Type<A, unknown, unknown>,
  input: unknown,
  location: FieldError['in'],
): { ok: true; value: A } | { ok: false; errors: FieldError[] } {
  const result = codec.decode(input);
  if (isRight(result)) return { ok: true, value: result.right };
  const byField = new Map<string, FieldError>();
  for (const error of result.left) {
    const described = describe(error, location);
    if (!byField.has(described.field)) byField.set(described.field, described);
  }
  return { ok: false, errors: [...byField.values()] };
}

const MEMBER_HOLDERS = new Set(['UnionType', 'IntersectionType']);

function describe(error: t.ValidationError, location: FieldError['in']): FieldError {
  const path: string[] = [];
  // The codec whose value is at the field: a union's members are alternatives for one field.
  let expected: t.Decoder<unknown, unknown> = error.context[0]!.type;
  for (let i = 1; i < error.context.length; i++) {
    const parent = error.context[i - 1]!.type as { _tag?: string };
    if (parent._tag && MEMBER_HOLDERS.has(parent._tag)) continue;
    path.push(error.context[i]!.key);
    expected = error.context[i]!.type;
  }
  const field = path.length > 0 ? path.join('.') : location;
  const message =
    error.message ??
    (error.value === undefined ? 'is required' : `must be ${expectedOf(expected)}${describeValue(error.value)}`);
  return { field, in: location, message };
}

/** Codecs the structural walk cannot see into (custom `new t.Type(…)`, brands), by name. */
const KNOWN_BY_NAME: Record<string, string> = {
  IsoDateTime: 'an ISO-8601 date-time with a zone, e.g. 2026-05-01T18:00:00Z',
  DateFromISOString: 'an ISO-8601 date-time with a zone, e.g. 2026-05-01T18:00:00Z',
  CursorTimestamp: 'an ISO-8601 date-time',
  Uuid: 'a UUID',
  Int: 'a whole number',
  IntegerFromText: 'a whole number',
  BooleanFromText: 'true or false',
  NumberFromString: 'a number',
};

const OBJECT_TAGS = new Set(['InterfaceType', 'PartialType', 'ExactType', 'StrictType', 'DictionaryType', 'AnyDictionaryType', 'ObjectType']);
const ARRAY_TAGS = new Set(['ArrayType', 'ReadonlyArrayType', 'AnyArrayType', 'TupleType']);

// io-ts classes are told apart by their `_tag`; the fields read are those of each class.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Tagged = t.Decoder<unknown, unknown> & { readonly _tag?: string } & Record<string, any>;

/**
 * What a value must be, as a noun phrase for "must be …": `a number`, `one of a, b`, `a UUID`,
 * `a string or null`, `an object`. Exported for tests.
 */
export function expectedOf(codec: t.Decoder<unknown, unknown>, depth = 0): string {
  const declaration = declarationOf(codec);
  if (declaration?.expected) return declaration.expected;
  const known = KNOWN_BY_NAME[codec.name];
  if (known) return known;
  if (declaration) return expectedOfSchema(declaration.schema) ?? plainName(codec.name) ?? 'a valid value';
  if (depth > 8) return 'a valid value';
  const c = codec as Tagged;
  switch (c._tag) {
    case 'StringType':
      return 'a string';
    case 'NumberType':
      return 'a number';
    case 'BigIntType':
      return 'a whole number';
    case 'BooleanType':
      return 'true or false';
    case 'NullType':
      return 'null';
    case 'UndefinedType':
    case 'VoidType':
      return 'left out';
    case 'UnknownType':
    case 'AnyType':
      return 'a value';
    case 'LiteralType':
      return literalText(c.value);
    case 'KeyofType':
      return oneOf(Object.keys(c.keys));
    case 'ReadonlyType':
    case 'RecursiveType':
      return expectedOf(c.type, depth + 1);
    case 'UnionType': {
      const members = c.types as Tagged[];
      if (members.every((m) => m._tag === 'LiteralType')) return oneOf(members.map((m) => literalText(m.value)));
      // A member that is "left out" is no alternative for a value that was sent.
      const present = members.filter((m) => m._tag !== 'UndefinedType' && m._tag !== 'VoidType');
      const phrases = [...new Set(present.map((m) => expectedOf(m, depth + 1)))];
      return phrases.length === 0 ? 'left out' : alternatives(phrases);
    }
    case 'IntersectionType': {
      const members = c.types as Tagged[];
      if (members.some((m) => isObjectLike(m))) return 'an object';
      return expectedOf(members[0]!, depth + 1);
    }
    case 'RefinementType': {
      // A brand or named refinement: its name when it reads as words, else "a valid <base>".
      const named = plainName(codec.name);
      return named ? `a valid ${named}` : `a valid ${withoutArticle(expectedOf(c.type, depth + 1))}`;
    }
  }
  if (c._tag && OBJECT_TAGS.has(c._tag)) return 'an object';
  if (c._tag && ARRAY_TAGS.has(c._tag)) return c._tag === 'TupleType' ? `an array of ${(c.types as unknown[]).length} items` : 'an array';
  const named = plainName(codec.name);
  return named ? `a valid ${named}` : 'a valid value';
}

function isObjectLike(codec: Tagged): boolean {
  if (codec._tag === 'ReadonlyType' || codec._tag === 'RefinementType') return isObjectLike(codec.type as Tagged);
  if (codec._tag === 'IntersectionType') return (codec.types as Tagged[]).some(isObjectLike);
  return codec._tag !== undefined && OBJECT_TAGS.has(codec._tag);
}

/** The phrase a declared JSON Schema stands for (withJsonSchema without `expected`). */
function expectedOfSchema(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.enum)) return oneOf(schema.enum.map(literalText));
  if (schema.const !== undefined) return literalText(schema.const);
  if (schema.format === 'date-time') return KNOWN_BY_NAME.IsoDateTime;
  if (schema.format === 'uuid') return KNOWN_BY_NAME.Uuid;
  switch (schema.type) {
    case 'string':
      return 'a string';
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'an array';
    case 'object':
      return 'an object';
  }
  return undefined;
}

/**
 * A codec name that reads as words (`TicketCode` → "ticket code", `Password (8–256 characters)`
 * → "password (8–256 characters)"); undefined for an io-ts expression (`{ a: string }`,
 * `(string | <function1>)`, `Partial<…>`).
 */
function plainName(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9 _()–,.:-]*$/.test(name) || name.length > 80) return undefined;
  if (/^(string|number|boolean|null|undefined|unknown|Int|Branded|Readonly)\b/.test(name)) return undefined;
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(' ')
    .map((word) => (/^[A-Z][a-z]/.test(word) ? word.toLowerCase() : word))
    .join(' ');
}

const withoutArticle = (phrase: string) => phrase.replace(/^(a|an) /, '');

function literalText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function oneOf(values: readonly string[]): string {
  return values.length === 1 ? values[0]! : `one of ${values.join(', ')}`;
}

function alternatives(phrases: readonly string[]): string {
  return phrases.length === 1 ? phrases[0]! : `${phrases.slice(0, -1).join(', ')} or ${phrases[phrases.length - 1]}`;
}

function describeValue(value: unknown): string {
  if (value === null) return ' (got null)';
  if (Array.isArray(value)) return ' (got an array)';
  if (typeof value === 'object') return ' (got an object)';
  const text = JSON.stringify(value);
  return text && text.length <= 40 ? ` (got ${text})` : ` (got a ${typeof value})`;
}
