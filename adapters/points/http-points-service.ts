import { jsonOrUndefined } from '../http/json-answer.js';
import { PointsRefusal, PointsUnavailable, type PointsCredit, type PointsCredited, type PointsService } from '../../commands/rewards/ports/points-service.js';

export interface HttpPointsServiceOptions {
  /** POINTS_SERVICE_URL: the service's base URL (the protocol's paths are appended). */
  readonly url: string;
  /** POINTS_SERVICE_TOKEN: sent as `Authorization: Bearer …`; never logged. */
  readonly token: string | undefined;
  /** CONNECT_SERVICE_TIMEOUT_MS: past it the outcome is unknown (PointsUnavailable; asked again with the same key). */
  readonly timeoutMs: number;
  /** For tests; the global fetch otherwise. */
  readonly fetch?: typeof fetch;
}

const DECIMAL = /^(0|[1-9][0-9]{0,39})$/;

/**
 * The Points service over HTTP (issue 14, item 6), speaking the points protocol (docs/architecture.md
 * "Rewards"): `POST /points/v1/credits` with `Idempotency-Key` = the credit id, and
 * `GET /points/v1/users/{id}/balance`. Its request building and answer reading are its own (the
 * local ledger's routes are the other side, not shared code):
 * - 2xx with a readable answer → PointsCredited;
 * - 5xx, 429, no answer within the timeout, a connection error, or a 2xx it cannot read →
 *   PointsUnavailable: the outcome is unknown, the dispatcher asks again with the same key (the
 *   service answers a repeat with the same entry);
 * - any other 4xx → PointsRefusal with the problem's `code` (else `points.http_<status>`): the
 *   credit will not happen by asking again (409 an id reused, 422 an invalid amount, 401/403 a
 *   token the service does not accept).
 */
export function httpPointsService(options: HttpPointsServiceOptions): PointsService & { balanceOf(userId: string): Promise<bigint> } {
  const doFetch = options.fetch ?? fetch;
  const base = options.url.replace(/\/+$/, '');
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    Accept: 'application/json',
    ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    ...extra,
  });

  async function call(path: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
      text = await response.text();
    } catch (error) {
      const why = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') ? `no answer within ${options.timeoutMs} ms` : `could not reach it (${error instanceof Error ? error.message : String(error)})`;
      throw new PointsUnavailable(`Points service ${init.method} ${path}: ${why}`);
    }
    const body = jsonOrUndefined(text);
    if (response.status >= 500 || response.status === 429) throw new PointsUnavailable(`Points service ${init.method} ${path}: HTTP ${response.status}`);
    if (response.status >= 400) {
      const problem = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const code = typeof problem.code === 'string' && problem.code !== '' ? problem.code : `points.http_${response.status}`;
      const detail = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : `HTTP ${response.status}`;
      throw new PointsRefusal(code, `Points service refused ${init.method} ${path}: ${detail}`);
    }
    if (response.status < 200 || response.status >= 300) throw new PointsUnavailable(`Points service ${init.method} ${path}: unexpected HTTP ${response.status}`);
    return { status: response.status, body };
  }

  const field = (body: unknown, name: string): string | undefined => {
    const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
    return typeof value === 'string' ? value : undefined;
  };

  return {
    async credit(credit: PointsCredit): Promise<PointsCredited> {
      const { body } = await call('/points/v1/credits', {
        method: 'POST',
        headers: headers({ 'Content-Type': 'application/json', 'Idempotency-Key': credit.creditId }),
        body: JSON.stringify({ credit_id: credit.creditId, user_id: credit.userId, amount: credit.amount.toString(), reason: credit.reason }),
      });
      const entryId = field(body, 'entry_id');
      const balanceAfter = field(body, 'balance_after');
      const creditId = field(body, 'credit_id');
      if (!entryId || balanceAfter === undefined || !DECIMAL.test(balanceAfter) || (creditId !== undefined && creditId !== credit.creditId)) {
        throw new PointsUnavailable('Points service answered the credit with a body it does not read as the protocol’s (entry_id, balance_after)');
      }
      return { creditId: credit.creditId, entryId, balanceAfter: BigInt(balanceAfter) };
    },
    async balanceOf(userId: string): Promise<bigint> {
      const { body } = await call(`/points/v1/users/${encodeURIComponent(userId)}/balance`, { method: 'GET', headers: headers() });
      const balance = field(body, 'balance');
      if (balance === undefined || !DECIMAL.test(balance)) throw new PointsUnavailable('Points service answered the balance with a body it does not read as the protocol’s (balance)');
      return BigInt(balance);
    },
  };
}
