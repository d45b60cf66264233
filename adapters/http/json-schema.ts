import * as t from 'io-ts';

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses it). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** Schemas of codecs the structural walk cannot see into (custom `new t.Type(…)`), by codec name. */
const KNOWN_BY_NAME: Record<string, JsonSchema> = {
  Int: { type: 'integer' },
  IntegerFromText: { type: 'integer' },
  BooleanFromText: { type: 'boolean' },
  IsoDateTime: { type: 'string', format: 'date-time' },
  Uuid: { type: 'string', format: 'uuid' },
  NumberFromString: { type: 'number' },
  DateFromISOString: { type: 'string', format: 'date-time' },
};

const declared = new WeakMap<object, JsonSchema>();
const expectations = new WeakMap<object, string>();

export interface SchemaOptions {
  /**
   * What a 400 says the value must be, as a noun phrase: `text of 3 to 200 characters` gives
   * "title must be text of 3 to 200 characters (got "x")". Without it the message is derived
   * from `schema` (decode-input.ts).
   */
  readonly expected?: string;
}

/**
 * A copy of `codec` documented by `schema` wherever it appears in a route declaration (for
 * custom `new t.Type(…)` codecs, or to add a description). The original codec is untouched.
 */
export function withJsonSchema<A, O, I>(codec: t.Type<A, O, I>, schema: JsonSchema, options: SchemaOptions = {}): t.Type<A, O, I> {
  const copy = new t.Type<A, O, I>(codec.name, codec.is, codec.validate, codec.encode);
  declared.set(copy, schema);
  if (options.expected !== undefined) expectations.set(copy, options.expected);
  return copy;
}

/** The schema and message phrase a codec was given with `withJsonSchema`, if it was. */
export function declarationOf(codec: t.Decoder<unknown, unknown>): { readonly schema: JsonSchema; readonly expected?: string } | undefined {
  const schema = declared.get(codec);
  if (!schema) return undefined;
  const expected = expectations.get(codec);
  return expected === undefined ? { schema } : { schema, expected };
}

/**
 * The JSON Schema of an io-ts codec: type, partial, intersection, union, literal, keyof,
 * string, number, boolean, null, array, record, tuple, readonly, exact/strict, and
 * branded/refinement types by their base type with the brand's name as `title`.
 */
export function jsonSchemaOf(codec: t.Mixed): JsonSchema {
  return convert(codec, new Set());
}

// io-ts classes are told apart by their `_tag`; the fields read are those of each class.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Tagged = t.Mixed & { readonly _tag?: string } & Record<string, any>;

function convert(codec: t.Mixed, seen: Set<t.Mixed>): JsonSchema {
  const own = declared.get(codec);
  if (own) return own;
  const c = codec as Tagged;
  if (seen.has(codec)) return { title: codec.name }; // recursion: stop here
  const next = new Set(seen).add(codec);
  switch (c._tag) {
    case 'StringType':
      return { type: 'string' };
    case 'NumberType':
      return { type: 'number' };
    case 'BigIntType':
      return { type: 'integer' };
    case 'BooleanType':
      return { type: 'boolean' };
    case 'NullType':
      return { type: 'null' };
    case 'UndefinedType':
    case 'VoidType':
      return { not: {} };
    case 'UnknownType':
    case 'AnyType':
      return {};
    case 'AnyArrayType':
      return { type: 'array' };
    case 'AnyDictionaryType':
    case 'ObjectType':
      return { type: 'object' };
    case 'LiteralType':
      return { const: c.value, ...(c.value === null ? {} : { type: typeof c.value }) };
    case 'KeyofType':
      return { type: 'string', enum: Object.keys(c.keys) };
    case 'InterfaceType':
      return objectOf(c.props, Object.keys(c.props), next);
    case 'PartialType':
      return objectOf(c.props, [], next);
    case 'ExactType':
    case 'StrictType':
      return { ...convert(c.type, next), additionalProperties: false };
    case 'ReadonlyType':
      return { ...convert(c.type, next), readOnly: true };
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return { type: 'array', items: convert(c.type, next) };
    case 'TupleType':
      return { type: 'array', prefixItems: (c.types as t.Mixed[]).map((m) => convert(m, next)), minItems: c.types.length, maxItems: c.types.length };
    case 'DictionaryType': {
      const domain = c.domain as Tagged;
      if (domain._tag === 'KeyofType') {
        const keys = Object.keys(domain.keys);
        return objectOf(Object.fromEntries(keys.map((k) => [k, c.codomain])), keys, next);
      }
      return { type: 'object', additionalProperties: convert(c.codomain, next) };
    }
    case 'UnionType': {
      const members = c.types as t.Mixed[];
      if (members.every((m) => (m as Tagged)._tag === 'LiteralType')) {
        return { enum: members.map((m) => (m as Tagged).value) };
      }
      return { anyOf: members.map((m) => convert(m, next)) };
    }
    case 'IntersectionType':
      return mergeIntersection((c.types as t.Mixed[]).map((m) => convert(m, next)));
    case 'RefinementType': {
      const known = KNOWN_BY_NAME[codec.name];
      return known ?? { ...convert(c.type, next), title: codec.name };
    }
    case 'RecursiveType':
      return convert(c.type, next);
    default:
      return KNOWN_BY_NAME[codec.name] ?? { description: codec.name };
  }
}

function objectOf(props: Record<string, t.Mixed>, required: readonly string[], seen: Set<t.Mixed>): JsonSchema {
  const properties = Object.fromEntries(Object.entries(props).map(([key, value]) => [key, convert(value, seen)]));
  return { type: 'object', properties, ...(required.length > 0 ? { required: [...required] } : {}) };
}

/** Object members merge into one object (readable docs); anything else stays `allOf`. */
function mergeIntersection(parts: readonly JsonSchema[]): JsonSchema {
  if (!parts.every((p) => p.type === 'object' && p.properties !== undefined)) return { allOf: parts };
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  let closed = false;
  for (const part of parts) {
    Object.assign(properties, part.properties);
    required.push(...((part.required as string[] | undefined) ?? []));
    closed ||= part.additionalProperties === false;
  }
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required: [...new Set(required)] } : {}),
    ...(closed ? { additionalProperties: false } : {}),
  };
}

/** The top-level properties of an object codec (for query and path parameters). */
export function propertiesOf(codec: t.Mixed): { readonly name: string; readonly required: boolean; readonly schema: JsonSchema }[] {
  const schema = jsonSchemaOf(codec);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, s]) => ({ name, required: required.has(name), schema: s }));
}
