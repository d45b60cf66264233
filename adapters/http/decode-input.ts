import { isRight } from 'fp-ts/Either';
import type * as t from 'io-ts';
import type { FieldError } from './problem.js';

/**
 * Decode one part of a request; on failure the fields at fault, named by their path in the
 * input (`startsAt`, `items.0.quantity`), with one message per field.
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
    (error.value === undefined ? 'is required' : `must be ${nameOf(expected)}${describeValue(error.value)}`);
  return { field, in: location, message };
}

const OBJECT_TAGS = new Set(['InterfaceType', 'PartialType', 'IntersectionType', 'ExactType', 'DictionaryType', 'StrictType']);
const ARRAY_TAGS = new Set(['ArrayType', 'ReadonlyArrayType', 'TupleType']);

/** A codec's name, short enough for a message: big object codecs are just "an object". */
function nameOf(codec: t.Decoder<unknown, unknown>): string {
  if (codec.name.length <= 60) return codec.name;
  let tag = (codec as { _tag?: string })._tag;
  if (tag === 'ReadonlyType' || tag === 'RefinementType') tag = ((codec as unknown as { type: { _tag?: string } }).type)._tag;
  if (tag && OBJECT_TAGS.has(tag)) return 'an object';
  if (tag && ARRAY_TAGS.has(tag)) return 'an array';
  return `${codec.name.slice(0, 57)}…`;
}

function describeValue(value: unknown): string {
  if (value === null) return ' (got null)';
  if (Array.isArray(value)) return ' (got an array)';
  if (typeof value === 'object') return ' (got an object)';
  const text = JSON.stringify(value);
  return text && text.length <= 40 ? ` (got ${text})` : ` (got a ${typeof value})`;
}
