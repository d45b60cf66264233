import type { TonClientParameters } from '@ton/ton';
import { ChainError } from '../../commands/blockchain/ports/gateway-chain.js';

type HttpAdapter = NonNullable<TonClientParameters['httpAdapter']>;
type RequestConfig = Parameters<HttpAdapter>[0];

export interface ToncenterTransportOptions {
  /** Requests per second the endpoint allows (toncenter: 1 without an API key, 10 with one on the free plan). */
  readonly requestsPerSecond: number;
  /** How long one request may take before it counts as unanswered. */
  readonly timeoutMs: number;
  /** Times a rate-limited (429), unavailable (502/503/504) or unanswered request is tried again before it fails. */
  readonly retries?: number;
  /** First wait before trying again; doubles each time (a `Retry-After` header is honoured up to 5 s). */
  readonly retryBaseMs?: number;
  /** Requests on their way at once (default 4); the others wait their turn before their timeout starts. */
  readonly maxInFlight?: number;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

/**
 * How `TonClient` reaches toncenter (its `httpAdapter`): requests are paced to the endpoint's
 * rate limit and a few at a time, so a confirmation that needs many reads does not run into
 * 429s (and a request's timeout measures the endpoint, not our own queue), and a 429, a
 * 502/503/504 or no answer is tried again a few times with backoff before it fails. What
 * still fails is thrown as the gateway's ChainError: transient for rate limits, 5xx, timeouts,
 * an unreachable endpoint and a refused API key (401/403: fix the key, the tasks wait);
 * permanent for any other 4xx (the request itself is wrong). A 200 goes back to TonClient,
 * which reads toncenter's `{ ok, result }`.
 */
export function toncenterTransport(options: ToncenterTransportOptions): HttpAdapter {
  const spacingMs = 1000 / Math.max(options.requestsPerSecond, 0.01);
  const retries = options.retries ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const maxInFlight = options.maxInFlight ?? 4;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  let nextSlot = 0;
  /** Wait for a free place and the next slot of the rate; returns the release of the place. */
  const paced = async (): Promise<() => void> => {
    if (inFlight >= maxInFlight) await new Promise<void>((resolve) => waiting.push(resolve));
    else inFlight++;
    const now = Date.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + spacingMs;
    if (slot > now) await sleep(slot - now);
    return () => {
      const next = waiting.shift();
      if (next) next(); // the place passes on
      else inFlight--;
    };
  };

  const adapter = async (config: RequestConfig) => {
    const method = methodOf(config.data);
    for (let attempt = 0; ; attempt++) {
      const release = await paced();
      let response: Response;
      let text: string;
      try {
        response = await fetch(config.url!, {
          method: (config.method ?? 'post').toUpperCase(),
          headers: headersOf(config.headers),
          body: typeof config.data === 'string' ? config.data : JSON.stringify(config.data),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        release();
        if (attempt < retries) {
          await sleep(backoff(retryBaseMs, attempt));
          continue;
        }
        const reason = error instanceof Error ? (error.name === 'TimeoutError' ? `no answer in ${options.timeoutMs} ms` : error.cause instanceof Error ? error.cause.message : error.message) : String(error);
        throw new ChainError('transient', `TON endpoint unreachable or timed out (${method}): ${reason}`);
      }
      release();
      const status = response.status;
      if (status === 200) {
        return { data: parse(text), status, statusText: response.statusText, headers: Object.fromEntries(response.headers), config, request: {} };
      }
      if (RETRYABLE.has(status) && attempt < retries) {
        await sleep(Math.max(backoff(retryBaseMs, attempt), retryAfterMs(response.headers.get('retry-after'))));
        continue;
      }
      const detail = errorText(text);
      if (status === 429) throw new ChainError('transient', `TON endpoint rate limit (429) on ${method}: ${detail}`);
      if (status >= 500) throw new ChainError('transient', `TON endpoint error ${status} on ${method}: ${detail}`);
      if (status === 401 || status === 403) throw new ChainError('transient', `TON endpoint refused the API key (${status}): ${detail}`);
      throw new ChainError('permanent', `TON endpoint refused the request (${status}) on ${method}: ${detail}`);
    }
  };
  return adapter as unknown as HttpAdapter;
}

function headersOf(headers: RequestConfig['headers']): Record<string, string> {
  const plain: Record<string, string> = {};
  const source = (typeof headers?.toJSON === 'function' ? headers.toJSON() : headers) as Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(source ?? {})) if (value !== undefined && value !== null && value !== false) plain[name] = String(value);
  return plain;
}

function methodOf(data: unknown): string {
  try {
    return String((typeof data === 'string' ? JSON.parse(data) : data)?.method ?? 'request');
  } catch {
    return 'request';
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { ok: false, error: `not JSON: ${text.slice(0, 200)}` };
  }
}

/** toncenter answers errors as `{ ok: false, error, code }`; proxies in front of it, as anything. */
function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (body && typeof body.error === 'string') return body.error.split('\n')[0]!;
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || 'no details';
}

function retryAfterMs(header: string | null): number {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, 5000) : 0;
}

function backoff(baseMs: number, attempt: number): number {
  const ceiling = baseMs * 2 ** attempt;
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
