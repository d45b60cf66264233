import assert from 'node:assert/strict';
import { bornWithSale, ticketDecider, ticketValidity, type TicketEvent } from '../../../domain/ticketing/ticket.js';
import { given } from '../../support/decider-spec.js';

const NOW = new Date('2030-02-01T18:00:00Z');
/** The ticket its sale made: the stream holds nothing until its first check-in or void. */
const sold = bornWithSale({ ticketId: 't-1', gatheringId: 'g-1', ticketTypeId: 'tt-1' });
/** What an earlier version appended once per ticket after the sale. */
const issued: TicketEvent = {
  type: 'TicketIssued',
  data: { ticketId: 't-1', code: 'CODE', saleId: 's-1', gatheringId: 'g-1', ticketTypeId: 'tt-1', holderId: 'u-1', price: '1500.00', currency: 'RUB', issuedAt: '2030-01-01T00:00:00.000Z' },
};
const checkIn = (over: { gatheringId?: string; gatheringCancelled?: boolean; scannerId?: string; staff?: boolean; organizerId?: string } = {}) => ({
  type: 'CheckIn' as const,
  scannerId: 'door-1',
  staff: true,
  organizerId: 'org-1',
  gatheringCancelled: false,
  now: NOW,
  ...over,
});
const checkedIn: TicketEvent = { type: 'TicketCheckedIn', data: { ticketId: 't-1', gatheringId: 'g-1', scannerId: 'door-1', checkedInAt: NOW.toISOString() } };
const voided: TicketEvent = { type: 'TicketVoided', data: { ticketId: 't-1', gatheringId: 'g-1', reason: 'gathering_cancelled', voidedAt: NOW.toISOString() } };

describe('Ticket decider (T-5, T-6, T-7)', () => {
  it('given an active ticket, when it is checked in at its event, then it is used', () => {
    given(sold, []).when(checkIn({ gatheringId: 'g-1' })).then([checkedIn]);
  });

  it('given the organizer of the ticket’s event without a scanner grant, then she checks it in; another organizer is refused (403)', () => {
    const byOrganizer: TicketEvent = { type: 'TicketCheckedIn', data: { ...(checkedIn.data as { ticketId: string; gatheringId: string; checkedInAt: string }), scannerId: 'org-1' } };
    given(sold, []).when(checkIn({ scannerId: 'org-1', staff: false })).then([byOrganizer]);
    given(sold, []).when(checkIn({ scannerId: 'org-2', staff: false })).thenFails('ticket.not_your_event', { kind: 'forbidden' });
  });

  it('given a used ticket, then a second check-in is refused: already used (409)', () => {
    given(sold, [checkedIn]).when(checkIn()).thenFails('ticket.already_used', { kind: 'conflict' });
  });

  it('given a ticket of another event, a cancelled event or a voided ticket, then the door refuses it with the reason', () => {
    given(sold, []).when(checkIn({ gatheringId: 'g-2' })).thenFails('ticket.wrong_event');
    given(sold, []).when(checkIn({ gatheringCancelled: true })).thenFails('ticket.event_cancelled');
    given(sold, [voided]).when(checkIn()).thenFails('ticket.event_cancelled');
    given(ticketDecider).when(checkIn()).thenFails('ticket.unknown_code', { kind: 'not_found' });
  });

  it('given each state, then validity names the reason the scanner shows', () => {
    const state = (events: TicketEvent[]) => events.reduce(sold.evolve, sold.initialState);
    assert.deepEqual(ticketValidity(state([]), { gatheringCancelled: false }), { valid: true });
    assert.deepEqual(ticketValidity(state([checkedIn]), { gatheringCancelled: false }), { valid: false, reason: 'already_used' });
    assert.deepEqual(ticketValidity(state([]), { gatheringId: 'g-9', gatheringCancelled: false }), { valid: false, reason: 'wrong_event' });
    assert.deepEqual(ticketValidity(state([voided]), { gatheringCancelled: false }), { valid: false, reason: 'event_cancelled' });
    assert.deepEqual(ticketValidity(ticketDecider.initialState, { gatheringCancelled: false }), { valid: false, reason: 'unknown_code' });
  });

  it('given a voided ticket, then voiding it again changes nothing; no sale made an unknown ticket, so it cannot be voided', () => {
    given(sold, [voided]).when({ type: 'VoidTicket', now: NOW }).then([]);
    given(ticketDecider).when({ type: 'VoidTicket', now: NOW }).thenFails('ticket.not_found', { kind: 'not_found' });
  });

  it('given a ticket stream an earlier version began with TicketIssued, then it folds to the same ticket as one born with its sale', () => {
    given(ticketDecider, [issued]).when(checkIn({ gatheringId: 'g-1' })).then([checkedIn]);
    given(ticketDecider, [issued, checkedIn]).when(checkIn()).thenFails('ticket.already_used');
    given(sold, [issued]).when({ type: 'VoidTicket', now: NOW }).then([voided]);
    assert.deepEqual([issued].reduce(ticketDecider.evolve, ticketDecider.initialState), sold.initialState);
  });
});
