import type { SandboxReply } from './sandbox-http.js';

/** JSON with the object keys sorted: two bodies that differ only in key order are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * YooKassa's Idempotence-Key (per shop): a key already answered with the same operation and body
 * gets that answer again; with another operation or body it is refused (400 invalid_request).
 * Only successful answers are kept: after a 4xx the caller fixes the request and may reuse the key.
 */
export class IdempotenceKeys {
  private readonly answered = new Map<string, { readonly request: string; readonly reply: SandboxReply }>();

  lookUp(key: string, path: string, body: unknown): { kind: 'new' } | { kind: 'replay'; reply: SandboxReply } | { kind: 'conflict' } {
    const seen = this.answered.get(key);
    if (!seen) return { kind: 'new' };
    return seen.request === `${path} ${canonical(body)}` ? { kind: 'replay', reply: seen.reply } : { kind: 'conflict' };
  }

  remember(key: string, path: string, body: unknown, reply: SandboxReply): void {
    this.answered.set(key, { request: `${path} ${canonical(body)}`, reply });
  }
}
