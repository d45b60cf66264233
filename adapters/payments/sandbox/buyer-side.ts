/** Inspection for tests: a payment of the sandbox with its status and our ids. */
export interface SandboxPayment {
  readonly id: string;
  readonly status: string;
  readonly amountMinor: bigint;
  /** YooKassa metadata.transaction_id / T-Bank OrderId. */
  readonly transactionId?: string;
  readonly method: string;
}

/**
 * Inspection for tests: one refund of a sandbox payment, listed once however often it was asked
 * for (YooKassa: a Refund object; T-Bank: a Cancel that returned money) — "never paid back twice".
 */
export interface SandboxRefund {
  /** YooKassa's refund id; T-Bank has none: `<PaymentId>-<n>`. */
  readonly id: string;
  readonly paymentId: string;
  /** YooKassa pending | succeeded | canceled; T-Bank REFUNDING … PARTIAL_REFUNDED | REFUNDED | PARTIAL_REVERSED | REVERSED, or REJECTED when turned down. */
  readonly status: string;
  readonly amountMinor: bigint;
  /** Ours as the provider holds it: YooKassa metadata.refund_id, T-Bank ExternalRequestId. */
  readonly refundId?: string;
  readonly createdAt: string;
}

/** What the hosted pages show of a payment. */
export interface PaymentForBuyer {
  readonly provider: 'yookassa' | 'tbank';
  readonly id: string;
  readonly amountKopecks: bigint;
  readonly description: string;
  readonly status: string;
  readonly payable: boolean;
  /** bank_card, sbp, sberbank, tinkoff_bank — or `any` when the buyer chooses on the page. */
  readonly method: string;
  /** Where the buyer goes back to (YooKassa return_url; T-Bank SuccessURL / FailURL). */
  readonly returnAfterPay?: string;
  readonly returnAfterDecline?: string;
}

export class PaymentNotFound extends Error {
  constructor(provider: string, id: string) {
    super(`${provider} payment ${id} is not in the sandbox`);
  }
}

export class PaymentNotPayable extends Error {
  constructor(provider: string, id: string, status: string) {
    super(`${provider} payment ${id} is ${status}: it can no longer be paid or declined`);
  }
}

/** The buyer's side of one provider: what the page buttons, the "bank app" and the test controls do. */
export interface BuyerSide {
  forBuyer(id: string): PaymentForBuyer | undefined;
  /** The buyer opened the hosted page (T-Bank: NEW → FORM_SHOWED). */
  pageOpened(id: string): void;
  /** Pay (card on the page, or SBP through the bank app); the provider's notifications are sent (first attempt awaited). */
  pay(id: string, via: 'page' | 'sbp'): Promise<void>;
  decline(id: string): Promise<void>;
  /** The SBP payload of the payment (made on first use). */
  sbpPayload(id: string): string;
  payments(): readonly SandboxPayment[];
  /** The payment's refunds, once each (undefined: no such payment). */
  refunds(id: string): readonly SandboxRefund[] | undefined;
  redeliver(id: string, times: number): Promise<void>;
  /** Expire what is overdue (sends the notifications that go with it). */
  sweep(): Promise<void>;
}
