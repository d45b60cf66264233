/** A payment transaction of an order as the order queries show it. */
export interface OrderPaymentSummary {
  readonly transactionId: string;
  readonly provider: string;
  /** created | processing | completed | failed | cancelled | refunded */
  readonly status: string;
  readonly amountMinor: string;
  readonly currency: string;
  readonly updatedAt: string;
}

export interface OrderPayments {
  /** Oldest first. */
  ofOrder(orderId: string): Promise<readonly OrderPaymentSummary[]>;
  /** Per order, for listing many at once. */
  ofOrders(orderIds: readonly string[]): Promise<ReadonlyMap<string, readonly OrderPaymentSummary[]>>;
}
