/**
 * The one port every payment provider adapter implements (SPEC P-3, P-4). The game store
 * speaks only this; adapters/payments/<provider>/ speak the provider's protocol, and the
 * local sandbox (adapters/payments/sandbox/) speaks the same protocol from the other side.
 *
 * Money crosses the port as integer minor units (kopecks) in a bigint; each adapter formats
 * it at its edge (YooKassa "1499.00" strings, T-Bank integer kopecks).
 */

export const PROVIDER_NAMES = ['yookassa', 'tbank'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** What the buyer wants to pay with; each provider offers a subset (`PaymentProvider.methods`). */
export const PAYMENT_METHODS = ['bank_card', 'sbp', 'sberpay', 'tpay'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** 54-FZ VAT rate of a receipt line, in T-Bank / ATOL spelling (YooKassa vat_code: none 1, vat0 2, vat10 3, vat20 4, vat110 5, vat120 6, vat5 7, vat7 8, vat105 9, vat107 10, vat22 11, vat122 12). */
export const VAT_RATES = ['none', 'vat0', 'vat5', 'vat7', 'vat10', 'vat20', 'vat22', 'vat105', 'vat107', 'vat110', 'vat120', 'vat122'] as const;
export type VatRate = (typeof VAT_RATES)[number];

/** 54-FZ tag 1212 in YooKassa / T-Bank spelling (a game key or licence: intellectual_activity). */
export const PAYMENT_SUBJECTS = ['intellectual_activity', 'service', 'commodity', 'job', 'payment', 'another'] as const;
export type PaymentSubject = (typeof PAYMENT_SUBJECTS)[number];

export interface ReceiptLine {
  readonly name: string;
  readonly quantity: number;
  /** Unit price, minor units. */
  readonly unitPriceMinor: bigint;
  /** unitPriceMinor × quantity. */
  readonly lineTotalMinor: bigint;
  readonly vat: VatRate;
  readonly paymentSubject: PaymentSubject;
}

export interface CreatePaymentRequest {
  /** Ours. YooKassa: the Idempotence-Key is derived from it (and the attempt); T-Bank: it is the OrderId. */
  readonly transactionId: string;
  readonly orderId: string;
  readonly amountMinor: bigint;
  readonly currency: 'RUB';
  readonly description: string;
  readonly method: PaymentMethod;
  /** The buyer returns here after paying (YooKassa return_url, T-Bank SuccessURL). */
  readonly successUrl: string;
  /** …or after declining (T-Bank FailURL; YooKassa has one return_url: the success one). */
  readonly failUrl: string;
  /** Where the provider posts notifications (T-Bank NotificationURL per request; YooKassa: the shop's setting). */
  readonly notificationUrl: string;
  /** The payment must not be payable after this (T-Bank RedirectDueDate). */
  readonly expiresAt: Date;
  readonly receipt: { readonly customerEmail?: string; readonly lines: readonly ReceiptLine[] };
  /**
   * True when an earlier attempt for this transaction may have reached the provider (our intent
   * was recorded, the outcome was not). YooKassa: the same Idempotence-Key returns the same
   * payment. T-Bank (Init is not idempotent): look the OrderId up first — a paid payment is
   * returned, a live unpaid one is cancelled before Init is called again.
   */
  readonly resume: boolean;
  /** The buyer pays in the provider's widget on our page instead of being redirected (next: `sdk`); only where `PaymentProvider.widget`. */
  readonly widget?: boolean;
}

/** What the client needs next. */
export type PaymentNextStep =
  | { readonly kind: 'redirect'; readonly url: string }
  /** An SBP QR: the NSPK payload (https://qr.nspk.ru/…), rendered as an image by our API. */
  | { readonly kind: 'qr'; readonly payload: string }
  /** Data for the provider's client SDK / widget (YooKassa embedded: confirmation_token). */
  | { readonly kind: 'sdk'; readonly data: Readonly<Record<string, string>> };

/** A provider's status, normalized. `pending` covers everything not yet decided (YooKassa pending / waiting_for_capture; T-Bank NEW … AUTHORIZED). */
export type ProviderPaymentStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled' | 'refunded';

export interface ProviderPaymentState {
  readonly provider: ProviderName;
  readonly providerPaymentId: string;
  /** Ours, as the provider holds it (YooKassa metadata.transaction_id, T-Bank OrderId); undefined when absent. */
  readonly transactionId: string | undefined;
  readonly status: ProviderPaymentStatus;
  /** The provider's own word (`succeeded`, `CONFIRMED`, `DEADLINE_EXPIRED` …), kept for the history. */
  readonly providerStatus: string;
  readonly amountMinor: bigint;
  readonly currency: 'RUB';
  /** Why it failed or was cancelled (YooKassa cancellation_details.reason, T-Bank ErrorCode/Message). */
  readonly reason?: string;
}

export interface CreatedPayment {
  readonly state: ProviderPaymentState;
  /** Absent when the payment is already decided (a resumed T-Bank order found paid). */
  readonly next: PaymentNextStep | undefined;
}

/** A notification as it reached `POST /webhooks/{provider}`. The source address check is the route's (configurable ranges). */
export interface ProviderNotification {
  /** The parsed JSON body (anything: junk is refused, never thrown). */
  readonly body: unknown;
}

export type NotificationVerdict =
  /** Authentic; `payment` is what to act on (YooKassa: re-fetched from the provider, never the body's word). */
  | { readonly kind: 'verified'; readonly payment: ProviderPaymentState }
  /** Authentic but nothing for us (another event type, e.g. a card binding). */
  | { readonly kind: 'ignored'; readonly reason: string }
  /** Malformed, unsigned, forged or tampered: changes nothing. */
  | { readonly kind: 'refused'; readonly status: 400 | 401 | 403; readonly reason: string };

/** The answer the provider expects for a notification it should not send again. */
export interface NotificationReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** The provider answered and said no (4xx, `Success: false`): definitive, a new attempt needs a new key. */
export class ProviderRefusal extends Error {
  constructor(
    readonly provider: ProviderName,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderRefusal';
  }
}

/** The result is unknown (HTTP 500, 202 after the retries, timeout, connection refused): repeat the same call later. */
export class ProviderUnavailable extends Error {
  constructor(
    readonly provider: ProviderName,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderUnavailable';
  }
}

export interface PaymentProvider {
  readonly name: ProviderName;
  readonly methods: readonly PaymentMethod[];
  /** Whether it has a payment widget for bank cards (YooKassa: confirmation `embedded` → a confirmation_token for its checkout widget). */
  readonly widget: boolean;
  /** Create the payment (safe to repeat for one transaction: see `resume`). Throws ProviderRefusal / ProviderUnavailable. */
  createPayment(request: CreatePaymentRequest): Promise<CreatedPayment>;
  /** The payment as the provider has it now. */
  fetchPayment(providerPaymentId: string): Promise<ProviderPaymentState>;
  /**
   * Stop a payment that is not decided (expiry): T-Bank Cancel (ExternalRequestId derived from
   * the transaction); YooKassa cancels what its API lets it (waiting_for_capture) — a `pending`
   * one cannot be cancelled there and is returned as it is (it expires at the provider).
   * Returns the state after the attempt.
   */
  cancelPayment(providerPaymentId: string, transactionId: string): Promise<ProviderPaymentState>;
  /** Authenticate a notification and say what it means (YooKassa: re-fetch; T-Bank: Token, TerminalKey). Never throws for bad input; ProviderUnavailable when a re-fetch cannot be made. */
  verifyNotification(notification: ProviderNotification): Promise<NotificationVerdict>;
  /** What to answer a notification that was handled (T-Bank: 200 `OK`; YooKassa: 200). */
  readonly notificationReply: NotificationReply;
  /**
   * Return (part of) a succeeded payment (issue 13). Safe to repeat for one `refundId`: YooKassa
   * POST /v3/refunds with an Idempotence-Key derived from the refund id; T-Bank `Cancel` with
   * `Amount` and `ExternalRequestId` = the refund id. Returns the refund as the provider has it
   * (often `pending` at YooKassa). Throws ProviderRefusal (e.g. more than what is left to refund)
   * / ProviderUnavailable.
   */
  refundPayment(request: RefundRequest): Promise<ProviderRefundState>;
  /** The refund as the provider has it now (YooKassa GET /v3/refunds/{id}; T-Bank: `Cancel` repeated with the same ExternalRequestId, or GetState). Throws ProviderUnavailable. */
  fetchRefund(refund: { readonly providerRefundId: string; readonly providerPaymentId: string; readonly refundId: string; readonly amountMinor: bigint }): Promise<ProviderRefundState>;
}

export interface RefundRequest {
  /** Ours (a UUID); the provider's idempotency key derives from it. */
  readonly refundId: string;
  readonly transactionId: string;
  readonly providerPaymentId: string;
  /** What to return now, minor units (≤ what is left of the payment). */
  readonly amountMinor: bigint;
  readonly currency: 'RUB';
  readonly description: string;
}

/** A refund's status, normalized: YooKassa pending|succeeded|canceled; T-Bank REFUNDED/PARTIAL_REFUNDED/REVERSED → succeeded, its errors → failed. */
export type ProviderRefundStatus = 'pending' | 'succeeded' | 'failed';

export interface ProviderRefundState {
  readonly provider: ProviderName;
  /** YooKassa's refund id; T-Bank has none: our refund id (its ExternalRequestId). */
  readonly providerRefundId: string;
  readonly providerPaymentId: string;
  readonly status: ProviderRefundStatus;
  /** The provider's own word (`succeeded`, `PARTIAL_REFUNDED` …). */
  readonly providerStatus: string;
  readonly amountMinor: bigint;
  readonly currency: 'RUB';
  /** Why it failed (YooKassa cancellation_details.reason, T-Bank ErrorCode/Message). */
  readonly reason?: string;
}
