import { left, right } from 'fp-ts/Either';
import type { SystemDependencies } from '../../adapters/app/context-module.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { libraryDecider, purchaseOutcome, refundOutcome, streamOfLibrary, type LibraryCommand } from '../../domain/game-store/library.js';
import { libraryQueries } from '../../projections/game-store/library-projection.js';
import { ConcurrencyExhausted, handleCommand } from '../command-handler.js';
import { derivedUuid } from '../derived-uuid.js';
import type { LibraryDesk } from './purchase-followers.js';

/** Attempts after a concurrent write on one library (the saga's steps of two orders of one buyer at once) before answering busy. */
const LIBRARY_RETRIES = 20;

const busy = (): DomainError => domainError('rate_limited', 'library.busy', 'the library is being changed by many at once; retry');

/**
 * The buyer's library as the purchase saga's effects change it: load the buyer's stream, decide,
 * append with the expected revision (retried on a concurrent write). Every call is idempotent by
 * its ids (the decider's rules), and its command id derives from them too, so the events of a
 * retried call get the ids of the first. The answers are read from the library after the call:
 * a retry answers what the first call did (`added` lists the games this order put in the
 * library, now or before). `ownedAmong` reads the read model (the order initiation's check).
 */
export function libraryDesk(system: Pick<SystemDependencies, 'store' | 'database'>): LibraryDesk {
  const queries = libraryQueries(system.database.db);
  async function decide(buyerId: string, command: LibraryCommand, commandId: string, correlationId: string, now: Date) {
    try {
      return await handleCommand(system.store, libraryDecider, streamOfLibrary(buyerId), command, { commandId, correlationId, actor: 'system:purchase-saga', now }, { maxRetries: LIBRARY_RETRIES });
    } catch (error) {
      if (error instanceof ConcurrencyExhausted) return left(busy());
      throw error;
    }
  }
  return {
    async addPurchasedGames(input) {
      const productIds = input.games.map((g) => g.productId);
      const commandId = `library-add:${derivedUuid(input.orderId, ...[...productIds].sort())}`;
      const outcome = await decide(
        input.buyerId,
        { type: 'AddPurchasedGames', buyerId: input.buyerId, orderId: input.orderId, games: input.games, purchasedAt: input.purchasedAt, now: input.now },
        commandId,
        input.correlationId,
        input.now,
      );
      if (outcome._tag === 'Left') return outcome;
      return right({ ...purchaseOutcome(outcome.right.state, input.orderId, productIds), position: outcome.right.position ?? undefined });
    },
    async removeRefundedGames(input) {
      const commandId = `library-remove:${derivedUuid(input.refundId, input.orderId, ...[...input.productIds].sort())}`;
      const outcome = await decide(
        input.buyerId,
        { type: 'RemoveRefundedGames', buyerId: input.buyerId, orderId: input.orderId, refundId: input.refundId, productIds: input.productIds, now: input.now },
        commandId,
        input.correlationId,
        input.now,
      );
      if (outcome._tag === 'Left') return outcome;
      return right({ removed: refundOutcome(outcome.right.state, input.refundId, input.productIds) });
    },
    ownedAmong: (buyerId, productIds) => queries.ownedAmong(buyerId, productIds),
  };
}
