import { mergeContextParts, type ContextFactory } from '../../adapters/app/context-module.js';
import { paymentTransactionQueries } from '../../projections/game-store/payment-transaction-projection.js';
import { catalogAndOrders } from './catalog-and-orders.js';
import type { GameStoreDependencies, GameStorePart } from './game-store-dependencies.js';
import type { OrderPaymentSummary } from './ports/order-payments.js';
import { paymentTransactions } from './payment-transactions.js';
import { libraryAndLedger } from './library-and-ledger.js';
import { purchaseQueries } from '../../projections/game-store/purchase-projection.js';
import type { LibraryDesk } from './purchase-followers.js';
import { purchases } from './purchases.js';

/**
 * The game store (SPEC P-1 … P-6): a catalog of games with regional prices, orders priced
 * from it, payment transactions through YooKassa and T-Bank (or their local sandboxes) with
 * their webhooks, the purchase saga (library, fiscal receipts, developer ledgers, refunds).
 * Each part is its own file; this one only wires them.
 */
export function gameStoreModule(): ContextFactory {
  return async (system) => {
    const transactions = paymentTransactionQueries(system.database.db);
    const summaries = async (orderIds: readonly string[]) => {
      const byOrder = new Map<string, OrderPaymentSummary[]>();
      for (const row of await transactions.ofOrders(orderIds)) {
        const list = byOrder.get(row.order_id) ?? [];
        list.push({ transactionId: row.transaction_id, provider: row.provider, status: row.status, amountMinor: row.amount_minor, currency: row.currency, updatedAt: row.updated_at.toISOString() });
        byOrder.set(row.order_id, list);
      }
      return byOrder;
    };
    // the buyer's library says what they own (a game refunded is not owned any more)
    let library: LibraryDesk | undefined;
    const deps: GameStoreDependencies = {
      system,
      ownership: { ownedAmong: (buyerId, productIds) => library!.ownedAmong(buyerId, productIds) },
      orderPayments: { ofOrder: async (orderId) => (await summaries([orderId])).get(orderId) ?? [], ofOrders: summaries },
      purchaseProgress: purchaseQueries(system.database.db),
    };
    const followers = libraryAndLedger(deps);
    library = followers.library;
    const payments = await paymentTransactions(system);
    const purchase = await purchases({ system, providers: payments.providers, library: followers.library, ledger: followers.ledger });
    const parts: GameStorePart[] = [catalogAndOrders(deps), payments, followers, purchase];
    return {
      name: 'game-store',
      roles: [{ name: 'developer', description: 'puts its own games in the catalog and sets their prices (game store)' }],
      ...mergeContextParts(parts),
    };
  };
}
