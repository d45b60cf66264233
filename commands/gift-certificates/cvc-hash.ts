import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * The one-time CVC of a certificate (G-4): six digits drawn from the CSPRNG, handed to the CRM
 * once and never stored. Only its keyed hash is kept (in CertificateCvcHandedOut), bound to the
 * certificate and the CVC generation, so a reissued CVC never matches the old hash and the hash
 * of one certificate says nothing about another.
 */
export const drawCvc = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

/** HMAC-SHA256(secret, `${certificateId}:${generation}:${cvc}`) in hex. */
export function cvcHash(secret: string, certificateId: string, generation: number, cvc: string): string {
  return createHmac('sha256', secret).update(`${certificateId}:${generation}:${cvc}`).digest('hex');
}

/** Whether two hashes are the same, in constant time. */
export function sameCvcHash(a: string | undefined, b: string): boolean {
  if (a === undefined || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
