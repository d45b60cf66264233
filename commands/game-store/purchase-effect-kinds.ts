import * as t from 'io-ts';
import { effectKind } from '../../sagas/effect-kind.js';

/**
 * The purchase saga's commands (P-5, issue 13), as outbox effects: the saga
 * (sagas/game-store/purchase-saga.ts) enqueues them under deterministic keys, `purchase-effects.ts`
 * and `receipt-effects.ts` perform them. Each payload carries `decidedAt`, the moment the saga
 * decided: the commands are stamped with it, so a retried effect repeats the same command and
 * records nothing twice.
 */

/** A completed payment pays the order (the order decides which payment pays it, once). */
export const CompleteOrderForPayment = effectKind(
  'game-store.complete-order',
  t.type({ orderId: t.string, transactionId: t.string, provider: t.string, providerPaymentId: t.string, paidMinor: t.string, decidedAt: t.string }),
);

/** The order's payment failed, expired or was cancelled: the order is cancelled. */
export const CancelOrderForPayment = effectKind('game-store.cancel-order', t.type({ orderId: t.string, transactionId: t.string, reason: t.string, decidedAt: t.string }));

/** The paid order's games land in the buyer's library (one already owned through another order is refunded). */
export const AddOrderToLibrary = effectKind(
  'game-store.add-to-library',
  t.type({ orderId: t.string, buyerId: t.string, games: t.array(t.type({ productId: t.string, title: t.string, developerId: t.string })), purchasedAt: t.string, decidedAt: t.string }),
);

/** Register the fiscal receipt of the sale (refundId null) or of a refund with the cloud register, and follow it to its fiscal attributes. */
export const FiscalizeReceipt = effectKind('game-store.fiscalize-receipt', t.type({ receiptId: t.string, orderId: t.string, refundId: t.union([t.string, t.null]), decidedAt: t.string }));

/** A sold item credits its developer's ledger with their share. */
export const CreditDeveloperForSale = effectKind(
  'game-store.credit-developer',
  t.type({ orderId: t.string, productId: t.string, developerId: t.string, saleMinor: t.string, currency: t.string, decidedAt: t.string }),
);

/** Every step done: the order's processing is complete (its analytics record). */
export const CompleteOrderProcessing = effectKind('game-store.complete-processing', t.type({ orderId: t.string, decidedAt: t.string }));

/** A requested refund is paid back by the provider (followed until the provider confirms or refuses it). */
export const RefundOrderAtProvider = effectKind('game-store.refund-order', t.type({ orderId: t.string, refundId: t.string, decidedAt: t.string }));

/** A confirmed refund takes its games out of the buyer's library. */
export const RemoveRefundedFromLibrary = effectKind(
  'game-store.remove-from-library',
  t.type({ orderId: t.string, refundId: t.string, buyerId: t.string, productIds: t.array(t.string), decidedAt: t.string }),
);

/** A confirmed refund debits what the item's sale credited. */
export const DebitDeveloperForRefund = effectKind(
  'game-store.debit-developer',
  t.type({ orderId: t.string, refundId: t.string, productId: t.string, developerId: t.string, decidedAt: t.string }),
);

/** A payment that does not pay the order (a second one, or one after the order was cancelled) is returned whole. */
export const RefundStrayPayment = effectKind(
  'game-store.refund-stray-payment',
  t.type({ orderId: t.string, transactionId: t.string, provider: t.string, providerPaymentId: t.string, amountMinor: t.string, reason: t.string, decidedAt: t.string }),
);

/** The ledger entry of an item's sale and of its refund (idempotency keys on the developer's ledger). */
export const saleEntryId = (orderId: string, productId: string): string => `sale:${orderId}:${productId}`;
export const refundEntryId = (orderId: string, refundId: string, productId: string): string => `refund:${orderId}:${refundId}:${productId}`;
