import { randomUUID } from 'node:crypto';
import { left, right, type Either } from 'fp-ts/Either';
import type { SystemDependencies } from '../../adapters/app/context-module.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import {
  developerLedgerDecider,
  entryFigures,
  entryOf,
  streamOfDeveloperLedger,
  type DeveloperLedgerCommand,
  type DeveloperLedgerEvent,
  type DeveloperLedgerState,
} from '../../domain/game-store/developer-ledger.js';
import { productDecider, streamOfProduct } from '../../domain/game-store/product.js';
import { HotStreamDecisions } from '../hot-stream-decisions.js';
import { loadAggregate } from '../load-aggregate.js';
import type { DeveloperLedgerDesk } from './purchase-followers.js';

/** Per process: with a sequence, makes every decision's command id unique (see below). */
const processTag = randomUUID().slice(0, 8);
let sequence = 0;

export const ledgerBusy = (): DomainError => domainError('rate_limited', 'ledger.busy', 'the developer’s ledger is being written by many at once; retry');

export interface DeveloperLedgerOptions {
  /** The share of games without one of their own (DEVELOPER_REVENUE_SHARE_PERCENT), in basis points. */
  readonly defaultShareBasisPoints: number;
}

/**
 * The developers' ledgers as the purchase saga's effects write them. A popular developer's
 * ledger is a hot stream — every sale of every one of its games credits it, many at once — so
 * its decisions go through HotStreamDecisions (as a ticket type's inventory does): the credits
 * and debits queued on one ledger in this process are decided in order against the cached
 * ledger and written as one append with the expected revision; another process's append costs
 * a catch-up read and a new decision, never a lost or doubled entry. A plain load-decide-append
 * per credit (handleCommand) loses most races at 40 at once and reloads the whole ledger each
 * time (see the concurrency spec's note).
 *
 * The share: the product's own (ProductRevenueShareSet, read from its stream — authoritative,
 * no read-model lag) or the default; amount = floor(sale × bps / 10000), in the decider.
 * Idempotency is the decider's (entry ids: a retried entry is decided as nothing new), so the
 * events' command ids only need to be unique per decision — and must be: with ids derived from
 * the entry, two instances deciding one entry at once append events with the same ids, the
 * store answers the second append as an idempotent re-append of the first, and that instance
 * would cache its own (stale) decision as the ledger — a later balanceAfterMinor off by what it
 * missed (seen in the concurrency spec on the server).
 */
export function developerLedgerDesk(system: Pick<SystemDependencies, 'store'>, options: DeveloperLedgerOptions): DeveloperLedgerDesk & { current(developerId: string): Promise<DeveloperLedgerState> } {
  const runner = new HotStreamDecisions<DeveloperLedgerCommand, DeveloperLedgerEvent, DeveloperLedgerState>(system.store, developerLedgerDecider, {
    commandIdOf: (command) => `developer-ledger:${command.entryId}:${processTag}:${++sequence}`,
    nowOf: (command) => command.now,
    busy: ledgerBusy,
    // a cached ledger holds every entry of its developer: keep the busy ones, not every developer who ever sold
    maxLanes: 1_000,
  });

  async function record(command: DeveloperLedgerCommand, correlationId: string): Promise<Either<DomainError, { readonly amountMinor: bigint; readonly balanceAfterMinor: bigint }>> {
    const outcome = await runner.decide({ stream: streamOfDeveloperLedger(command.developerId), command, correlationId, actor: 'system:purchase-saga' });
    if (outcome._tag === 'Left') return outcome;
    const entry = entryOf(outcome.right.state, command.entryId);
    if (!entry) return left(domainError('conflict', 'ledger.not_recorded', `entry ${command.entryId} was not recorded`));
    return right(entryFigures(entry));
  }

  async function shareOf(productId: string): Promise<number> {
    const product = (await loadAggregate(system.store, productDecider, streamOfProduct(productId))).state;
    return product.status !== 'none' && product.revenueShareBasisPoints !== null ? product.revenueShareBasisPoints : options.defaultShareBasisPoints;
  }

  return {
    async creditSale(input) {
      return record(
        {
          type: 'CreditSale',
          developerId: input.developerId,
          entryId: input.entryId,
          orderId: input.orderId,
          productId: input.productId,
          saleMinor: input.saleMinor,
          shareBasisPoints: await shareOf(input.productId),
          currency: input.currency,
          now: input.now,
        },
        input.correlationId,
      );
    },
    async debitRefund(input) {
      return record(
        { type: 'DebitRefund', developerId: input.developerId, entryId: input.entryId, orderId: input.orderId, refundId: input.refundId, productId: input.productId, now: input.now },
        input.correlationId,
      );
    },
    current: (developerId) => runner.current(streamOfDeveloperLedger(developerId)),
  };
}
