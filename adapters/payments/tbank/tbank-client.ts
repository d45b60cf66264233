import { ProviderRefusal, ProviderUnavailable } from '../../../commands/game-store/ports/payment-provider.js';
import { tbankToken } from './tbank-token.js';

/** How the T-Bank EACQ v2 API is reached (DOMAIN-FACTS B 2.1). */
export interface TBankClientOptions {
  readonly terminalKey: string;
  /** Signs every request (the Token). Never sent, logged or part of an error. */
  readonly password: string;
  /** The v2 base, e.g. https://securepay.tinkoff.ru/v2 (no trailing slash needed). */
  readonly apiUrl: string;
  /** Times a repeatable call (GetState, CheckOrder, GetQr, Cancel with ExternalRequestId) whose result is unknown is made again (default 3). */
  readonly retries?: number;
  /** First delay between repeats, doubling (default 500 ms). */
  readonly retryMs?: number;
  /** How long one attempt may take (default 10 s). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof globalThis.fetch;
  /** Waits between repeats (tests record them instead of waiting). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type TBankAnswer = Readonly<Record<string, unknown>>;

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One signed call to T-Bank: `POST {apiUrl}/{Method}` with TerminalKey and Token. T-Bank says
 * no with HTTP 200 and `Success: false` → ProviderRefusal(ErrorCode). Any other HTTP status, a
 * timeout, no connection or an unreadable answer is "unknown": a `repeatable` call is made
 * again up to `retries` times; a call that is not (Init — it is not idempotent) fails at once
 * with ProviderUnavailable and the caller recovers by looking the order up.
 */
export class TBankClient {
  readonly terminalKey: string;
  private readonly password: string;
  private readonly base: string;
  private readonly retries: number;
  private readonly retryMs: number;
  private readonly timeoutMs: number;
  private readonly fetch: typeof globalThis.fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: TBankClientOptions) {
    this.terminalKey = options.terminalKey;
    this.password = options.password;
    this.base = options.apiUrl.replace(/\/+$/, '');
    this.retries = options.retries ?? 3;
    this.retryMs = options.retryMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? sleepFor;
  }

  /** The Token of these parameters under our password (notifications are checked with it). */
  tokenOf(params: Readonly<Record<string, unknown>>): string {
    return tbankToken(params, this.password);
  }

  async call(method: string, params: Readonly<Record<string, unknown>>, options: { readonly repeatable: boolean }): Promise<TBankAnswer> {
    const signed = { TerminalKey: this.terminalKey, ...params };
    const body = JSON.stringify({ ...signed, Token: this.tokenOf(signed) });
    let lastProblem = 'no answer';
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.fetch(`${this.base}/${method}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await response.text();
        const json = parseObject(text);
        if (response.status !== 200) lastProblem = `HTTP ${response.status}`;
        else if (json === undefined) lastProblem = 'HTTP 200 with an unreadable body';
        else if (json.Success === true && (json.ErrorCode === undefined || String(json.ErrorCode) === '0')) return json;
        else {
          const code = json.ErrorCode === undefined || json.ErrorCode === null ? 'unknown' : String(json.ErrorCode);
          const message = [json.Message, json.Details].filter((part) => typeof part === 'string' && part !== '').join(': ');
          throw new ProviderRefusal('tbank', code, `T-Bank refused ${method}: ErrorCode ${code}${message === '' ? '' : ` (${message})`}`);
        }
      } catch (error) {
        if (error instanceof ProviderRefusal) throw error;
        lastProblem = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') ? `no answer within ${this.timeoutMs} ms` : `no connection (${error instanceof Error ? error.message : String(error)})`;
      }
      if (!options.repeatable || attempt >= this.retries) {
        throw new ProviderUnavailable('tbank', `T-Bank ${method}: result unknown after ${attempt + 1} attempt(s): ${lastProblem}`);
      }
      await this.sleep(this.retryMs * 2 ** attempt);
    }
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const json = JSON.parse(text) as unknown;
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
