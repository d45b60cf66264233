import { CashRegisterRefusal, CashRegisterUnavailable } from '../../../commands/game-store/ports/cash-register.js';
import { atolErrorIn, isRecord, PERMANENT_CODES, TOKEN_CODES } from './atol-errors.js';
import { jsonOrUndefined } from '../../http/json-answer.js';

/** How ATOL Online v5 is reached (DOMAIN-FACTS B 3.1). */
export interface AtolClientOptions {
  /** The v5 base, e.g. https://online.atol.ru/possystem/v5 (a trailing slash is fine). */
  readonly apiUrl: string;
  readonly login: string;
  /** The getToken password. Never logged, never part of an error. */
  readonly password: string;
  /** How long one HTTP call may take (default 10 s). */
  readonly timeoutMs?: number;
  /** Who the register is, in messages ("ATOL Online", "the local cloud register"). */
  readonly label?: string;
  readonly fetch?: typeof globalThis.fetch;
  /** The token's age is measured on this clock. */
  readonly now?: () => Date;
}

/** One ATOL answer: its HTTP status and its JSON (undefined when the body is not JSON). */
export interface AtolAnswer {
  readonly status: number;
  readonly json: unknown;
}

/** A token lives 24 h; one is fetched anew a little before, so a call never carries one about to lapse. */
const TOKEN_LIFE_MS = 24 * 60 * 60 * 1000;
const TOKEN_RENEWAL_MARGIN_MS = 10 * 60 * 1000;

/**
 * The transport to ATOL Online v5: JSON in `application/json; charset=utf-8`, the token from
 * `POST getToken` in the `Token:` header (not Authorization), kept for its 24 h and fetched
 * again when ATOL says it is missing or expired (401, codes 10 / 11) — then the call is made
 * once more. A timeout, a refused connection or an unreadable answer is CashRegisterUnavailable;
 * ATOL's errors are returned as answers for the caller to judge (33 means different things to a
 * registration and a report).
 */
export class AtolClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly label: string;
  private readonly fetch: typeof globalThis.fetch;
  private readonly now: () => Date;
  private token: { readonly value: string; readonly obtainedAt: number } | undefined;
  /** One getToken at a time: concurrent calls wait for the same one. */
  private obtaining: Promise<string> | undefined;

  constructor(private readonly options: AtolClientOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.label = options.label ?? 'ATOL Online';
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? (() => new Date());
  }

  /** `path` below the base, e.g. `/v5-group_1/sell`. */
  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<AtolAnswer> {
    const what = `${method} ${path}`;
    let token = await this.currentToken();
    for (let attempt = 0; ; attempt++) {
      const answer = await this.send(what, method, path, body, token);
      const error = atolErrorIn(answer.json);
      if (answer.status !== 401 || error === undefined || !TOKEN_CODES.has(error.code) || attempt > 0) return answer;
      // The register does not (or no longer does) know our token: drop it, unless a concurrent call already replaced it.
      if (this.token?.value === token) this.token = undefined;
      token = await this.currentToken();
    }
  }

  private async currentToken(): Promise<string> {
    const held = this.token;
    if (held !== undefined && this.now().getTime() - held.obtainedAt < TOKEN_LIFE_MS - TOKEN_RENEWAL_MARGIN_MS) return held.value;
    this.obtaining ??= this.obtainToken().finally(() => (this.obtaining = undefined));
    return this.obtaining;
  }

  private async obtainToken(): Promise<string> {
    const obtainedAt = this.now().getTime();
    const answer = await this.send('POST /getToken', 'POST', '/getToken', { login: this.options.login, pass: this.options.password }, undefined);
    const error = atolErrorIn(answer.json);
    if (error !== undefined) {
      const described = `${this.label} getToken: HTTP ${answer.status}, error ${error.code}${error.text === '' ? '' : ` (${error.text})`}`;
      if (PERMANENT_CODES.has(error.code)) throw new CashRegisterRefusal(String(error.code), `refused ${described}`);
      throw new CashRegisterUnavailable(`no token from ${described}`);
    }
    const value = isRecord(answer.json) ? answer.json.token : undefined;
    if (answer.status < 200 || answer.status >= 300 || typeof value !== 'string' || value === '') {
      throw new CashRegisterUnavailable(`no token from ${this.label} getToken: HTTP ${answer.status}`);
    }
    this.token = { value, obtainedAt };
    return value;
  }

  private async send(what: string, method: 'GET' | 'POST', path: string, body: unknown, token: string | undefined): Promise<AtolAnswer> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
    if (token !== undefined) headers.Token = token;
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${this.base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new CashRegisterUnavailable(
        `no result for ${this.label} ${what}: ${timedOut ? `no answer within ${this.timeoutMs} ms` : `no connection (${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)})`}`,
      );
    }
    return { status: response.status, json: jsonOrUndefined(text) };
  }
}
