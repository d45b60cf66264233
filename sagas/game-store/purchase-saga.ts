import * as t from 'io-ts';
import { notify } from '../../commands/notifications/notifications-effect-kinds.js';
import { derivedUuid } from '../../commands/derived-uuid.js';
import {
  AddOrderToLibrary,
  CancelOrderForPayment,
  CompleteOrderForPayment,
  CompleteOrderProcessing,
  CreditDeveloperForSale,
  DebitDeveloperForRefund,
  FiscalizeReceipt,
  RefundOrderAtProvider,
  RefundStrayPayment,
  RemoveRefundedFromLibrary,
} from '../../commands/game-store/purchase-effect-kinds.js';
import { pickEvents } from '../../domain/event-codec.js';
import { DeveloperLedgerEvent } from '../../domain/game-store/developer-ledger.js';
import { FiscalReceiptEvent } from '../../domain/game-store/fiscal-receipt.js';
import { GameOrderEvent } from '../../domain/game-store/game-order.js';
import { LibraryEvent } from '../../domain/game-store/library.js';
import { PaymentTransactionEvent, streamOfPaymentTransaction } from '../../domain/game-store/payment-transaction.js';
import { fromMinorUnits } from '../../domain/money.js';
import { NotificationEvent } from '../../domain/notifications/inbox.js';
import type { Effect } from '../outbox.js';
import { defineSaga, type SagaReaction } from '../saga.js';

export const PURCHASE = 'game-store-purchase';

/** The receipt of the order's sale (refundId null) or of one of its refunds: the same id whoever asks. */
export const receiptIdOf = (orderId: string, refundId: string | null): string => derivedUuid('fiscal-receipt', orderId, refundId ?? 'sale');
/** Notification ids (the inbox records each once). */
export const confirmationNotificationId = (orderId: string) => `game-store.order-confirmed:${orderId}`;
export const receiptNotificationId = (orderId: string, refundId: string | null) => `game-store.receipt:${orderId}:${refundId ?? 'sale'}`;
export const refundNotificationId = (orderId: string, refundId: string) => `game-store.refund:${orderId}:${refundId}`;
/** The order a notification of the purchase is about (its id says), or null for any other notification. */
export const orderOfNotification = (notificationId: string): string | null => {
  const match = /^game-store\.(?:order-confirmed|receipt|refund):([^:]+)/.exec(notificationId);
  return match ? match[1]! : null;
};

export const PurchaseEvents = pickEvents(t.union([GameOrderEvent, PaymentTransactionEvent, LibraryEvent, DeveloperLedgerEvent, FiscalReceiptEvent, NotificationEvent]), [
  'OrderInitiated',
  'OrderCompleted',
  'OrderCancelled',
  'OrderRefundRequested',
  'OrderRefundConfirmed',
  'OrderRefundFailed',
  'StrayPaymentRefunded',
  'OrderProcessingCompleted',
  'PaymentTransactionInitiated',
  'PaymentTransactionCompleted',
  'PaymentTransactionFailed',
  'PaymentTransactionCancelled',
  'LatePaymentObserved',
  'LibraryGameAdded',
  'LibraryGameRemoved',
  'DeveloperCredited',
  'DeveloperDebited',
  'FiscalReceiptFiscalized',
  'NotificationRecorded',
]);

interface SagaItem {
  readonly productId: string;
  readonly title: string;
  readonly developerId: string;
  readonly lineTotalMinor: string;
}

interface SagaPayment {
  readonly transactionId: string;
  readonly provider: string;
  readonly providerPaymentId: string;
  readonly amountMinor: string;
  /** `completed` on its transaction, or `late`: money that came after the transaction ended (or on a payment it replaced). */
  readonly kind: 'completed' | 'late';
}

interface SagaRefund {
  readonly refundId: string;
  readonly productIds: readonly string[];
  readonly amountMinor: string;
  readonly status: 'requested' | 'confirmed' | 'failed';
  readonly removed: readonly string[];
  readonly debited: readonly string[];
}

interface SagaFiscal {
  readonly fiscalDocumentNumber: string;
  readonly fiscalSign: string;
  readonly fiscalDriveNumber: string;
  readonly registeredAt: string;
  readonly totalMinor: string;
  readonly ofdReceiptUrl: string | null;
}

/** One order's purchase as the saga keeps it: what it saw (no personal data), and the effects it enqueued. */
export interface PurchaseState {
  readonly orderId?: string;
  readonly order?: { readonly buyerId: string; readonly currency: string; readonly totalMinor: string; readonly items: readonly SagaItem[] };
  /** Its payment transactions (linked streams) and their providers. */
  readonly transactions: Readonly<Record<string, string>>;
  readonly payments: readonly SagaPayment[];
  /** Transactions that ended without money (failed, cancelled, expired) and why. */
  readonly endedUnpaid: readonly { readonly transactionId: string; readonly reason: string }[];
  readonly status: 'pending' | 'completed' | 'cancelled';
  readonly paidBy?: string;
  readonly completedAt?: string;
  readonly inLibrary: readonly string[];
  readonly credited: readonly string[];
  /** Fiscal attributes by receipt id, once fiscalized. */
  readonly receipts: Readonly<Record<string, SagaFiscal>>;
  readonly refunds: readonly SagaRefund[];
  readonly strayRefunded: readonly string[];
  /** The buyer's notifications recorded in the inbox (by id). */
  readonly notified: readonly string[];
  readonly processed: boolean;
  readonly emitted: readonly string[];
}

export const initialPurchaseState: PurchaseState = {
  transactions: {},
  payments: [],
  endedUnpaid: [],
  status: 'pending',
  inLibrary: [],
  credited: [],
  receipts: {},
  refunds: [],
  strayRefunded: [],
  notified: [],
  processed: false,
  emitted: [],
};

type PurchaseEvent = t.TypeOf<typeof PurchaseEvents>;

/** The state after one event (only what the saga needs to decide). */
function fold(before: PurchaseState, event: PurchaseEvent, streamName: string): { readonly state: PurchaseState; readonly links: readonly string[] } {
  const carried = event.type === 'NotificationRecorded' ? orderOfNotification(event.data.notificationId) : (event.data as { orderId?: unknown }).orderId;
  const state = before.orderId === undefined && typeof carried === 'string' ? { ...before, orderId: carried } : before;
  const same = { state, links: [] as string[] };
  const withRefund = (refundId: string, change: (r: SagaRefund) => SagaRefund) => state.refunds.map((r) => (r.refundId === refundId ? change(r) : r));
  const add = (list: readonly string[], value: string) => (list.includes(value) ? list : [...list, value]);
  switch (event.type) {
    case 'OrderInitiated': {
      const d = event.data;
      const items = d.items.map((line) => ({ productId: line.productId, title: line.title, developerId: line.developerId, lineTotalMinor: line.lineTotalMinor }));
      return { state: { ...state, order: { buyerId: d.buyerId, currency: d.currency, totalMinor: d.totalMinor, items } }, links: [] };
    }
    case 'OrderCompleted':
      return { state: { ...state, status: 'completed', paidBy: event.data.transactionId, completedAt: event.data.completedAt }, links: [] };
    case 'OrderCancelled':
      return { state: { ...state, status: 'cancelled' }, links: [] };
    case 'OrderRefundRequested': {
      if (state.refunds.some((r) => r.refundId === event.data.refundId)) return same;
      const refund: SagaRefund = { refundId: event.data.refundId, productIds: event.data.productIds, amountMinor: event.data.amountMinor, status: 'requested', removed: [], debited: [] };
      return { state: { ...state, refunds: [...state.refunds, refund] }, links: [] };
    }
    case 'OrderRefundConfirmed':
      return { state: { ...state, refunds: withRefund(event.data.refundId, (r) => ({ ...r, status: 'confirmed' })) }, links: [] };
    case 'OrderRefundFailed':
      return { state: { ...state, refunds: withRefund(event.data.refundId, (r) => ({ ...r, status: 'failed' })) }, links: [] };
    case 'StrayPaymentRefunded':
      return { state: { ...state, strayRefunded: add(state.strayRefunded, event.data.providerPaymentId) }, links: [] };
    case 'OrderProcessingCompleted':
      return { state: { ...state, processed: true }, links: [] };
    case 'PaymentTransactionInitiated':
      return { state: { ...state, transactions: { ...state.transactions, [event.data.transactionId]: event.data.provider } }, links: [streamOfPaymentTransaction(event.data.transactionId)] };
    case 'PaymentTransactionCompleted':
    case 'LatePaymentObserved': {
      const transactionId = streamName.slice('PaymentTransaction-'.length);
      const provider = state.transactions[transactionId];
      if (provider === undefined || state.payments.some((p) => p.providerPaymentId === event.data.providerPaymentId)) return same;
      const payment: SagaPayment = {
        transactionId,
        provider,
        providerPaymentId: event.data.providerPaymentId,
        amountMinor: event.data.amountMinor,
        kind: event.type === 'PaymentTransactionCompleted' ? 'completed' : 'late',
      };
      return { state: { ...state, payments: [...state.payments, payment] }, links: [] };
    }
    case 'PaymentTransactionFailed':
    case 'PaymentTransactionCancelled': {
      const transactionId = streamName.slice('PaymentTransaction-'.length);
      if (state.transactions[transactionId] === undefined) return same;
      // the buyer stopping one attempt (to pay another way) leaves the order open; a declined, failed or expired payment cancels it
      if (event.type === 'PaymentTransactionCancelled' && (event.data.by !== null || event.data.source === 'cancel' || event.data.source === 'buyer')) return same;
      return { state: { ...state, endedUnpaid: [...state.endedUnpaid, { transactionId, reason: event.type === 'PaymentTransactionFailed' ? `payment_${event.data.reason === 'expired' ? 'expired' : 'failed'}` : 'payment_cancelled' }] }, links: [] };
    }
    case 'LibraryGameAdded':
      return { state: { ...state, inLibrary: add(state.inLibrary, event.data.productId) }, links: [] };
    case 'LibraryGameRemoved':
      return { state: { ...state, refunds: withRefund(event.data.refundId, (r) => ({ ...r, removed: add(r.removed, event.data.productId) })) }, links: [] };
    case 'DeveloperCredited':
      return { state: { ...state, credited: add(state.credited, event.data.productId) }, links: [] };
    case 'DeveloperDebited':
      return { state: { ...state, refunds: withRefund(event.data.refundId, (r) => ({ ...r, debited: add(r.debited, event.data.productId) })) }, links: [] };
    case 'NotificationRecorded':
      return { state: { ...state, notified: add(state.notified, event.data.notificationId) }, links: [] };
    case 'FiscalReceiptFiscalized': {
      const d = event.data;
      const fiscal: SagaFiscal = { fiscalDocumentNumber: d.fiscalDocumentNumber, fiscalSign: d.fiscalSign, fiscalDriveNumber: d.fiscalDriveNumber, registeredAt: d.registeredAt, totalMinor: d.totalMinor, ofdReceiptUrl: d.ofdReceiptUrl };
      return { state: { ...state, receipts: { ...state.receipts, [d.receiptId]: fiscal } }, links: [] };
    }
  }
}

const titles = (items: readonly SagaItem[], productIds?: readonly string[]) =>
  items
    .filter((item) => productIds === undefined || productIds.includes(item.productId))
    .map((item) => item.title)
    .join(', ');

/** Every effect the order's state calls for now (those enqueued before are filtered out by key). */
function wanted(orderId: string, state: PurchaseState, decidedAt: string): Effect[] {
  const order = state.order;
  if (!order) return [];
  const effects: Effect[] = [];
  const correlation = { correlationId: `order:${orderId}` };
  const money = (minor: string) => fromMinorUnits(BigInt(minor));

  // payments that do not pay the order go back whole: a second one, or any after it was cancelled
  const stray = state.payments.filter((p) => (state.status === 'completed' && p.transactionId !== state.paidBy) || state.status === 'cancelled' || p.kind === 'late');
  for (const p of stray) {
    const reason = p.kind === 'late' ? 'late_payment' : state.status === 'cancelled' ? 'order_cancelled' : 'second_payment';
    effects.push(
      RefundStrayPayment.effect(
        `purchase-stray:${orderId}:${p.providerPaymentId}`,
        { orderId, transactionId: p.transactionId, provider: p.provider, providerPaymentId: p.providerPaymentId, amountMinor: p.amountMinor, reason, decidedAt },
        correlation,
      ),
    );
  }

  if (state.status === 'pending') {
    const completed = state.payments.filter((p) => p.kind === 'completed');
    for (const p of completed) {
      effects.push(
        CompleteOrderForPayment.effect(
          `purchase-complete:${orderId}:${p.transactionId}`,
          { orderId, transactionId: p.transactionId, provider: p.provider, providerPaymentId: p.providerPaymentId, paidMinor: p.amountMinor, decidedAt },
          correlation,
        ),
      );
    }
    // no money came: the order is cancelled (a payment that still arrives is refunded)
    if (completed.length === 0) {
      for (const ended of state.endedUnpaid.slice(0, 1)) {
        effects.push(CancelOrderForPayment.effect(`purchase-cancel:${orderId}`, { orderId, transactionId: ended.transactionId, reason: ended.reason, decidedAt }, correlation));
      }
    }
    return effects;
  }
  if (state.status !== 'completed') return effects;

  const completedAt = state.completedAt ?? decidedAt;
  effects.push(AddOrderToLibrary.effect(`purchase-library:${orderId}`, { orderId, buyerId: order.buyerId, games: order.items.map(({ lineTotalMinor: _l, ...game }) => game), purchasedAt: completedAt, decidedAt }, correlation));

  const refundingNow = new Set(state.refunds.filter((r) => r.status !== 'failed').flatMap((r) => r.productIds));
  // in the library, or refunded instead (owned already through another order)
  const libraryDone = order.items.every((item) => state.inLibrary.includes(item.productId) || refundingNow.has(item.productId));
  const saleReceiptId = receiptIdOf(orderId, null);
  const saleReceipt = state.receipts[saleReceiptId];
  if (libraryDone) {
    const shown = order.items.filter((item) => state.inLibrary.includes(item.productId));
    if (shown.length > 0) {
      effects.push(
        notify(confirmationNotificationId(orderId), order.buyerId, 'game-store.order_confirmed', { orderId, games: titles(shown), total: money(order.totalMinor), currency: order.currency }, correlation),
      );
    }
    effects.push(FiscalizeReceipt.effect(`purchase-receipt:${saleReceiptId}`, { receiptId: saleReceiptId, orderId, refundId: null, decidedAt }, correlation));
    for (const item of order.items) {
      effects.push(
        CreditDeveloperForSale.effect(
          `purchase-credit:${orderId}:${item.productId}`,
          { orderId, productId: item.productId, developerId: item.developerId, saleMinor: item.lineTotalMinor, currency: order.currency, decidedAt },
          correlation,
        ),
      );
    }
  }
  if (saleReceipt) effects.push(receiptNotification(orderId, order, null, saleReceipt, 'sell', correlation));

  const allCredited = order.items.every((item) => state.credited.includes(item.productId));
  const told = state.notified.includes(receiptNotificationId(orderId, null)) && (state.notified.includes(confirmationNotificationId(orderId)) || !order.items.some((i) => state.inLibrary.includes(i.productId)));
  if (libraryDone && saleReceipt && allCredited && told && !state.processed) {
    effects.push(CompleteOrderProcessing.effect(`purchase-processed:${orderId}`, { orderId, decidedAt }, correlation));
  }

  for (const refund of state.refunds) {
    if (refund.status === 'failed') continue;
    effects.push(RefundOrderAtProvider.effect(`purchase-refund:${orderId}:${refund.refundId}`, { orderId, refundId: refund.refundId, decidedAt }, correlation));
    if (refund.status !== 'confirmed') continue;
    // reversed only once what they reverse is done: the game added, the sale credited, the sale's receipt registered
    if (libraryDone) {
      effects.push(
        RemoveRefundedFromLibrary.effect(`purchase-unlibrary:${orderId}:${refund.refundId}`, { orderId, refundId: refund.refundId, buyerId: order.buyerId, productIds: [...refund.productIds], decidedAt }, correlation),
      );
    }
    for (const productId of refund.productIds) {
      const item = order.items.find((i) => i.productId === productId);
      if (!item || !state.credited.includes(productId)) continue;
      effects.push(DebitDeveloperForRefund.effect(`purchase-debit:${orderId}:${refund.refundId}:${productId}`, { orderId, refundId: refund.refundId, productId, developerId: item.developerId, decidedAt }, correlation));
    }
    const refundReceiptId = receiptIdOf(orderId, refund.refundId);
    if (saleReceipt) effects.push(FiscalizeReceipt.effect(`purchase-receipt:${refundReceiptId}`, { receiptId: refundReceiptId, orderId, refundId: refund.refundId, decidedAt }, correlation));
    const refundReceipt = state.receipts[refundReceiptId];
    if (refundReceipt) effects.push(receiptNotification(orderId, order, refund.refundId, refundReceipt, 'sell_refund', correlation));
    const reversed = refund.productIds.every((p) => !state.inLibrary.includes(p) || refund.removed.includes(p)) && refund.productIds.every((p) => !state.credited.includes(p) || refund.debited.includes(p));
    if (reversed && refundReceipt) {
      effects.push(
        notify(refundNotificationId(orderId, refund.refundId), order.buyerId, 'game-store.refund_completed', { orderId, games: titles(order.items, refund.productIds), total: money(refund.amountMinor), currency: order.currency }, correlation),
      );
    }
  }
  return effects;
}

function receiptNotification(orderId: string, order: NonNullable<PurchaseState['order']>, refundId: string | null, fiscal: SagaFiscal, operation: 'sell' | 'sell_refund', options: { correlationId: string }): Effect {
  return notify(
    receiptNotificationId(orderId, refundId),
    order.buyerId,
    'game-store.receipt_registered',
    {
      orderId,
      operation,
      total: fromMinorUnits(BigInt(fiscal.totalMinor)),
      currency: order.currency,
      fiscalDocumentNumber: fiscal.fiscalDocumentNumber,
      fiscalSign: fiscal.fiscalSign,
      fiscalDriveNumber: fiscal.fiscalDriveNumber,
      registeredAt: fiscal.registeredAt,
      receiptUrl: fiscal.ofdReceiptUrl ?? '',
    },
    options,
  );
}

/**
 * P-5, the purchase saga: one flow per order. It follows the order, its payment transactions
 * (linked to the flow when initiated), the buyer's library, the developers' ledgers and the
 * fiscal receipts, and after every event works out which steps the order now calls for —
 * payment completed → order completed → games in the library → (side by side) confirmation,
 * the sale's fiscal receipt, the developers' credits → the receipt's notification → processing
 * completed; payment failed or expired → order cancelled; a refund requested → paid back by
 * the provider → games out of the library, developers debited, a refund receipt → the buyer
 * told. Each step is an outbox effect under a deterministic key, enqueued once (the keys it
 * enqueued are kept), performed at least once by idempotent handlers: a worker killed anywhere
 * repeats a step, never doubles it.
 */
export function purchaseSaga() {
  return defineSaga({
    name: PURCHASE,
    events: PurchaseEvents,
    linksStreams: true,
    initialState: initialPurchaseState,
    flowId: (event) => {
      switch (event.type) {
        case 'PaymentTransactionCompleted':
        case 'PaymentTransactionFailed':
        case 'PaymentTransactionCancelled':
        case 'LatePaymentObserved':
          return null; // the transaction's stream is linked to the order's flow
        case 'NotificationRecorded':
          return orderOfNotification(event.data.notificationId);
        default:
          return event.data.orderId;
      }
    },
    react(state, event, now): SagaReaction<PurchaseState> {
      const { state: next, links } = fold({ ...initialPurchaseState, ...state }, event, event.streamName);
      const effects = next.orderId === undefined ? [] : wanted(next.orderId, next, now.toISOString()).filter((effect) => !next.emitted.includes(effect.idempotencyKey));
      return {
        state: effects.length === 0 ? next : { ...next, emitted: [...next.emitted, ...effects.map((e) => e.idempotencyKey)] },
        ...(effects.length ? { effects } : {}),
        ...(links.length ? { linkStreams: links } : {}),
      };
    },
  });
}
