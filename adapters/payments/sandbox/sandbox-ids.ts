import { randomBytes, randomInt } from 'node:crypto';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** YooKassa-shaped ids: 36 characters, UUID-like with the provider's fixed middle groups (e.g. 23d93cac-000f-5000-8000-126628f15141). */
export const yookassaPaymentId = () => `${hex(4)}-000f-5000-${['8', '9', 'a'][randomInt(3)]}000-${hex(6)}`;
export const yookassaRefundId = () => `${hex(4)}-0015-5000-a000-${hex(6)}`;
export const errorId = () => `${hex(4)}-${hex(2)}-4${hex(2).slice(1)}-8${hex(2).slice(1)}-${hex(6)}`;

const NSPK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** An NSPK-shaped QR id: 32 upper-case letters and digits (AS1000670LSS7DN18SJQDNP4B05KLJL2). */
export const sbpQrId = () => 'AS' + Array.from({ length: 30 }, () => NSPK_ALPHABET[randomInt(NSPK_ALPHABET.length)]).join('');

/** T-Bank PaymentIds are decimal numbers (up to 20 digits); the sandbox counts up from a random 10-digit start. */
export function tbankPaymentIds(): () => string {
  let next = 7_000_000_000 + randomInt(1_000_000) * 1000;
  return () => String(next++);
}
