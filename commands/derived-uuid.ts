import { createHash } from 'node:crypto';

/**
 * An id in UUID form that the same parts always give (SHA-256 of the parts joined by NUL, with
 * the version nibble 8 and the RFC 4122 variant): how a retried command, request or saga step
 * lands on what it made the first time — an event id, an order, a payment transaction.
 */
export function derivedUuid(...parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
