import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import { comparePositions } from '../../adapters/eventstore/event-store.js';
import type { TicketsSold } from '../../domain/ticketing/ticket-inventory.js';
import { streamOfTicket, ticketDecider } from '../../domain/ticketing/ticket.js';
import { DomainErrorException } from '../../domain/decider.js';
import { handleCommand } from '../command-handler.js';

/**
 * The second half of a purchase: one Ticket stream per seat sold. Done at once by the purchase
 * and again, for recovery, by the issuing saga after every `TicketsSold` (T-3): the command id
 * is the sale's, so whichever comes second finds the ticket issued and changes nothing.
 * Returns the furthest position written (null when every ticket existed already).
 */
export async function issueTicketsOfSale(store: EventStore, sale: TicketsSold['data'], context: { readonly correlationId?: string } = {}): Promise<Position | null> {
  const outcomes = await Promise.all(
    sale.tickets.map(({ ticketId, code }) =>
      handleCommand(
        store,
        ticketDecider,
        streamOfTicket(ticketId),
        {
          type: 'IssueTicket',
          ticket: {
            ticketId,
            code,
            saleId: sale.saleId,
            gatheringId: sale.gatheringId,
            ticketTypeId: sale.ticketTypeId,
            holderId: sale.buyerId,
            price: sale.unitPrice,
            currency: sale.currency,
            issuedAt: sale.soldAt,
          },
        },
        { commandId: `issue:${sale.saleId}`, actor: sale.buyerId, now: new Date(sale.soldAt), ...(context.correlationId ? { correlationId: context.correlationId } : {}) },
      ),
    ),
  );
  let furthest: Position | null = null;
  for (const outcome of outcomes) {
    if (outcome._tag === 'Left') throw new DomainErrorException(outcome.left);
    const position = outcome.right.position;
    if (position && (!furthest || comparePositions(position, furthest) > 0)) furthest = position;
  }
  return furthest;
}
