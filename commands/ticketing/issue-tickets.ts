import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import { comparePositions, WrongExpectedVersion } from '../../adapters/eventstore/event-store.js';
import { DomainErrorException } from '../../domain/decider.js';
import type { TicketsSold } from '../../domain/ticketing/ticket-inventory.js';
import { streamOfTicket, ticketDecider, type TicketIssued } from '../../domain/ticketing/ticket.js';
import { handleCommand } from '../command-handler.js';
import { eventsToAppend } from '../event-metadata.js';

/**
 * The second half of a purchase: one Ticket stream per seat sold. Done at once by the purchase
 * and again, for recovery, by the issuing saga after every `TicketsSold` (T-3). A ticket stream
 * is new by construction, so the issue is one append expecting `no_stream`, with an event id
 * derived from the sale: whichever of the two comes second re-appends the same event, which
 * the log treats as done (idempotent append). Returns the furthest position written.
 */
export async function issueTicketsOfSale(store: EventStore, sale: TicketsSold['data'], context: { readonly correlationId?: string } = {}): Promise<Position | null> {
  const commandId = `issue:${sale.saleId}`;
  const positions = await Promise.all(
    sale.tickets.map(async ({ ticketId, code }): Promise<Position | null> => {
      const stream = streamOfTicket(ticketId);
      const ticket: TicketIssued['data'] = {
        ticketId,
        code,
        saleId: sale.saleId,
        gatheringId: sale.gatheringId,
        ticketTypeId: sale.ticketTypeId,
        holderId: sale.buyerId,
        price: sale.unitPrice,
        currency: sale.currency,
        issuedAt: sale.soldAt,
      };
      const decision = ticketDecider.decide({ type: 'IssueTicket', ticket }, ticketDecider.initialState);
      if (decision._tag === 'Left') throw new DomainErrorException(decision.left);
      try {
        const appended = await store.append(
          stream,
          eventsToAppend(ticketDecider.events, stream, decision.right, { now: new Date(sale.soldAt), commandId, actor: sale.buyerId, correlationId: context.correlationId }),
          'no_stream',
        );
        return appended.position;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion)) throw error;
        // the stream holds something else first: let the decider look at it
        const outcome = await handleCommand(store, ticketDecider, stream, { type: 'IssueTicket', ticket }, { commandId, now: new Date(sale.soldAt) });
        if (outcome._tag === 'Left') throw new DomainErrorException(outcome.left);
        return outcome.right.position;
      }
    }),
  );
  let furthest: Position | null = null;
  for (const position of positions) if (position && (!furthest || comparePositions(position, furthest) > 0)) furthest = position;
  return furthest;
}
