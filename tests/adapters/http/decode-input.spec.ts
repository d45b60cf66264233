import assert from 'node:assert/strict';
import * as t from 'io-ts';
import { decodeInput } from '../../../adapters/http/decode-input.js';
import { withJsonSchema } from '../../../adapters/http/json-schema.js';
import { IntegerFromText, IsoDateTime, Uuid } from '../../../adapters/http/text-codecs.js';

const messagesOf = (codec: t.Mixed, input: unknown) => {
  const result = decodeInput(codec, input, 'body');
  assert.ok(!result.ok, 'refused');
  return Object.fromEntries(result.errors.map((e) => [e.field, e.message]));
};

describe('decoding request input', () => {
  const Order = t.type({
    items: t.array(t.type({ qty: t.Int, sku: t.string })),
    kind: t.union([t.literal('a'), t.literal('b')]),
    meta: t.intersection([t.type({ x: t.number }), t.partial({ y: t.string })]),
  });

  it('given nested bad fields, when decoded, then each is named by its path, union members and intersection parts left out', () => {
    const result = decodeInput(Order, { items: [{ qty: 1.5 }, { qty: 2, sku: 'x' }], kind: 'c', meta: { y: 3 } }, 'body');
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((e) => [e.field, e.message]),
      [
        ['items.0.qty', 'must be a whole number (got 1.5)'],
        ['items.0.sku', 'is required'],
        ['kind', 'must be one of a, b (got "c")'],
        ['meta.x', 'is required'],
        ['meta.y', 'must be a string (got 3)'],
      ],
    );
  });

  it('given no object at all, when decoded, then the location itself is named briefly', () => {
    const result = decodeInput(t.type({ a: t.string, b: t.string, c: t.string, d: t.string, e: t.string, f: t.string }), 'oops', 'body');
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, [{ field: 'body', in: 'body', message: 'must be an object (got "oops")' }]);
  });

  it('given an unknown kind and a date that is no date, when decoded, then the message lists the choices and describes the format in words', () => {
    const Body = t.type({ kind: t.keyof({ standard: null, vip: null, early_bird: null }, 'TicketKind'), starts_at: IsoDateTime, id: Uuid });
    assert.deepEqual(messagesOf(Body, { kind: 'platinum', starts_at: 'tomorrow', id: 'seat-1' }), {
      kind: 'must be one of standard, vip, early_bird (got "platinum")',
      starts_at: 'must be an ISO-8601 date-time with a zone, e.g. 2026-05-01T18:00:00Z (got "tomorrow")',
      id: 'must be a UUID (got "seat-1")',
    });
  });

  it('given values of the wrong type, when decoded, then the type is named in words: a number, a string, true or false, an array, an object, a string or null', () => {
    const Body = t.type({ n: t.number, s: t.string, b: t.boolean, list: t.array(t.string), obj: t.type({ a: t.string }), note: t.union([t.string, t.null]), one: t.literal('x') });
    assert.deepEqual(messagesOf(Body, { n: 'many', s: 1, b: 'yes', list: 'a', obj: 'b', note: 2, one: 'y' }), {
      n: 'must be a number (got "many")',
      s: 'must be a string (got 1)',
      b: 'must be true or false (got "yes")',
      list: 'must be an array (got "a")',
      obj: 'must be an object (got "b")',
      note: 'must be a string or null (got 2)',
      one: 'must be x (got "y")',
    });
  });

  it('given refinements, when refused, then a codec’s own message is kept, a withJsonSchema phrase is used, a named one reads as words, an anonymous one names its base', () => {
    const Body = t.type({
      limit: IntegerFromText,
      title: withJsonSchema(t.refinement(t.string, (s) => s.length >= 3, 'Title'), { type: 'string', minLength: 3 }, { expected: 'text of at least 3 characters' }),
      code: t.refinement(t.string, (s) => s.length === 26, 'TicketCode'),
      anonymous: t.refinement(t.number, (n) => n > 0),
      described: withJsonSchema(t.string, { type: 'integer', minimum: 1 }),
    });
    assert.deepEqual(messagesOf(Body, { limit: 'x', title: 'ab', code: 'short', anonymous: -1, described: 5 }), {
      limit: 'must be a whole number',
      title: 'must be text of at least 3 characters (got "ab")',
      code: 'must be a valid ticket code (got "short")',
      anonymous: 'must be a valid number (got -1)',
      described: 'must be a whole number (got 5)',
    });
  });

  it('given a whole body of the wrong shape, when decoded, then the body must be an object, or the first offending fields are named — never a type expression', () => {
    const Body = t.intersection([t.type({ a: t.string }), t.partial({ b: t.number })]);
    assert.deepEqual(messagesOf(Body, []), { body: 'must be an object (got an array)' });
    assert.deepEqual(messagesOf(Body, {}), { a: 'is required' });
    const Optional = t.union([t.undefined, t.partial({ event_id: Uuid })]);
    assert.deepEqual(messagesOf(Optional, 'x'), { body: 'must be an object (got "x")' });
  });

  it('given valid input, when decoded, then the typed value', () => {
    assert.deepEqual(decodeInput(t.type({ a: t.number }), { a: 1 }, 'query'), { ok: true, value: { a: 1 } });
  });
});
