import { randomBytes } from 'node:crypto';

const MAX_UNIX_MS = 2 ** 48 - 1;

/**
 * A UUID version 7 (RFC 9562 §5.7): the first 48 bits are `at`'s Unix milliseconds, then the
 * version and variant bits, and 74 random bits from the OS CSPRNG. Ids minted later sort later,
 * so a B-tree keyed by them grows at its right edge instead of on a random leaf — the rebuild
 * of a million tickets keeps its index pages in memory (docs/benchmarks.md). The id tells when
 * it was minted to the millisecond; it is never a credential (a ticket's code is).
 */
export function timeOrderedId(at: Date): string {
  const ms = at.getTime();
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_UNIX_MS) throw new RangeError(`a time-ordered id needs a time from 1970 to 10889, not ${String(at)}`);
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
