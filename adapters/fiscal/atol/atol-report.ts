import { CashRegisterUnavailable, type FiscalAttributes, type FiscalReport } from '../../../commands/game-store/ports/cash-register.js';
import { atolErrorIn, failureOf, isPermanentFailure, isRecord, NOT_PROCESSED_YET_CODE, UNKNOWN_UUID_CODE } from './atol-errors.js';
import { kopecksFromAtolRubles } from './atol-money.js';
import { instantFromAtolTimestamp } from './moscow-time.js';
import type { AtolAnswer } from './atol-client.js';

/**
 * The answer of `GET {group}/report/{uuid}` (and the callback document, which is the same) as
 * the port's FiscalReport (DOMAIN-FACTS B 3.1):
 *
 * - `wait` → wait; error 34 (state not known yet) → CashRegisterUnavailable: ask again later;
 * - `done` → the payload's fiscal attributes: fiscal_document_attribute (the fiscal sign,
 *   beyond 2³¹) as a decimal string, receipt_datetime (Moscow local) as ISO-8601, total in kopecks;
 * - `fail` → the error, `permanent` unless the register timed out or failed on its side;
 *   error 30 (the register knows no such uuid) is such a permanent fail too;
 * - an ATOL error without a status (a wrong group) → CashRegisterRefusal or Unavailable by the table.
 */
export function fiscalReportFrom(answer: AtolAnswer, askedUuid: string, label: string): FiscalReport {
  const what = `${label} report ${askedUuid}`;
  const { json } = answer;
  const error = atolErrorIn(json);
  if (!isRecord(json)) throw new CashRegisterUnavailable(`no result for ${what}: HTTP ${answer.status} with an unreadable body`);
  if (error?.code === NOT_PROCESSED_YET_CODE) throw new CashRegisterUnavailable(`no result yet for ${what}: error 34 (${error.text || 'state not found, ask later'})`);
  const uuid = typeof json.uuid === 'string' && json.uuid !== '' ? json.uuid : askedUuid;
  const externalId = typeof json.external_id === 'string' && json.external_id !== '' ? { externalId: json.external_id } : {};
  if (error?.code === UNKNOWN_UUID_CODE || (json.status === 'fail' && error !== undefined)) {
    return { status: 'fail', uuid, ...externalId, error: { code: String(error.code), text: error.text, type: error.type, permanent: isPermanentFailure(error) } };
  }
  if (answer.status >= 300 || error !== undefined) throw failureOf(what, answer.status, json);
  if (json.status === 'wait') return { status: 'wait', uuid };
  if (json.status === 'done') {
    const fiscal = fiscalAttributesIn(json.payload);
    if (typeof fiscal === 'string') throw new CashRegisterUnavailable(`unreadable ${what}: done, but ${fiscal}`);
    return { status: 'done', uuid, ...externalId, fiscal };
  }
  if (json.status === 'fail') return { status: 'fail', uuid, ...externalId, error: { code: 'unknown', text: 'the register failed the receipt without saying why', type: 'unknown', permanent: false } };
  throw new CashRegisterUnavailable(`unreadable ${what}: status ${JSON.stringify(json.status)}`);
}

/** The payload of a done report, or what is wrong with it. */
function fiscalAttributesIn(payload: unknown): FiscalAttributes | string {
  if (!isRecord(payload)) return 'no payload';
  const fiscalDocumentNumber = wholeNumber(payload.fiscal_document_number);
  const fiscalSign = wholeNumber(payload.fiscal_document_attribute);
  const receiptNumber = wholeNumber(payload.fiscal_receipt_number);
  const shiftNumber = wholeNumber(payload.shift_number);
  const fiscalDriveNumber = digits(payload.fn_number);
  const registerNumber = digits(payload.ecr_registration_number);
  const registeredAt = instantFromAtolTimestamp(payload.receipt_datetime);
  const totalMinor = kopecksFromAtolRubles(payload.total);
  const missing = Object.entries({ fiscalDocumentNumber, fiscalSign, receiptNumber, shiftNumber, fiscalDriveNumber, registerNumber, registeredAt, totalMinor })
    .filter(([, value]) => value === undefined)
    .map(([name]) => PAYLOAD_FIELDS[name]);
  if (missing.length > 0) return `payload.${missing.join(', payload.')} missing or malformed`;
  return {
    fiscalDocumentNumber: fiscalDocumentNumber!,
    fiscalSign: fiscalSign!,
    fiscalDriveNumber: fiscalDriveNumber!,
    registerNumber: registerNumber!,
    receiptNumber: receiptNumber!,
    shiftNumber: shiftNumber!,
    registeredAt: registeredAt!.toISOString(),
    totalMinor: totalMinor!,
    ...(typeof payload.ofd_receipt_url === 'string' && payload.ofd_receipt_url !== '' ? { ofdReceiptUrl: payload.ofd_receipt_url } : {}),
  };
}

const PAYLOAD_FIELDS: Readonly<Record<string, string>> = {
  fiscalDocumentNumber: 'fiscal_document_number',
  fiscalSign: 'fiscal_document_attribute',
  receiptNumber: 'fiscal_receipt_number',
  shiftNumber: 'shift_number',
  fiscalDriveNumber: 'fn_number',
  registerNumber: 'ecr_registration_number',
  registeredAt: 'receipt_datetime',
  totalMinor: 'total',
};

/** A non-negative whole number as decimal text: a JSON number (exact up to 2⁵³; fiscal signs are 32-bit) or digits in a string. */
function wholeNumber(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return value;
  return undefined;
}

/** fn_number and ecr_registration_number are digit strings (16 digits); a number is taken as its digits. */
function digits(value: unknown): string | undefined {
  if (typeof value === 'string' && /^\d{1,32}$/.test(value)) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  return undefined;
}
