import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { gatheringDecider, streamOfGathering, type GatheringState } from '../../domain/ticketing/gathering.js';
import { loadAggregate } from '../load-aggregate.js';

/**
 * The published gatherings a purchase checks, served from memory (issue 16): reading the
 * gathering's stream for every purchase of a rush is one statement per sale for an answer that
 * almost never changes. What a purchase needs of it — published, not cancelled, the ticket type
 * and its price — changes only by a command on the gathering:
 * - commands this process runs forget the entry at once (`forget`), so here a purchase after a
 *   cancellation is refused as before;
 * - another process's command is seen within `freshForMs` (the entry is read again after that).
 *   A sale that slips into that window after a cancellation is one that raced it: the
 *   gathering's follow-up saga voids its tickets and tells the buyer (T-7), as it always did for
 *   a sale decided while the cancellation was being written.
 * Only published gatherings are kept; a ticket type the entry does not know is read afresh (it
 * may have been added since). Prices never change once a ticket type is added.
 */
export class GatheringsOnSale {
  private readonly entries = new Map<string, { readonly state: GatheringState; readonly readAt: number }>();

  constructor(
    private readonly store: EventStore,
    private readonly freshForMs = 1000,
    /** Monotonic milliseconds (how old an entry is; not business time). */
    private readonly monotonicMs: () => number = () => performance.now(),
    private readonly capacity = 10_000,
  ) {}

  /** The gathering as a purchase of `ticketTypeId` must see it. */
  async gathering(gatheringId: string, ticketTypeId: string): Promise<GatheringState> {
    const entry = this.entries.get(gatheringId);
    const now = this.monotonicMs();
    if (entry && now - entry.readAt < this.freshForMs && entry.state.ticketTypes.some((candidate) => candidate.ticketTypeId === ticketTypeId)) return entry.state;
    const { state } = await loadAggregate(this.store, gatheringDecider, streamOfGathering(gatheringId));
    if (state.status === 'published') {
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(gatheringId, { state, readAt: now });
    } else this.entries.delete(gatheringId);
    return state;
  }

  /** A command on the gathering ran here: the next purchase reads it afresh. */
  forget(gatheringId: string): void {
    this.entries.delete(gatheringId);
  }
}
