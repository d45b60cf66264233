/**
 * Error modes on demand: the next `times` calls of an operation fail in the chosen way.
 *
 * - `http500` (both): answered 500 before anything is done — the result is unknown to the caller,
 *   a repeat with the same Idempotence-Key (YooKassa) or a look-up (T-Bank) finds nothing done.
 * - `http202` (YooKassa): 202 with `retry_after` (ms) in the error body; nothing done yet.
 * - `timeout` (both): the operation IS carried out, then the answer never comes: the connection is
 *   held until the client gives up (or 30 s, then 504) — the "called the provider, lost the reply" case.
 * - `error` (T-Bank): HTTP 200 `{Success:false, ErrorCode, Message}`; nothing done.
 */
export type SandboxFault =
  | { provider: 'yookassa'; operation: 'create' | 'get' | 'cancel'; kind: 'http500' | 'http202' | 'timeout'; times?: number; retryAfterMs?: number }
  | { provider: 'tbank'; operation: 'Init' | 'GetState' | 'GetQr' | 'Cancel' | 'CheckOrder'; kind: 'http500' | 'error' | 'timeout'; errorCode?: string; message?: string; times?: number };

const YOOKASSA_OPERATIONS = ['create', 'get', 'cancel'];
const TBANK_OPERATIONS = ['Init', 'GetState', 'GetQr', 'Cancel', 'CheckOrder'];

/** A fault as sent to POST /sandbox/faults, or the reason it is not one. */
export function readFault(value: unknown): SandboxFault | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'the body must be a JSON object';
  const fault = value as Record<string, unknown>;
  const times = fault.times;
  if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) return 'times must be a positive integer';
  if (fault.provider === 'yookassa') {
    if (!YOOKASSA_OPERATIONS.includes(fault.operation as string)) return `operation must be one of ${YOOKASSA_OPERATIONS.join(', ')}`;
    if (!['http500', 'http202', 'timeout'].includes(fault.kind as string)) return 'kind must be http500, http202 or timeout';
    if (fault.retryAfterMs !== undefined && (typeof fault.retryAfterMs !== 'number' || fault.retryAfterMs < 0)) return 'retryAfterMs must be a number of milliseconds';
    return fault as SandboxFault;
  }
  if (fault.provider === 'tbank') {
    if (!TBANK_OPERATIONS.includes(fault.operation as string)) return `operation must be one of ${TBANK_OPERATIONS.join(', ')}`;
    if (!['http500', 'error', 'timeout'].includes(fault.kind as string)) return 'kind must be http500, error or timeout';
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

  /** The fault the next call of this operation suffers (used up by the call), if any. */
  take(provider: 'yookassa' | 'tbank', operation: string): SandboxFault | undefined {
    const index = this.planned.findIndex((p) => p.fault.provider === provider && p.fault.operation === operation);
    if (index < 0) return undefined;
    const planned = this.planned[index]!;
    if (--planned.left <= 0) this.planned.splice(index, 1);
    return planned.fault;
  }
}
