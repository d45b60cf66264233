/**
 * The streams that follow an order through the purchase saga (issue 13), as the saga's effects
 * call them. Each is an aggregate of its own (Library-<buyer>, DeveloperLedger-<developer>)
 * with its own invariant; every call is idempotent by the ids it is given, so an effect retried
 * after a crash records nothing twice.
 *
 * Implemented by library-commands.ts and developer-ledger-commands.ts.
 */
import type { Either } from 'fp-ts/Either';
import type { DomainError } from '../../domain/decider.js';
import type { Position } from '../../adapters/eventstore/event-store.js';

export interface LibraryGameToAdd {
  readonly productId: string;
  readonly title: string;
  readonly developerId: string;
}

export interface LibraryDesk {
  /**
   * The order's games land in the buyer's library (`LibraryGameAdded`, acquisition `purchase`).
   * A game this order added already: nothing new. A game the buyer owns through another order:
   * not added, listed in `alreadyOwned` (the caller refunds it).
   */
  addPurchasedGames(input: {
    readonly buyerId: string;
    readonly orderId: string;
    readonly games: readonly LibraryGameToAdd[];
    readonly purchasedAt: Date;
    readonly now: Date;
    readonly correlationId: string;
  }): Promise<Either<DomainError, { readonly added: readonly string[]; readonly alreadyOwned: readonly string[]; readonly position: Position | undefined }>>;
  /** A refunded game leaves the library (`LibraryGameRemoved`); one this refund removed already, or not there through this order: nothing. */
  removeRefundedGames(input: {
    readonly buyerId: string;
    readonly orderId: string;
    readonly refundId: string;
    readonly productIds: readonly string[];
    readonly now: Date;
    readonly correlationId: string;
  }): Promise<Either<DomainError, { readonly removed: readonly string[] }>>;
  /** Which of these products the buyer has in the library now (the order initiation refuses them). */
  ownedAmong(buyerId: string, productIds: readonly string[]): Promise<readonly string[]>;
}

export interface DeveloperLedgerDesk {
  /**
   * A sold item credits its developer with their share (the product's revenue share, or the
   * default DEVELOPER_REVENUE_SHARE_PERCENT): amount = floor(saleMinor × share). `entryId` makes
   * it idempotent: the same entry twice is one credit.
   */
  creditSale(input: {
    readonly developerId: string;
    readonly entryId: string;
    readonly orderId: string;
    readonly productId: string;
    readonly saleMinor: bigint;
    readonly currency: string;
    readonly now: Date;
    readonly correlationId: string;
  }): Promise<Either<DomainError, { readonly amountMinor: bigint; readonly balanceAfterMinor: bigint }>>;
  /**
   * A refunded item debits exactly what its sale credited (found by orderId + productId on the
   * ledger); the same entry twice is one debit; an item never credited is refused (`not_found`).
   */
  debitRefund(input: {
    readonly developerId: string;
    readonly entryId: string;
    readonly orderId: string;
    readonly refundId: string;
    readonly productId: string;
    readonly now: Date;
    readonly correlationId: string;
  }): Promise<Either<DomainError, { readonly amountMinor: bigint; readonly balanceAfterMinor: bigint }>>;
}
