import { createHash } from 'node:crypto';

/**
 * The sandbox's own T-Bank `Token` (EACQ v2 request and notification signature): the root-level
 * scalar fields (nested objects and arrays such as Receipt, DATA, Shops are left out, and so is
 * Token itself), plus `Password`, sorted by key, their values concatenated (booleans "true" /
 * "false", numbers as their decimal text), SHA-256 of the UTF-8 text in lowercase hex.
 * Written independently of adapters/payments/tbank so a test between the two proves something.
 */
export function tbankToken(fields: Readonly<Record<string, unknown>>, password: string): string {
  const signed: [string, string][] = [['Password', password]];
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'Token' || value === null || value === undefined) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') signed.push([key, String(value)]);
  }
  signed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(signed.map(([, value]) => value).join(''), 'utf8').digest('hex');
}
