import assert from 'node:assert/strict';
import fc from 'fast-check';
import { atolRubles, kopecksFromAtolRubles } from '../../../../adapters/fiscal/atol/atol-money.js';

/** The decimal a JSON number is written as, back in kopecks — by string arithmetic, not the adapter's code. */
function kopecksOfJsonText(text: string): bigint {
  const [whole, fraction = ''] = text.split('.');
  assert.match(text, /^\d+(\.\d{1,2})?$/, `not a plain decimal of whole kopecks: ${text}`);
  return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** Small amounts (kopecks, tens of rubles) as often as large ones. */
const amounts = fc.oneof(fc.bigInt({ min: 0n, max: 100_000n }), fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }));

describe('ATOL money: kopecks in a bigint ↔ rubles in a JSON number', () => {
  it('given the worked examples, then 149900n → 1499, 1n → 0.01, 12345678901n → 123456789.01, 0n → 0', () => {
    assert.deepEqual(
      [149900n, 1n, 12345678901n, 0n, 10n, 99n, 149950n].map((k) => JSON.stringify(atolRubles(k))),
      ['1499', '0.01', '123456789.01', '0', '0.1', '0.99', '1499.5'],
    );
  });

  it('given a negative amount or one a double cannot carry exactly (≥ 10^15 kopecks), then none (the adapter refuses it)', () => {
    assert.equal(atolRubles(-1n), undefined);
    assert.equal(atolRubles(10n ** 15n), undefined);
    assert.equal(JSON.stringify(atolRubles(10n ** 15n - 1n)), '9999999999999.99');
  });

  it('given any amount from 0 to 10^15 − 1 kopecks, then the JSON text of its rubles reads back as the same kopecks (no float error)', () => {
    fc.assert(
      fc.property(amounts, (kopecks) => {
        assert.equal(kopecksOfJsonText(JSON.stringify(atolRubles(kopecks))), kopecks);
      }),
      { numRuns: 2000 },
    );
  });

  it('given any such amount, when the register writes it back as a number, then kopecksFromAtolRubles reads the same kopecks', () => {
    fc.assert(
      fc.property(amounts, (kopecks) => {
        assert.equal(kopecksFromAtolRubles(JSON.parse(JSON.stringify(atolRubles(kopecks))) as unknown), kopecks);
      }),
      { numRuns: 2000 },
    );
  });

  it('given a report total that is not whole kopecks (three decimals, negative, not a number, an exponent), then none', () => {
    assert.deepEqual([1598, 15.98, 0.01].map(kopecksFromAtolRubles), [159800n, 1598n, 1n]);
    for (const bad of [1.005, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 1e-7, '1598', null, undefined]) assert.equal(kopecksFromAtolRubles(bad), undefined, String(bad));
  });
});
