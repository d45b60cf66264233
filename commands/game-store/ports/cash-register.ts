/**
 * The cloud cash register (54-FZ) the game store registers its fiscal receipts with (SPEC P-5,
 * issue 13). The game store speaks only this port; adapters/fiscal/atol/ speaks ATOL Online v5
 * (FFD 1.2) and adapters/fiscal/cloud-register/ is the local register of the embedded default,
 * which speaks the same protocol from the other side (DOMAIN-FACTS B 3.1, 3.3).
 *
 * Money crosses the port as integer minor units (kopecks) in a bigint; the ATOL adapter formats
 * rubles as JSON numbers at its edge.
 */
import type { PaymentSubject, VatRate } from './payment-provider.js';

/** 54-FZ tag 1054: a sale (приход) or the refund of one (возврат прихода). */
export const FISCAL_OPERATIONS = ['sell', 'sell_refund'] as const;
export type FiscalOperation = (typeof FISCAL_OPERATIONS)[number];

/** Tag 1055, ATOL `company.sno`. */
export const TAX_SYSTEMS = ['osn', 'usn_income', 'usn_income_outcome', 'esn', 'patent'] as const;
export type TaxSystem = (typeof TAX_SYSTEMS)[number];

/** Tag 1214 (ATOL `payment_method`): a key delivered at payment is `full_payment`. */
export const FISCAL_PAYMENT_METHODS = ['full_prepayment', 'prepayment', 'advance', 'full_payment', 'partial_payment', 'credit', 'credit_payment'] as const;
export type FiscalPaymentMethod = (typeof FISCAL_PAYMENT_METHODS)[number];

export interface FiscalReceiptItem {
  /** Tag 1030 (≤ 128 characters). */
  readonly name: string;
  /** Tag 1079, unit price, minor units. */
  readonly unitPriceMinor: bigint;
  /** Tag 1023. */
  readonly quantity: number;
  /** Tag 1043: unitPriceMinor × quantity. */
  readonly sumMinor: bigint;
  /** Tag 2108 (FFD 1.2 mandatory); a game key is counted in pieces (ATOL measure 0). */
  readonly measure: 'piece';
  readonly paymentMethod: FiscalPaymentMethod;
  /** Tag 1212 in YooKassa spelling; the adapter maps it to ATOL's number (intellectual_activity 9, service 4, commodity 1, job 3, payment 10, another 13). */
  readonly paymentObject: PaymentSubject;
  /** Tag 1199. */
  readonly vat: VatRate;
}

export interface FiscalCompany {
  /** Tag 1117. */
  readonly email: string;
  /** Tag 1018, 10 or 12 digits. */
  readonly inn: string;
  readonly taxSystem: TaxSystem;
  /** Tag 1187: the shop's site for an online sale. */
  readonly paymentAddress: string;
}

export interface FiscalReceiptRequest {
  /** Ours and the idempotency key at the register (ATOL external_id, ≤ 128 characters): the same id twice is one receipt. */
  readonly externalId: string;
  readonly operation: FiscalOperation;
  /** When the sale (or refund) happened (ATOL timestamp `dd.mm.yyyy HH:MM:SS`). */
  readonly timestamp: Date;
  /** Tag 1008: where the register sends the electronic receipt. Personal data: never logged, never in an event. */
  readonly customerEmail: string;
  readonly company: FiscalCompany;
  readonly items: readonly FiscalReceiptItem[];
  /** Tag 1081: paid electronically (ATOL payments[{type: 1}]); equals totalMinor. */
  readonly electronicMinor: bigint;
  /** Σ items.sumMinor, which must equal the payment. */
  readonly totalMinor: bigint;
  /** Where the register posts the report when it is done (ATOL service.callback_url); absent: we poll only. */
  readonly callbackUrl?: string;
}

/** What a registered receipt carries back (stored and sent to the buyer). */
export interface FiscalAttributes {
  /** Tag 1040 (ATOL fiscal_document_number). */
  readonly fiscalDocumentNumber: string;
  /** Tag 1077, the fiscal sign (ATOL fiscal_document_attribute; exceeds 2³¹, kept as a decimal string). */
  readonly fiscalSign: string;
  /** Tag 1041, the fiscal drive's number (fn_number). */
  readonly fiscalDriveNumber: string;
  /** Tag 1037, the register's registration number (ecr_registration_number). */
  readonly registerNumber: string;
  /** Tag 1042 (fiscal_receipt_number). */
  readonly receiptNumber: string;
  /** Tag 1038 (shift_number). */
  readonly shiftNumber: string;
  /** Tag 1012, when the register printed it, ISO-8601 (ATOL receipt_datetime is Moscow local time: the adapter converts). */
  readonly registeredAt: string;
  readonly totalMinor: bigint;
  /** Where the buyer can see the receipt at the fiscal data operator, when it says. */
  readonly ofdReceiptUrl?: string;
}

export type FiscalReport =
  | { readonly status: 'wait'; readonly uuid: string }
  | { readonly status: 'done'; readonly uuid: string; readonly externalId?: string; readonly fiscal: FiscalAttributes }
  /** The register gave up on it: `permanent` when resending the same receipt cannot help (validation), transient otherwise (a queue timeout: send again later). */
  | { readonly status: 'fail'; readonly uuid: string; readonly externalId?: string; readonly error: { readonly code: string; readonly text: string; readonly type: string; readonly permanent: boolean } };

export interface RegisteredReceipt {
  /** The register's id of the document (ATOL uuid), to poll its report. */
  readonly uuid: string;
  /** True when the register already had this externalId (ATOL error 33): the uuid is the existing receipt's. */
  readonly duplicate: boolean;
}

/** A callback as it reached `POST /webhooks/cash-register`. */
export type CashRegisterCallbackVerdict =
  /** The report of one of our receipts, as the register answers for it now (the callback is unsigned: the adapter re-fetches the report by uuid). */
  | { readonly kind: 'report'; readonly report: FiscalReport }
  | { readonly kind: 'refused'; readonly status: 400 | 404; readonly reason: string };

/** The register refused the receipt for good (ATOL 32 validation, 31 operation, 21 group…): resending it cannot help. */
export class CashRegisterRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CashRegisterRefusal';
  }
}

/** The outcome is unknown or the register cannot take it now (5xx, timeout, connection refused, 34 not processed yet): repeat the same call later. */
export class CashRegisterUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CashRegisterUnavailable';
  }
}

export interface CashRegister {
  /** `atol` or `local` (for the logs and the receipt read model). */
  readonly name: string;
  /** Submit a receipt (safe to repeat with the same externalId: a duplicate answers with the existing uuid). Throws CashRegisterRefusal / CashRegisterUnavailable. The token (24 h) is the adapter's business. */
  register(request: FiscalReceiptRequest): Promise<RegisteredReceipt>;
  /** The receipt's report now (ATOL GET {group}/report/{uuid}). Throws CashRegisterUnavailable. */
  report(uuid: string): Promise<FiscalReport>;
  /** Make sense of a callback body (never throws for bad input; CashRegisterUnavailable when the report cannot be fetched). */
  verifyCallback(body: unknown): Promise<CashRegisterCallbackVerdict>;
}
