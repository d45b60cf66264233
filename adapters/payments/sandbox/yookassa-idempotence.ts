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
 * A key whose first request is still being carried out makes a second one with the same body wait
 * for that answer (two racing retries never make two payments or refunds). A key lives 24 hours
 * (YooKassa's lifetime): after that the same key and body are a new request.
 */
export class IdempotenceKeys {
  private readonly answered = new Map<string, { readonly request: string; readonly reply: SandboxReply; readonly at: number }>();
  private readonly running = new Map<string, { readonly request: string; readonly reply: Promise<SandboxReply> }>();

  constructor(
    private readonly now: () => Date,
    private readonly lifetimeMs = 24 * 60 * 60 * 1000,
  ) {}

  lookUp(key: string, path: string, body: unknown): { kind: 'new' } | { kind: 'replay'; reply: SandboxReply } | { kind: 'running'; reply: Promise<SandboxReply> } | { kind: 'conflict' } {
    const request = `${path} ${canonical(body)}`;
    const seen = this.answered.get(key);
    if (seen && this.now().getTime() - seen.at >= this.lifetimeMs) this.answered.delete(key);
    else if (seen) return seen.request === request ? { kind: 'replay', reply: seen.reply } : { kind: 'conflict' };
    const running = this.running.get(key);
    if (running) return running.request === request ? { kind: 'running', reply: running.reply } : { kind: 'conflict' };
    return { kind: 'new' };
  }

  /** Carry the request out under its key: kept when it answers 200. */
  async run(key: string, path: string, body: unknown, operation: () => Promise<SandboxReply>): Promise<SandboxReply> {
    const request = `${path} ${canonical(body)}`;
    const reply = operation();
    this.running.set(key, { request, reply });
    try {
      const answer = await reply;
      if ('status' in answer && answer.status === 200) this.answered.set(key, { request, reply: answer, at: this.now().getTime() });
      return answer;
    } finally {
      this.running.delete(key);
    }
  }
}
