import { randomBytes } from 'node:crypto';

/**
 * `count` symbols drawn uniformly from a 32-symbol alphabet, 5 bits each from the OS CSPRNG
 * (the randomness behind ticket codes and gift-certificate numbers).
 */
export function randomSymbols(count: number, alphabet: string): string {
  if (alphabet.length !== 32) throw new Error('the alphabet must have 32 symbols (5 bits each)');
  let bits = 0n;
  for (const byte of randomBytes(Math.ceil((count * 5) / 8))) bits = (bits << 8n) | BigInt(byte);
  let symbols = '';
  for (let i = 0; i < count; i++) {
    symbols += alphabet[Number(bits & 31n)];
    bits >>= 5n;
  }
  return symbols;
}
