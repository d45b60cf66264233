import { isObject } from './register-http.js';

/**
 * Failures on demand (POST /cloud-register/faults), queued in the order given, each for the next
 * `times` (default 1) calls it applies to — any call, or with `externalId` only those about the
 * receipt with that external_id (so a test can aim at its own receipt while others are in flight):
 *
 * register — the next `sell` / `sell_refund` requests:
 * - `http_500`: answered 500 by "the proxy" before anything is done (an HTML body, no ATOL error);
 * - `timeout`: the receipt IS taken (or recognised as a duplicate), then the answer is lost: the
 *   connection is held until the client gives up (or 30 s, then 504);
 * - `refuse`: error 32 naming `field` (default receipt.client.email), nothing taken;
 * - `error`: the ATOL error `code` of the table with its HTTP status (e.g. 1, 14, 21, 50), nothing taken.
 *
 * report — the next documents to complete, or the next report reads:
 * - `fail_timeout`: the document ends `fail` with code 1, type `timeout` (a queue timeout: transient);
 * - `fail_permanent`: the document ends `fail` with code 32 (or `code`), type `system`, `text`;
 * - `not_found_yet`: the next report reads answer error 34 (HTTP 200, state not found, ask later).
 */
interface Aim {
  readonly times?: number;
  readonly externalId?: string;
}

export type RegisterFault =
  | ({ readonly kind: 'http_500' | 'timeout' } & Aim)
  | ({ readonly kind: 'refuse'; readonly field?: string; readonly reason?: string } & Aim)
  | ({ readonly kind: 'error'; readonly code: number } & Aim);

export type ReportFault = ({ readonly kind: 'fail_timeout' | 'not_found_yet' } & Aim) | ({ readonly kind: 'fail_permanent'; readonly code?: number; readonly text?: string } & Aim);

/** The body of POST /cloud-register/faults; every part optional. */
export interface FaultOrder {
  readonly register?: readonly RegisterFault[];
  readonly report?: readonly ReportFault[];
  /** How long receipts taken from now on stay `wait` (ms). */
  readonly waitMs?: number;
  /** Whether reports are posted to the receipts' callback_url (false: the shop must poll). */
  readonly callbacks?: boolean;
  /** Every token issued so far is expired at once (the next call with one gets 401 code 11). */
  readonly expireTokens?: boolean;
}

const REGISTER_KINDS = ['http_500', 'timeout', 'refuse', 'error'];
const REPORT_KINDS = ['fail_timeout', 'fail_permanent', 'not_found_yet'];

/** A fault order as sent, or what is wrong with it. */
export function readFaultOrder(value: unknown, knownCodes: ReadonlySet<number>): FaultOrder | string {
  if (!isObject(value)) return 'the body must be a JSON object';
  const allowed = ['register', 'report', 'waitMs', 'callbacks', 'expireTokens'];
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) return `unknown field ${unknown[0]} (fields: ${allowed.join(', ')})`;
  for (const [part, kinds] of [['register', REGISTER_KINDS], ['report', REPORT_KINDS]] as const) {
    const list = value[part];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return `${part} must be an array of faults`;
    for (const [index, fault] of list.entries()) {
      const at = `${part}[${index}]`;
      if (!isObject(fault)) return `${at} must be an object`;
      if (!kinds.includes(fault.kind as string)) return `${at}.kind must be one of ${kinds.join(', ')}`;
      if (fault.times !== undefined && (typeof fault.times !== 'number' || !Number.isInteger(fault.times) || fault.times < 1 || fault.times > 10_000)) return `${at}.times must be an integer from 1 to 10000`;
      if (fault.kind === 'error' && (typeof fault.code !== 'number' || !knownCodes.has(fault.code) || fault.code === 33)) return `${at}.code must be an ATOL error code of the table (not 33: send the receipt twice for that)`;
      if (fault.kind === 'fail_permanent' && fault.code !== undefined && (typeof fault.code !== 'number' || !Number.isInteger(fault.code))) return `${at}.code must be an integer`;
      for (const field of ['field', 'reason', 'text', 'externalId']) {
        if (fault[field] !== undefined && typeof fault[field] !== 'string') return `${at}.${field} must be text`;
      }
    }
  }
  if (value.waitMs !== undefined && (typeof value.waitMs !== 'number' || !Number.isInteger(value.waitMs) || value.waitMs < 0 || value.waitMs > 86_400_000)) return 'waitMs must be an integer from 0 to 86400000';
  if (value.callbacks !== undefined && typeof value.callbacks !== 'boolean') return 'callbacks must be true or false';
  if (value.expireTokens !== undefined && typeof value.expireTokens !== 'boolean') return 'expireTokens must be true or false';
  return value as FaultOrder;
}

/** The queued faults, used up one call (or one document) at a time. */
export class FaultQueue<F extends { readonly kind: string; readonly times?: number; readonly externalId?: string }> {
  private readonly queued: { fault: F; left: number }[] = [];

  add(faults: readonly F[]): void {
    for (const fault of faults) this.queued.push({ fault, left: fault.times ?? 1 });
  }

  /** The first queued fault among `kinds` that aims at any receipt or at this external_id, used up by this call. */
  take(kinds: readonly F['kind'][], externalId: string | undefined): F | undefined {
    const index = this.queued.findIndex((q) => kinds.includes(q.fault.kind) && (q.fault.externalId === undefined || q.fault.externalId === externalId));
    if (index < 0) return undefined;
    const queued = this.queued[index]!;
    if (--queued.left <= 0) this.queued.splice(index, 1);
    return queued.fault;
  }

  clear(): void {
    this.queued.length = 0;
  }

  /** What is still queued, with the calls left. */
  pending(): readonly (F & { readonly times: number })[] {
    return this.queued.map((q) => ({ ...q.fault, times: q.left }));
  }
}
