import assert from 'node:assert/strict';
import * as t from 'io-ts';
import { decodeInput } from '../../../adapters/http/decode-input.js';

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
        ['items.0.qty', 'must be Int (got 1.5)'],
        ['items.0.sku', 'is required'],
        ['kind', 'must be ("a" | "b") (got "c")'],
        ['meta.x', 'is required'],
        ['meta.y', 'must be string (got 3)'],
      ],
    );
  });

  it('given no object at all, when decoded, then the location itself is named briefly', () => {
    const result = decodeInput(t.type({ a: t.string, b: t.string, c: t.string, d: t.string, e: t.string, f: t.string }), 'oops', 'body');
    assert.ok(!result.ok);
    assert.deepEqual(result.errors, [{ field: 'body', in: 'body', message: 'must be an object (got "oops")' }]);
  });

  it('given valid input, when decoded, then the typed value', () => {
    assert.deepEqual(decodeInput(t.type({ a: t.number }), { a: 1 }, 'query'), { ok: true, value: { a: 1 } });
  });
});
