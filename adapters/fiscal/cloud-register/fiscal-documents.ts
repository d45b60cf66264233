import { createHmac, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { documentError, QUEUE_TIMEOUT, type DocumentError } from './register-errors.js';
import type { FaultQueue, ReportFault } from './register-faults.js';
import { moscowTimestamp } from './register-time.js';
import type { TakenReceipt } from './receipt-validation.js';

export type DocumentStatus = 'wait' | 'done' | 'fail';

/** The payload of a done report, field for field as ATOL writes it (DOMAIN-FACTS B 3.1, the 2ea26f17… fixture). */
export interface FiscalPayload {
  readonly total: number;
  readonly fns_site: string;
  readonly fn_number: string;
  readonly shift_number: number;
  readonly receipt_datetime: string;
  readonly fiscal_receipt_number: number;
  readonly fiscal_document_number: number;
  readonly ecr_registration_number: string;
  readonly fiscal_document_attribute: number;
  readonly ofd_inn: string;
  readonly ofd_receipt_url: string;
}

export interface HeldDocument {
  readonly uuid: string;
  readonly group: string;
  readonly operation: 'sell' | 'sell_refund';
  readonly receipt: TakenReceipt;
  readonly acceptedAt: Date;
  /** When it leaves `wait` (ms since the epoch, by the register's clock). */
  readonly dueAt: number;
  status: DocumentStatus;
  payload?: FiscalPayload;
  error?: DocumentError;
}

/** The fiscal data operator the register reports to (the INN from ATOL's report fixture). */
const OFD_INN = '7709364346';
const FNS_SITE = 'www.nalog.gov.ru';
const FIRST_SIGN = 2 ** 31 + 1;

const digits = (count: number) => Array.from({ length: count }, () => randomInt(10)).join('');

/**
 * The register's documents and its fiscal drive, in memory: a document taken is `wait` until
 * its due time (its `waitMs` after it was taken, by the register's clock), then it is printed —
 * `done` with the next fiscal document number, the receipt number within the Moscow day's shift
 * and a fiscal sign (an HMAC of the document under the drive's key, above 2³¹ as real signs
 * often are) — or `fail`, when a report fault says so. Idempotency is ATOL's: one document per
 * external_id and group, whatever its status.
 */
export class FiscalDocuments {
  private readonly byUuid = new Map<string, HeldDocument>();
  private readonly byExternalId = new Map<string, HeldDocument>();
  private readonly waiting = new Set<HeldDocument>();
  private readonly driveKey = randomBytes(32);
  private readonly fnNumber = `99990789${digits(8)}`;
  private readonly registrationNumber = `000${digits(13)}`;
  private documentNumber = randomInt(100, 1000);
  private shift = { number: 0, day: '', receipts: 0 };

  constructor(
    private readonly now: () => Date,
    private readonly ofdUrl: (uuid: string) => string,
    private readonly faults: FaultQueue<ReportFault>,
  ) {}

  find(uuid: string): HeldDocument | undefined {
    return this.byUuid.get(uuid);
  }

  findByExternalId(group: string, externalId: string): HeldDocument | undefined {
    return this.byExternalId.get(`${group}\u0000${externalId}`);
  }

  all(): readonly HeldDocument[] {
    return [...this.byUuid.values()];
  }

  take(group: string, operation: 'sell' | 'sell_refund', receipt: TakenReceipt, waitMs: number): HeldDocument {
    const acceptedAt = this.now();
    const document: HeldDocument = { uuid: randomUUID(), group, operation, receipt, acceptedAt, dueAt: acceptedAt.getTime() + waitMs, status: 'wait' };
    this.byUuid.set(document.uuid, document);
    this.byExternalId.set(`${group}\u0000${receipt.externalId}`, document);
    this.waiting.add(document);
    return document;
  }

  /** Print (or fail) every document whose wait is over; the ones settled now, in the order they were taken. */
  settleDue(): readonly HeldDocument[] {
    const now = this.now();
    const settled: HeldDocument[] = [];
    for (const document of this.waiting) {
      if (document.dueAt > now.getTime()) continue;
      this.waiting.delete(document);
      this.settle(document, now);
      settled.push(document);
    }
    return settled;
  }

  private settle(document: HeldDocument, now: Date): void {
    const fault = this.faults.take(['fail_timeout', 'fail_permanent'], document.receipt.externalId);
    if (fault?.kind === 'fail_timeout') {
      document.status = 'fail';
      document.error = documentError(QUEUE_TIMEOUT.code, QUEUE_TIMEOUT.text, QUEUE_TIMEOUT.type);
      return;
    }
    if (fault?.kind === 'fail_permanent') {
      document.status = 'fail';
      document.error = documentError(fault.code ?? 32, fault.text ?? 'Ошибка валидации входного чека. Ошибочные поля : receipt.items[0].name (ККТ отклонила документ)', 'system');
      return;
    }
    const datetime = moscowTimestamp(now);
    const day = datetime.slice(0, 10);
    if (this.shift.day !== day) this.shift = { number: this.shift.number + 1, day, receipts: 0 };
    this.shift.receipts++;
    this.documentNumber++;
    document.status = 'done';
    document.payload = {
      total: document.receipt.total,
      fns_site: FNS_SITE,
      fn_number: this.fnNumber,
      shift_number: this.shift.number,
      receipt_datetime: datetime,
      fiscal_receipt_number: this.shift.receipts,
      fiscal_document_number: this.documentNumber,
      ecr_registration_number: this.registrationNumber,
      fiscal_document_attribute: this.fiscalSign(document, datetime),
      ofd_inn: OFD_INN,
      ofd_receipt_url: this.ofdUrl(document.uuid),
    };
  }

  /** The drive's MAC of what the receipt says, as a number from 2³¹ + 1 to 2³² − 1. */
  private fiscalSign(document: HeldDocument, datetime: string): number {
    const mac = createHmac('sha256', this.driveKey)
      .update([this.fnNumber, this.documentNumber, datetime, document.operation, document.receipt.totalKopecks].join('|'))
      .digest();
    return FIRST_SIGN + (mac.readUInt32BE(0) % (2 ** 32 - FIRST_SIGN));
  }
}

/** The report document of GET {group}/report/{uuid} — and of the callback, which is the same. */
export function reportDocument(document: HeldDocument, now: Date) {
  return {
    uuid: document.uuid,
    error: document.error ?? null,
    status: document.status,
    payload: document.payload ?? null,
    timestamp: moscowTimestamp(now),
    group_code: document.group,
    daemon_code: 'ledgerline-local-register',
    device_code: 'LOCAL-KKT-1',
    external_id: document.receipt.externalId,
    callback_url: document.receipt.callbackUrl ?? '',
    warnings: null,
  };
}
