import { randomSymbols } from '../random-symbols.js';

/** 32 symbols without look-alikes (no I, L, O, U): Crockford's base32 alphabet. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Luhn mod 32 over the symbols: catches every single wrong symbol and most swapped neighbours. */
export function checkSymbol(payload: string): string {
  let sum = 0;
  let factor = 2;
  for (let i = payload.length - 1; i >= 0; i--) {
    let addend = factor * ALPHABET.indexOf(payload[i]!);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / 32) + (addend % 32);
    sum += addend;
  }
  return ALPHABET[(32 - (sum % 32)) % 32]!;
}

/**
 * A certificate number (G-1): 15 random symbols (75 bits from the OS CSPRNG) and a check
 * symbol, 16 in all.
 */
export function drawCertificateNumber(): string {
  const payload = randomSymbols(15, ALPHABET);
  return payload + checkSymbol(payload);
}

export const CERTIFICATE_NUMBER_PATTERN = /^[0-9A-HJKMNP-TV-Z]{16}$/;
export const isGeneratedNumber = (text: string): boolean => CERTIFICATE_NUMBER_PATTERN.test(text) && checkSymbol(text.slice(0, 15)) === text[15];
