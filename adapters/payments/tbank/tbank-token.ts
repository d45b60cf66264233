import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * T-Bank EACQ v2 request and notification signature (DOMAIN-FACTS B 2.2): the root-level
 * scalar parameters (strings; numbers as their JSON text; booleans "true"/"false") and the
 * terminal Password, sorted by key (code units, as ASCII), their values concatenated, SHA-256
 * of the UTF-8 text in lowercase hex. Nested objects and arrays (Receipt, DATA as an object,
 * Shops …), null / undefined and `Token` itself take no part.
 */
export function tbankToken(params: Readonly<Record<string, unknown>>, password: string): string {
  const entries: [string, string][] = [['Password', password]];
  for (const [key, value] of Object.entries(params)) {
    if (key === 'Token' || key === 'Password') continue;
    const text = scalarText(value);
    if (text !== undefined) entries.push([key, text]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(entries.map(([, value]) => value).join(''), 'utf8')
    .digest('hex');
}

/** Whether `token` is the signature of `params` (constant time in the token's content). */
export function tbankTokenMatches(params: Readonly<Record<string, unknown>>, password: string, token: string): boolean {
  const expected = Buffer.from(tbankToken(params, password), 'utf8');
  const offered = Buffer.from(token.toLowerCase(), 'utf8');
  return offered.length === expected.length && timingSafeEqual(offered, expected);
}

function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // JSON.stringify gives the number's JSON text (what the sender wrote for integers and
      // ordinary decimals); non-finite numbers cannot come from JSON
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'bigint':
      return value.toString();
    default:
      return undefined;
  }
}
