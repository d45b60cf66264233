import { left, right, type Either } from 'fp-ts/Either';
import { WrongExpectedVersion, type EventStore, type Position } from '../../adapters/eventstore/event-store.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import {
  findSale,
  streamOfInventory,
  ticketInventoryDecider,
  type SellTickets,
  type TicketInventoryState,
  type TicketsSold,
} from '../../domain/ticketing/ticket-inventory.js';
import { decodeEvent } from '../../domain/event-decoding.js';
import { handleCommand, ConcurrencyExhausted } from '../command-handler.js';
import { eventsToAppend } from '../event-metadata.js';

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

interface Waiting {
  readonly request: SaleRequest;
  resolve(outcome: Either<DomainError, SaleOutcome>): void;
  reject(error: unknown): void;
}

interface Lane {
  readonly stream: string;
  readonly queue: Waiting[];
  running: boolean;
  /** The inventory as this process last saw it; other processes' sales arrive on conflict. */
  known?: { state: TicketInventoryState; revision: bigint };
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
 * catch-up read of the events the other process appended.
 */
export class BatchingTicketSeller implements TicketSeller {
  private readonly lanes = new Map<string, Lane>();
  private readonly maxBatch: number;
  private readonly maxConflicts: number;

  constructor(
    private readonly store: EventStore,
    options: BatchingOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxConflicts = options.maxConflicts ?? 100;
  }

  sell(request: SaleRequest): Promise<Either<DomainError, SaleOutcome>> {
    const stream = streamOfInventory(request.command.ticketType.ticketTypeId);
    let lane = this.lanes.get(stream);
    if (!lane) {
      lane = { stream, queue: [], running: false };
      this.lanes.set(stream, lane);
    }
    const waiting = new Promise<Either<DomainError, SaleOutcome>>((resolve, reject) => lane.queue.push({ request, resolve, reject }));
    if (!lane.running) void this.drain(lane);
    return waiting;
  }

  private async drain(lane: Lane): Promise<void> {
    lane.running = true;
    try {
      while (lane.queue.length > 0) {
        const batch = lane.queue.splice(0, this.maxBatch);
        try {
          await this.settle(lane, batch);
        } catch (error) {
          lane.known = undefined;
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      lane.running = false;
      if (this.lanes.size > 10_000) this.lanes.delete(lane.stream);
    }
  }

  private async settle(lane: Lane, batch: readonly Waiting[]): Promise<void> {
    for (let conflicts = 0; ; conflicts++) {
      const known = await this.catchUp(lane);
      let state = known.state;
      const decided: { waiting: Waiting; sale: TicketsSold }[] = [];
      const answers: { waiting: Waiting; answer: Either<DomainError, SaleOutcome> }[] = [];
      for (const waiting of batch) {
        const { command } = waiting.request;
        const decision = ticketInventoryDecider.decide(command, state);
        if (decision._tag === 'Left') {
          answers.push({ waiting, answer: decision });
          continue;
        }
        const [sale] = decision.right;
        if (!sale) {
          const earlier = findSale(state, command.saleId);
          answers.push({ waiting, answer: earlier ? right({ sale: earlier, position: null }) : left(busy()) });
          continue;
        }
        state = ticketInventoryDecider.evolve(state, sale);
        decided.push({ waiting, sale });
      }
      if (decided.length > 0) {
        try {
          const appended = await this.store.append(
            lane.stream,
            decided.flatMap(({ waiting, sale }) =>
              eventsToAppend(ticketInventoryDecider.events, lane.stream, [sale], {
                now: new Date(sale.data.soldAt),
                commandId: `sale:${sale.data.saleId}`,
                correlationId: waiting.request.correlationId,
                actor: waiting.request.actor,
              }),
            ),
            known.revision === -1n ? 'no_stream' : known.revision,
          );
          lane.known = { state, revision: appended.nextRevision };
          for (const { waiting, sale } of decided) answers.push({ waiting, answer: right({ sale: sale.data, position: appended.position }) });
        } catch (error) {
          if (!(error instanceof WrongExpectedVersion)) throw error;
          if (conflicts >= this.maxConflicts) {
            for (const waiting of batch) waiting.resolve(left(busy()));
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * 2 ** conflicts)));
          continue;
        }
      }
      for (const { waiting, answer } of answers) waiting.resolve(answer);
      return;
    }
  }

  /** The inventory up to its latest event: the cached state plus whatever others appended since. */
  private async catchUp(lane: Lane): Promise<{ state: TicketInventoryState; revision: bigint }> {
    const known = lane.known ?? { state: ticketInventoryDecider.initialState, revision: -1n };
    const newer = await this.store.readStream(lane.stream, { fromRevision: known.revision + 1n });
    if (newer.length === 0) return known;
    let state = known.state;
    for (const recorded of newer) state = ticketInventoryDecider.evolve(state, decodeEvent(ticketInventoryDecider.events, recorded));
    lane.known = { state, revision: newer[newer.length - 1]!.revision };
    return lane.known;
  }
}
