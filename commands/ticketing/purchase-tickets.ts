import { createHash } from 'node:crypto';
import { left, right, type Either } from 'fp-ts/Either';
import type { Position } from '../../adapters/eventstore/event-store.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import type { TicketsSold } from '../../domain/ticketing/ticket-inventory.js';
import type { GatheringsOnSale } from './gatherings-on-sale.js';
import { timeOrderedId } from '../time-ordered-id.js';
import { drawTickets } from './ticket-codes.js';
import type { TicketSeller } from './ticket-seller.js';

export interface PurchaseRequest {
  readonly gatheringId: string;
  readonly ticketTypeId: string;
  readonly quantity: number;
  readonly buyerId: string;
  /** The client's Idempotency-Key, when sent: a retried purchase then finds its sale instead of buying again. */
  readonly idempotencyKey?: string;
  readonly correlationId?: string;
  readonly now: Date;
}

export interface Purchase {
  readonly sale: TicketsSold['data'];
  /** The position of the sale (for read-your-writes); null when replayed. */
  readonly position: Position | null;
}

/**
 * The sale id: from the buyer's idempotency key when there is one, so a retry is the same sale;
 * else time-ordered (UUIDv7), like the ticket ids.
 */
function saleIdOf(request: PurchaseRequest): string {
  if (!request.idempotencyKey) return timeOrderedId(request.now);
  const hash = createHash('sha256').update(`${request.buyerId}\u0000${request.gatheringId}\u0000${request.idempotencyKey}`).digest('hex');
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-8${hash.slice(13, 16)}-a${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
}

/**
 * T-3: the gathering must be published and not cancelled and the ticket type its own; the seller
 * decides the seats (never oversold) at the price the ticket type was given — never the
 * client's. The tickets are born with the sale: its one event is the whole purchase.
 */
export async function purchaseTickets(gatherings: GatheringsOnSale, seller: TicketSeller, request: PurchaseRequest): Promise<Either<DomainError, Purchase>> {
  const gathering = await gatherings.gathering(request.gatheringId, request.ticketTypeId);
  if (gathering.status === 'none' || gathering.status === 'draft') return left(domainError('not_found', 'gathering.not_found', 'no such event on sale'));
  if (gathering.status === 'cancelled') return left(domainError('conflict', 'gathering.cancelled', 'this event was cancelled'));
  const ticketType = gathering.ticketTypes.find((candidate) => candidate.ticketTypeId === request.ticketTypeId);
  if (!ticketType) return left(domainError('not_found', 'ticket_type.not_found', 'this event has no such ticket type', 'ticket_type_id'));
  const sold = await seller.sell({
    command: {
      type: 'SellTickets',
      saleId: saleIdOf(request),
      buyerId: request.buyerId,
      gatheringId: request.gatheringId,
      ticketType,
      quantity: request.quantity,
      tickets: drawTickets(Math.max(0, Math.min(request.quantity, 10)), request.now),
      now: request.now,
    },
    actor: request.buyerId,
    ...(request.correlationId ? { correlationId: request.correlationId } : {}),
  });
  if (sold._tag === 'Left') return sold;
  return right({ sale: sold.right.sale, position: sold.right.position });
}
