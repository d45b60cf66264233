import {
  CashRegisterRefusal,
  CashRegisterUnavailable,
  FISCAL_OPERATIONS,
  type CashRegister,
  type CashRegisterCallbackVerdict,
  type FiscalReceiptRequest,
  type FiscalReport,
  type RegisteredReceipt,
} from '../../../commands/game-store/ports/cash-register.js';
import { AtolClient, type AtolClientOptions } from './atol-client.js';
import { atolErrorIn, DUPLICATE_CODE, failureOf, isRecord, UNKNOWN_UUID_CODE } from './atol-errors.js';
import { atolReceiptDocument } from './atol-receipt-document.js';
import { fiscalReportFrom } from './atol-report.js';
import { jsonOrUndefined } from '../../http/json-answer.js';

export const ATOL_DEFAULT_API_URL = 'https://online.atol.ru/possystem/v5';

export interface AtolCashRegisterOptions extends AtolClientOptions {
  /** The group code of the shop's registers (e.g. v5-online-atol-ru_5179): receipts go to `{group}/sell`. */
  readonly group: string;
  /** `atol`, or `local` when the register behind the URL is the local cloud register. */
  readonly name?: string;
}

/** ATOL uuids are RFC 4122 text (2ea26f17-0884-4f08-b120-306fc096a58f). */
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * ATOL Online v5 (FFD 1.2) behind the CashRegister port (DOMAIN-FACTS B 3.1, 6.13): a receipt is
 * `POST {group}/sell|sell_refund` with our external_id as the idempotency key — ATOL's 33 for an
 * external_id it already has is the success it is (the existing uuid, `duplicate: true`); the
 * outcome is read from `GET {group}/report/{uuid}`. Callbacks are unsigned, so one is only a
 * hint: its uuid is looked up again and the register's answer is what counts.
 */
export class AtolCashRegister implements CashRegister {
  readonly name: string;
  private readonly client: AtolClient;
  private readonly group: string;
  private readonly label: string;

  constructor(options: AtolCashRegisterOptions) {
    this.name = options.name ?? 'atol';
    this.label = options.label ?? (this.name === 'atol' ? 'ATOL Online' : `the ${this.name} cloud register`);
    this.client = new AtolClient({ ...options, label: this.label });
    this.group = encodeURIComponent(options.group);
  }

  async register(request: FiscalReceiptRequest): Promise<RegisteredReceipt> {
    if (!FISCAL_OPERATIONS.includes(request.operation)) throw new CashRegisterRefusal('31', `not a receipt operation: ${String(request.operation)}`);
    const document = atolReceiptDocument(request);
    const answer = await this.client.call('POST', `/${this.group}/${request.operation}`, document);
    const what = `${this.label} ${request.operation} ${request.externalId}`;
    const uuid = isRecord(answer.json) && typeof answer.json.uuid === 'string' && answer.json.uuid !== '' ? answer.json.uuid : undefined;
    const error = atolErrorIn(answer.json);
    if (error?.code === DUPLICATE_CODE) {
      if (uuid === undefined) throw new CashRegisterUnavailable(`no result for ${what}: a duplicate (33) without the existing uuid`);
      return { uuid, duplicate: true };
    }
    if (error === undefined && answer.status >= 200 && answer.status < 300) {
      if (uuid === undefined) throw new CashRegisterUnavailable(`no result for ${what}: HTTP ${answer.status} without a uuid`);
      return { uuid, duplicate: false };
    }
    throw failureOf(what, answer.status, answer.json);
  }

  async report(uuid: string): Promise<FiscalReport> {
    const answer = await this.client.call('GET', `/${this.group}/report/${encodeURIComponent(uuid)}`);
    return fiscalReportFrom(answer, uuid, this.label);
  }

  async verifyCallback(body: unknown): Promise<CashRegisterCallbackVerdict> {
    const document = typeof body === 'string' ? jsonOrUndefined(body) : Buffer.isBuffer(body) ? jsonOrUndefined(body.toString('utf8')) : body;
    if (!isRecord(document)) return { kind: 'refused', status: 400, reason: 'the body is not an ATOL report document (a JSON object)' };
    if (typeof document.uuid !== 'string' || !UUID_SHAPE.test(document.uuid)) return { kind: 'refused', status: 400, reason: 'the document names no receipt uuid' };
    let report: FiscalReport;
    try {
      report = await this.report(document.uuid);
    } catch (error) {
      if (error instanceof CashRegisterRefusal) throw new CashRegisterUnavailable(`the callback's report cannot be fetched: ${error.message}`);
      throw error;
    }
    if (report.status === 'fail' && report.error.code === String(UNKNOWN_UUID_CODE)) return { kind: 'refused', status: 404, reason: `the register has no receipt ${document.uuid} in our group` };
    return { kind: 'report', report };
  }
}
