import * as t from 'io-ts';
import { pickEvents } from '../../domain/event-codec.js';
import { DeveloperLedgerEvent } from '../../domain/game-store/developer-ledger.js';
import { FiscalReceiptEvent } from '../../domain/game-store/fiscal-receipt.js';
import { GameOrderEvent } from '../../domain/game-store/game-order.js';
import { LibraryEvent } from '../../domain/game-store/library.js';
import { fromMinorUnits } from '../../domain/money.js';
import { definePublishedStream } from '../published-streams/published-stream.js';

const GameStoreStreamEvents = pickEvents(t.union([GameOrderEvent, LibraryEvent, DeveloperLedgerEvent, FiscalReceiptEvent]), [
  'OrderProcessingCompleted',
  'LibraryGameAdded',
  'DeveloperCredited',
  'DeveloperDebited',
  'FiscalReceiptFiscalized',
  'FiscalReceiptAttemptFailed',
]);

/** `order.processing.completed` v1: every step of a purchase is done (library, receipt, credits). Amounts in major units, two decimals. */
export const OrderProcessingCompletedV1 = t.exact(
  t.type({ order_id: t.string, buyer_id: t.string, total: t.string, refunded: t.string, currency: t.string, product_ids: t.array(t.string), completed_at: t.string }),
  'OrderProcessingCompletedV1',
);

/** `library.game.added` v1: a game landed in a buyer's library. */
export const LibraryGameAddedV1 = t.exact(
  t.type({ buyer_id: t.string, product_id: t.string, order_id: t.string, acquisition: t.string, purchased_at: t.string, added_at: t.string }),
  'LibraryGameAddedV1',
);

/** `developer.balance.updated` v1: a developer's ledger got an entry (a sale's credit or a refund's debit) and its balance after it. */
export const DeveloperBalanceUpdatedV1 = t.exact(
  t.type({
    developer_id: t.string,
    entry_id: t.string,
    kind: t.keyof({ credit: null, debit: null }),
    order_id: t.string,
    product_id: t.string,
    amount: t.string,
    balance: t.string,
    currency: t.string,
    at: t.string,
  }),
  'DeveloperBalanceUpdatedV1',
);

/** `payment.fiscal.receipt.status.updated` v1: a 54-FZ receipt was fiscalized (with its fiscal attributes) or failed for good. No e-mail. */
export const FiscalReceiptStatusUpdatedV1 = t.exact(
  t.type({
    receipt_id: t.string,
    order_id: t.string,
    operation: t.string,
    status: t.keyof({ fiscalized_success: null, fiscalized_failed: null }),
    fiscal_document_number: t.union([t.string, t.null]),
    fiscal_sign: t.union([t.string, t.null]),
    fiscal_drive_number: t.union([t.string, t.null]),
    error: t.union([t.string, t.null]),
    at: t.string,
  }),
  'FiscalReceiptStatusUpdatedV1',
);

const major = (minor: string) => fromMinorUnits(BigInt(minor));

/** A ledger entry (credit or debit) as `developer.balance.updated` v1. */
const balanceUpdated = (
  kind: 'credit' | 'debit',
  data: { readonly developerId: string; readonly entryId: string; readonly orderId: string; readonly productId: string; readonly amountMinor: string; readonly balanceAfterMinor: string; readonly currency: string },
  at: string,
) => ({
  subject: data.developerId,
  data: {
    developer_id: data.developerId,
    entry_id: data.entryId,
    kind,
    order_id: data.orderId,
    product_id: data.productId,
    amount: major(data.amountMinor),
    balance: major(data.balanceAfterMinor),
    currency: data.currency,
    at,
  },
});

/**
 * `game-store.purchases`: what the purchase saga tells other services (analytics, CRM, points):
 * orders fully processed, games added to libraries, developer balances changed, fiscal receipt
 * outcomes. Ids and amounts only — no e-mail, no payment details.
 */
export const gameStoreStream = definePublishedStream({
  name: 'game-store.purchases',
  description: 'purchases processed, games added to libraries, developer balances, fiscal receipt statuses',
  events: GameStoreStreamEvents,
  messages: {
    OrderProcessingCompleted: {
      type: 'order.processing.completed',
      version: 1,
      description: 'Every step of a game purchase is done: in the library, receipt registered, developers credited',
      data: OrderProcessingCompletedV1,
      map: ({ data }) => ({
        subject: data.orderId,
        data: { order_id: data.orderId, buyer_id: data.buyerId, total: major(data.totalMinor), refunded: major(data.refundedMinor), currency: data.currency, product_ids: data.productIds, completed_at: data.completedAt },
      }),
    },
    LibraryGameAdded: {
      type: 'library.game.added',
      version: 1,
      description: 'A game added to a buyer’s library',
      data: LibraryGameAddedV1,
      map: ({ data }) => ({
        subject: data.buyerId,
        data: { buyer_id: data.buyerId, product_id: data.productId, order_id: data.orderId, acquisition: data.acquisition, purchased_at: data.purchasedAt, added_at: data.addedAt },
      }),
    },
    DeveloperCredited: {
      type: 'developer.balance.updated',
      version: 1,
      description: 'A developer credited with their share of a sale',
      data: DeveloperBalanceUpdatedV1,
      map: ({ data }) => balanceUpdated('credit', data, data.creditedAt),
    },
    DeveloperDebited: {
      type: 'developer.balance.updated',
      version: 1,
      description: 'A developer debited for a refunded sale',
      data: DeveloperBalanceUpdatedV1,
      map: ({ data }) => balanceUpdated('debit', data, data.debitedAt),
    },
    FiscalReceiptFiscalized: {
      type: 'payment.fiscal.receipt.status.updated',
      version: 1,
      description: 'A fiscal receipt registered by the cloud register (status fiscalized_success)',
      data: FiscalReceiptStatusUpdatedV1,
      map: ({ data }) => ({
        subject: data.receiptId,
        data: {
          receipt_id: data.receiptId,
          order_id: data.orderId,
          operation: data.operation,
          status: 'fiscalized_success' as const,
          fiscal_document_number: data.fiscalDocumentNumber,
          fiscal_sign: data.fiscalSign,
          fiscal_drive_number: data.fiscalDriveNumber,
          error: null,
          at: data.fiscalizedAt,
        },
      }),
    },
    FiscalReceiptAttemptFailed: {
      type: 'payment.fiscal.receipt.status.updated',
      version: 1,
      description: 'A fiscal receipt the register refused for good (status fiscalized_failed; support retries it)',
      data: FiscalReceiptStatusUpdatedV1,
      map: ({ data }) =>
        data.permanent
          ? {
              subject: data.receiptId,
              data: { receipt_id: data.receiptId, order_id: data.orderId, operation: data.operation, status: 'fiscalized_failed' as const, fiscal_document_number: null, fiscal_sign: null, fiscal_drive_number: null, error: `${data.code}: ${data.text}`, at: data.failedAt },
            }
          : null,
    },
  },
});
