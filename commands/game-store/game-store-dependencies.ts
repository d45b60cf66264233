import type { ContextPart, SystemDependencies } from '../../adapters/app/context-module.js';
import type { GameOwnership } from './ports/game-ownership.js';
import type { OrderPayments } from './ports/order-payments.js';
import type { PurchaseQueries } from '../../projections/game-store/purchase-projection.js';

/** What every part of the game store is built from (one set per process). */
export interface GameStoreDependencies {
  readonly system: SystemDependencies;
  /** Which products a buyer already owns (the buyer's library). */
  readonly ownership: GameOwnership;
  /** The payment transactions of an order, for the order queries. */
  readonly orderPayments: OrderPayments;
  /** The purchase saga's progress and refunds of an order, for the order detail (absent in specs that build the catalog alone). */
  readonly purchaseProgress?: Pick<PurchaseQueries, 'progressOf' | 'refundsOf'>;
}

/** A part of the context (catalog and orders, payments …): merged into the one ContextModule. */
export type GameStorePart = ContextPart;
