import { createHash } from 'node:crypto';
import { ProviderRefusal, ProviderUnavailable } from '../../../commands/game-store/ports/payment-provider.js';
import { jsonOrUndefined } from '../../http/json-answer.js';

/** How the YooKassa v3 API is reached (DOMAIN-FACTS B 1.1). */
export interface YooKassaClientOptions {
  readonly shopId: string;
  /** Basic auth password. Never logged, never part of an error. */
  readonly secretKey: string;
  /** The v3 base, e.g. https://api.yookassa.ru/v3 (no trailing slash needed). */
  readonly apiUrl: string;
  /** Times a call whose result is unknown (HTTP 5xx, 202, 429, timeout, no connection) is repeated with the same key (default 3). */
  readonly retries?: number;
  /** First delay between repeats, doubling each time (default 500 ms); a 202's retry_after wins. */
  readonly retryMs?: number;
  /** How long one attempt may take (default 10 s). */
  readonly timeoutMs?: number;
  /** The longest retry_after honoured (default 10 s): a longer one is waited this long. */
  readonly maxRetryAfterMs?: number;
  readonly fetch?: typeof globalThis.fetch;
  /** Waits between repeats (tests record them instead of waiting). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface YooKassaRequest {
  readonly method: 'GET' | 'POST';
  /** Below the base, e.g. `/payments` or `/payments/<id>/cancel`. */
  readonly path: string;
  /** Required on every POST (YooKassa refuses a POST without one). */
  readonly idempotenceKey?: string;
  /** JSON body; absent = no body (cancel). */
  readonly body?: unknown;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One call to YooKassa with its response-handling rules (yookassa.ru … response-handling):
 * a 2xx answer is returned as parsed JSON; HTTP 500 (and any 5xx), a timeout, a refused
 * connection or an unreadable answer mean "unknown" and the same call (same Idempotence-Key,
 * same body) is repeated up to `retries` times with a doubling delay; a 202 (and a 429) is
 * repeated after its `retry_after` (ms, capped); still unknown after that → ProviderUnavailable.
 * Any other 4xx is YooKassa's definitive no → ProviderRefusal with the error body's `code`.
 */
export class YooKassaClient {
  private readonly base: string;
  private readonly authorization: string;
  private readonly retries: number;
  private readonly retryMs: number;
  private readonly timeoutMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly fetch: typeof globalThis.fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: YooKassaClientOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '');
    this.authorization = `Basic ${Buffer.from(`${options.shopId}:${options.secretKey}`, 'utf8').toString('base64')}`;
    this.retries = options.retries ?? 3;
    this.retryMs = options.retryMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? sleepFor;
  }

  async call(request: YooKassaRequest): Promise<unknown> {
    const what = `${request.method} ${request.path}`;
    const headers: Record<string, string> = { Authorization: this.authorization, Accept: 'application/json' };
    if (request.idempotenceKey !== undefined) headers['Idempotence-Key'] = request.idempotenceKey;
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let lastProblem = 'no answer';
    for (let attempt = 0; ; attempt++) {
      let delayMs = this.retryMs * 2 ** attempt;
      try {
        const response = await this.fetch(`${this.base}${request.path}`, {
          method: request.method,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await response.text();
        const json = jsonOrUndefined(text);
        if (response.status >= 200 && response.status < 300 && response.status !== 202) {
          if (json === undefined) lastProblem = `HTTP ${response.status} with an unreadable body`;
          else return json;
        } else if (response.status === 202 || response.status === 429) {
          lastProblem = `HTTP ${response.status} (${describe(json)})`;
          const retryAfter = isRecord(json) && typeof json.retry_after === 'number' && json.retry_after >= 0 ? json.retry_after : undefined;
          if (retryAfter !== undefined) delayMs = Math.min(retryAfter, this.maxRetryAfterMs);
        } else if (response.status >= 400 && response.status < 500) {
          const code = isRecord(json) && typeof json.code === 'string' && json.code !== '' ? json.code : `http_${response.status}`;
          throw new ProviderRefusal('yookassa', code, `YooKassa refused ${what}: HTTP ${response.status} ${describe(json)}`);
        } else {
          lastProblem = `HTTP ${response.status} (${describe(json)})`;
        }
      } catch (error) {
        if (error instanceof ProviderRefusal) throw error;
        lastProblem = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') ? `no answer within ${this.timeoutMs} ms` : `no connection (${error instanceof Error ? error.message : String(error)})`;
      }
      if (attempt >= this.retries) throw new ProviderUnavailable('yookassa', `YooKassa ${what}: result unknown after ${attempt + 1} attempt(s): ${lastProblem}`);
      await this.sleep(delayMs);
    }
  }
}

/** An Idempotence-Key (≤ 64 characters of [0-9a-zA-Z._-]) derived from the operation and our ids: the same inputs give the same key. */
export function idempotenceKey(operation: string, ...ids: readonly string[]): string {
  const readable = `${operation}.${ids.join('.')}`;
  if (readable.length <= 64 && /^[0-9A-Za-z._-]+$/.test(readable)) return readable;
  // base64url: 43 characters of [A-Za-z0-9_-]
  return `${operation}.${createHash('sha256').update(JSON.stringify([operation, ...ids]), 'utf8').digest('base64url')}`.slice(0, 64);
}

/** "1499.00" from 149900n kopecks — integer arithmetic only. */
export function formatRubles(minor: bigint): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** 149900n from "1499.00" (also "1499", "1499.5"); undefined for anything else. */
export function parseRubles(value: unknown): bigint | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(value);
  if (!match) return undefined;
  return BigInt(match[1]!) * 100n + BigInt((match[2] ?? '0').padEnd(2, '0'));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}


/** The error body's code / description / parameter, for messages (never headers). */
function describe(json: unknown): string {
  if (!isRecord(json)) return 'no error body';
  return [json.code, json.description, json.parameter === undefined ? undefined : `parameter ${String(json.parameter)}`]
    .filter((part) => typeof part === 'string' && part !== '')
    .join(': ') || 'no error code';
}
