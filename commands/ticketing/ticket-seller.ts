import { left, right, type Either } from 'fp-ts/Either';
import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import {
  findSale,
  soldOutForGood,
  streamOfInventory,
  ticketInventoryDecider,
  type SellTickets,
  type TicketInventoryEvent,
  type TicketInventoryState,
  type TicketsSold,
} from '../../domain/ticketing/ticket-inventory.js';
import { handleCommand, ConcurrencyExhausted } from '../command-handler.js';
import { HotStreamDecisions } from '../hot-stream-decisions.js';

export interface SaleRequest {
  readonly command: SellTickets;
  readonly correlationId?: string;
  readonly actor?: string;
}

export interface SaleOutcome {
  readonly sale: TicketsSold['data'];
  /** Where the sale is in `$all`; null when it had been made before (a retried purchase). */
  readonly position: Position | null;
}

/** Sells seats of a ticket type: the one place "never oversold" is decided (T-3). */
export interface TicketSeller {
  sell(request: SaleRequest): Promise<Either<DomainError, SaleOutcome>>;
}

/** 429 with `Retry-After: 1`: the inventory stayed contended; the purchase did not happen and may be retried. */
const busy = (): DomainError => Object.assign(domainError('rate_limited', 'tickets.busy', 'too many concurrent purchases of this ticket type; retry in a moment'), { retryAfterSeconds: 1 });

/**
 * The naive design, kept as the benchmark's baseline: every purchase loads the whole inventory
 * stream, decides, and appends with the expected revision, retrying on conflict. Correct, but
 * in a rush most attempts lose the race and reload a growing stream.
 */
export class OptimisticTicketSeller implements TicketSeller {
  constructor(
    private readonly store: EventStore,
    private readonly maxRetries = 20,
  ) {}

  async sell({ command, correlationId, actor }: SaleRequest): Promise<Either<DomainError, SaleOutcome>> {
    const stream = streamOfInventory(command.ticketType.ticketTypeId);
    try {
      const outcome = await handleCommand(this.store, ticketInventoryDecider, stream, command, { commandId: `sale:${command.saleId}`, now: command.now, ...(correlationId ? { correlationId } : {}), ...(actor ? { actor } : {}) }, { maxRetries: this.maxRetries });
      if (outcome._tag === 'Left') return outcome;
      const sale = outcome.right.events[0]?.data ?? findSale(outcome.right.state, command.saleId);
      return sale ? right({ sale, position: outcome.right.replayed ? null : outcome.right.position }) : left(busy());
    } catch (error) {
      if (error instanceof ConcurrencyExhausted) return left(busy());
      throw error;
    }
  }
}

export interface BatchingOptions {
  /** Most purchases decided and appended together. */
  readonly maxBatch?: number;
  /** Conflicts with other processes a batch survives before its buyers get a 429 "busy". */
  readonly maxConflicts?: number;
}

/**
 * Our design for the on-sale rush (T-3; measured in `npm run bench -- onsale`): purchases of one
 * ticket type queue in this process, and whatever queued while the previous append was in
 * flight is decided together against the cached inventory and written as one append with the
 * expected revision. One round trip sells a whole batch; the cached state means the stream is
 * read only from where this process left it. Other processes (API instances) do the same: the
 * expected revision still makes the database the single arbiter, and a conflict only costs a
 * catch-up read of the events the other process appended. The algorithm is HotStreamDecisions
 * (commands/hot-stream-decisions.ts) over the inventory decider; this class only turns its
 * outcome into a sale.
 */
export class BatchingTicketSeller implements TicketSeller {
  private readonly decisions: HotStreamDecisions<SellTickets, TicketInventoryEvent, TicketInventoryState>;

  constructor(store: EventStore, options: BatchingOptions = {}) {
    this.decisions = new HotStreamDecisions(store, ticketInventoryDecider, {
      commandIdOf: (command) => `sale:${command.saleId}`,
      nowOf: (command) => command.now,
      busy,
      refusedForGood: soldOutForGood,
      ...options,
    });
  }

  async sell({ command, correlationId, actor }: SaleRequest): Promise<Either<DomainError, SaleOutcome>> {
    const outcome = await this.decisions.decide({ stream: streamOfInventory(command.ticketType.ticketTypeId), command, correlationId, actor });
    if (outcome._tag === 'Left') return outcome;
    const sold = outcome.right.events.find((event): event is TicketsSold => event.type === 'TicketsSold');
    if (sold) return right({ sale: sold.data, position: outcome.right.position });
    // no new event: this sale had been made before (a retried purchase)
    const earlier = findSale(outcome.right.state, command.saleId);
    return earlier ? right({ sale: earlier, position: null }) : left(busy());
  }
}
