import { CashRegisterRefusal, CashRegisterUnavailable } from '../../../commands/game-store/ports/cash-register.js';

/**
 * ATOL Online's error table (DOMAIN-FACTS B 3.1: the v4 document 5.15, p. 63; the same codes in
 * v5) sorted by what the caller can do about them.
 */

/** Resending the same document cannot help: credentials, group, operation, the receipt's JSON, the request itself. */
export const PERMANENT_CODES: ReadonlySet<number> = new Set([12, 13, 14, 20, 21, 30, 31, 32, 40, 41]);
/** The token is missing, wrong or older than 24 h: a new token, then the same call once more. */
export const TOKEN_CODES: ReadonlySet<number> = new Set([10, 11]);
/** 33: the external_id is already registered in this group — the answer carries that receipt's uuid. */
export const DUPLICATE_CODE = 33;
/** 34: the document's state is not known yet — ask for the report later, do not resend. */
export const NOT_PROCESSED_YET_CODE = 34;
/** 30: the uuid is malformed or unknown to the register. */
export const UNKNOWN_UUID_CODE = 30;

export interface AtolError {
  readonly code: number;
  readonly text: string;
  /** unknown | system | driver | timeout | agent */
  readonly type: string;
}

/** The `error` object of an ATOL answer, when it has one (its code a number or a numeric string). */
export function atolErrorIn(json: unknown): AtolError | undefined {
  if (!isRecord(json) || !isRecord(json.error)) return undefined;
  const { code, text, type } = json.error;
  const numeric = typeof code === 'number' ? code : typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : undefined;
  if (numeric === undefined || !Number.isInteger(numeric)) return undefined;
  return { code: numeric, text: typeof text === 'string' ? text : '', type: typeof type === 'string' ? type : 'unknown' };
}

/**
 * A failed report (status `fail`) is worth sending again later when the register timed out in
 * its queue (type `timeout`) or failed on its side (0, 1, 50, a driver): only the codes that
 * judge the document itself, or our access to the group, make it permanent.
 */
export function isPermanentFailure(error: AtolError): boolean {
  return error.type !== 'timeout' && PERMANENT_CODES.has(error.code);
}

/**
 * The exception for an answer that is neither a success nor a duplicate: an error from the
 * table's permanent part is a refusal; any other ATOL error, a 5xx or an answer without an
 * error object is "unknown, try again" — except a 4xx without an ATOL error, which says the
 * request itself is wrong (a wrong API URL) and is a refusal named `http_<status>`.
 */
export function failureOf(what: string, httpStatus: number, json: unknown): CashRegisterRefusal | CashRegisterUnavailable {
  const error = atolErrorIn(json);
  if (error !== undefined) {
    const described = `${what}: HTTP ${httpStatus}, error ${error.code}${error.text === '' ? '' : ` (${error.text})`}`;
    return PERMANENT_CODES.has(error.code) ? new CashRegisterRefusal(String(error.code), `refused ${described}`) : new CashRegisterUnavailable(`no result for ${described}`);
  }
  if (httpStatus >= 400 && httpStatus < 500 && httpStatus !== 408 && httpStatus !== 429) return new CashRegisterRefusal(`http_${httpStatus}`, `refused ${what}: HTTP ${httpStatus} without an ATOL error`);
  return new CashRegisterUnavailable(`no result for ${what}: HTTP ${httpStatus}${json === undefined ? ' with an unreadable body' : ''}`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
