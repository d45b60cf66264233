/**
 * Error modes on demand: the next `times` calls of an operation fail in the chosen way.
 *
 * - `http500` (both): answered 500 before anything is done — the result is unknown to the caller,
 *   a repeat with the same Idempotence-Key (YooKassa) or a look-up (T-Bank) finds nothing done.
 * - `http202` (YooKassa): 202 with `retry_after` (ms) in the error body; nothing done yet.
 * - `timeout` (both): the operation IS carried out, then the answer never comes: the connection is
 *   held until the client gives up (or 30 s, then 504) — the "called the provider, lost the reply" case.
 * - `error` (T-Bank): HTTP 200 `{Success:false, ErrorCode, Message}`; nothing done.
 *
 * YooKassa's operations: create, get, cancel (payments), refund (POST /refunds), getRefund (GET
 * /refunds/{id}), listRefunds (GET /refunds); T-Bank's: its method names.
 *
 * Refund outcomes (YooKassa `refund` = POST /refunds; T-Bank `Cancel` of a paid payment):
 * - `pending`: the refund is accepted but stays in processing for `pendingMs` (YooKassa `pending`,
 *   T-Bank `REFUNDING` / `ASYNC_REFUNDING` for SBP), then succeeds (with its notification).
 * - `canceled`: the refund is accepted, stays in processing for `pendingMs` (0 = decided at once),
 *   then is turned down and no money moves: YooKassa `canceled` with `cancellation_details`
 *   (`reason`, default general_decline); T-Bank answers a repeat of the request (the same
 *   ExternalRequestId) with `Success: false` and `errorCode` (default "11", "невозможно провести
 *   операцию" — a plausible code: T-Bank documents none for a turned-down refund).
 * They are taken only by a call that returns money (never by a T-Bank Cancel of an unpaid payment).
 */
export type SandboxFault =
  | { provider: 'yookassa'; operation: YookassaOperation; kind: 'http500' | 'http202' | 'timeout'; times?: number; retryAfterMs?: number }
  | { provider: 'yookassa'; operation: 'refund'; kind: 'pending' | 'canceled'; times?: number; pendingMs?: number; reason?: RefundCancellationReason }
  | { provider: 'tbank'; operation: TbankOperation; kind: 'http500' | 'error' | 'timeout'; errorCode?: string; message?: string; times?: number }
  | { provider: 'tbank'; operation: 'Cancel'; kind: 'pending' | 'canceled'; times?: number; pendingMs?: number; errorCode?: string; message?: string };

const YOOKASSA_OPERATIONS = ['create', 'get', 'cancel', 'refund', 'getRefund', 'listRefunds'] as const;
const TBANK_OPERATIONS = ['Init', 'GetState', 'GetQr', 'Cancel', 'CheckOrder'] as const;
type YookassaOperation = (typeof YOOKASSA_OPERATIONS)[number];
type TbankOperation = (typeof TBANK_OPERATIONS)[number];

/** The official OpenAPI `RefundCancellationDetails.reason` values. */
export const REFUND_CANCELLATION_REASONS = [
  'yoo_money_account_closed',
  'insufficient_funds',
  'general_decline',
  'rejected_by_payee',
  'rejected_by_timeout',
  'payment_basket_id_not_found',
  'payment_article_number_not_found',
  'payment_tru_code_not_found',
  'too_many_refunding_articles',
  'some_articles_already_refunded',
] as const;
export type RefundCancellationReason = (typeof REFUND_CANCELLATION_REASONS)[number];

/** The fault kinds the API handlers answer with themselves, before (or instead of) the operation's own outcome. */
export const TRANSPORT_FAULTS = ['http500', 'http202', 'timeout', 'error'] as const;
/** The fault kinds that decide a refund's outcome. */
export const REFUND_OUTCOME_FAULTS = ['pending', 'canceled'] as const;

/** A fault as sent to POST /sandbox/faults, or the reason it is not one. */
export function readFault(value: unknown): SandboxFault | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'the body must be a JSON object';
  const fault = value as Record<string, unknown>;
  const times = fault.times;
  if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) return 'times must be a positive integer';
  const pendingMs = fault.pendingMs;
  if (pendingMs !== undefined && (typeof pendingMs !== 'number' || !Number.isFinite(pendingMs) || pendingMs < 0)) return 'pendingMs must be a number of milliseconds';
  if (fault.provider === 'yookassa') {
    if (!(YOOKASSA_OPERATIONS as readonly unknown[]).includes(fault.operation)) return `operation must be one of ${YOOKASSA_OPERATIONS.join(', ')}`;
    if ((REFUND_OUTCOME_FAULTS as readonly unknown[]).includes(fault.kind)) {
      if (fault.operation !== 'refund') return 'the kinds pending and canceled are for the operation refund';
      if (fault.reason !== undefined && !(REFUND_CANCELLATION_REASONS as readonly unknown[]).includes(fault.reason)) return `reason must be one of ${REFUND_CANCELLATION_REASONS.join(', ')}`;
      return fault as SandboxFault;
    }
    if (!['http500', 'http202', 'timeout'].includes(fault.kind as string)) return 'kind must be http500, http202, timeout, pending or canceled';
    if (fault.retryAfterMs !== undefined && (typeof fault.retryAfterMs !== 'number' || fault.retryAfterMs < 0)) return 'retryAfterMs must be a number of milliseconds';
    return fault as SandboxFault;
  }
  if (fault.provider === 'tbank') {
    if (!(TBANK_OPERATIONS as readonly unknown[]).includes(fault.operation)) return `operation must be one of ${TBANK_OPERATIONS.join(', ')}`;
    if ((REFUND_OUTCOME_FAULTS as readonly unknown[]).includes(fault.kind) && fault.operation !== 'Cancel') return 'the kinds pending and canceled are for the operation Cancel';
    if (!['http500', 'error', 'timeout', 'pending', 'canceled'].includes(fault.kind as string)) return 'kind must be http500, error, timeout, pending or canceled';
    if (fault.errorCode !== undefined && typeof fault.errorCode !== 'string') return 'errorCode must be a string';
    if (fault.message !== undefined && typeof fault.message !== 'string') return 'message must be a string';
    return fault as SandboxFault;
  }
  return 'provider must be yookassa or tbank';
}

export class FaultPlan {
  private readonly planned: { fault: SandboxFault; left: number }[] = [];

  add(fault: SandboxFault): void {
    this.planned.push({ fault, left: fault.times ?? 1 });
  }

  /** The fault (of one of `kinds`) the next call of this operation suffers (used up by the call), if any. */
  take(provider: 'yookassa' | 'tbank', operation: string, kinds: readonly string[]): SandboxFault | undefined {
    const index = this.planned.findIndex((p) => p.fault.provider === provider && p.fault.operation === operation && kinds.includes(p.fault.kind));
    if (index < 0) return undefined;
    const planned = this.planned[index]!;
    if (--planned.left <= 0) this.planned.splice(index, 1);
    return planned.fault;
  }
}
