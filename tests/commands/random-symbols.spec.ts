import assert from 'node:assert/strict';
import { checkSymbol, drawCertificateNumber, isGeneratedNumber } from '../../commands/gift-certificates/certificate-numbers.js';
import { randomSymbols } from '../../commands/random-symbols.js';
import { drawTicketCode, TICKET_CODE_PATTERN } from '../../commands/ticketing/ticket-codes.js';

describe('random symbols: ticket codes and gift-certificate numbers', () => {
  it('given the 32-symbol alphabet, when 2,000 symbols are drawn, then each has its length, only alphabet symbols, and every symbol shows up', () => {
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    const drawn = Array.from({ length: 100 }, () => randomSymbols(20, alphabet)).join('');
    assert.equal(drawn.length, 2000);
    assert.ok([...drawn].every((symbol) => alphabet.includes(symbol)));
    assert.equal(new Set(drawn).size, 32);
    assert.throws(() => randomSymbols(4, 'ABC'), /32 symbols/);
  });

  it('given a ticket code, then 26 symbols without look-alikes; 10,000 codes are all different', () => {
    const codes = Array.from({ length: 10_000 }, drawTicketCode);
    assert.ok(codes.every((code) => TICKET_CODE_PATTERN.test(code)));
    assert.equal(new Set(codes).size, codes.length);
  });

  it('given a certificate number, then 16 symbols whose last checks the rest; every wrong symbol is caught, and most swaps of neighbours (Luhn mod 32 misses a few pairs)', () => {
    let swaps = 0;
    let caught = 0;
    for (let i = 0; i < 1000; i++) {
      const number = drawCertificateNumber();
      assert.ok(isGeneratedNumber(number), number);
      const wrong = number.slice(0, 3) + (number[3] === 'A' ? 'B' : 'A') + number.slice(4);
      assert.equal(isGeneratedNumber(wrong), false, wrong);
      if (number[5] !== number[6]) {
        swaps++;
        if (!isGeneratedNumber(number.slice(0, 5) + number[6] + number[5] + number.slice(7))) caught++;
      }
    }
    assert.ok(caught / swaps > 0.95, `${caught} of ${swaps} swaps caught`);
    assert.equal(checkSymbol('000000000000000'), '0');
  });
});
