import { gatheringDecider, type GatheringCommand } from '../../../domain/ticketing/gathering.js';
import type { GatheringEvent, GatheringDetails } from '../../../domain/ticketing/gathering-events.js';
import { given } from '../../support/decider-spec.js';

const NOW = new Date('2030-01-01T12:00:00Z');
const organizer = { id: 'org-1', isAdmin: false };
const stranger = { id: 'org-2', isAdmin: false };
const admin = { id: 'adm', isAdmin: true };
const details: GatheringDetails = {
  title: 'Jazz in the Park',
  description: '',
  venue: 'Gorky Park',
  startsAt: '2030-02-01T18:00:00.000Z',
  endsAt: '2030-02-01T21:00:00.000Z',
  capacity: 100,
};
const created: GatheringEvent = { type: 'GatheringCreated', data: { gatheringId: 'g-1', organizerId: 'org-1', createdAt: NOW.toISOString(), ...details } };
const published: GatheringEvent = { type: 'GatheringPublished', data: { publishedAt: NOW.toISOString() } };
const ticketType = { ticketTypeId: 'tt-1', kind: 'vip' as const, quantity: 60, price: '5000', currency: 'RUB', salesStart: '2030-01-01T00:00:00Z', salesEnd: '2030-02-01T18:00:00Z' };
const add = (over: Partial<typeof ticketType> = {}, actor = organizer): GatheringCommand => ({ type: 'AddTicketType', actor, ticketType: { ...ticketType, ...over }, now: NOW });

describe('Gathering decider (T-1, T-2)', () => {
  it('given nothing, when an organizer creates an event, then it is a draft of theirs', () => {
    given(gatheringDecider).when({ type: 'CreateGathering', gatheringId: 'g-1', actor: organizer, details, now: NOW }).then([created]);
  });

  it('given a start in the past, an end before the start or no capacity, then it is refused naming the field', () => {
    given(gatheringDecider).when({ type: 'CreateGathering', gatheringId: 'g', actor: organizer, details: { ...details, startsAt: '2029-12-31T00:00:00Z' }, now: NOW }).thenFails('gathering.invalid_starts_at', { field: 'starts_at' });
    given(gatheringDecider).when({ type: 'CreateGathering', gatheringId: 'g', actor: organizer, details: { ...details, endsAt: details.startsAt }, now: NOW }).thenFails('gathering.invalid_ends_at', { field: 'ends_at' });
    given(gatheringDecider).when({ type: 'CreateGathering', gatheringId: 'g', actor: organizer, details: { ...details, capacity: 0 }, now: NOW }).thenFails('gathering.invalid_capacity', { field: 'capacity' });
  });

  it('given a draft, then only its organizer or an admin may edit or publish it; once published it is no longer editable', () => {
    given(gatheringDecider, [created]).when({ type: 'EditGathering', actor: stranger, details, now: NOW }).thenFails('gathering.not_organizer', { kind: 'forbidden' });
    given(gatheringDecider, [created]).when({ type: 'PublishGathering', actor: admin, now: NOW }).then([published]);
    given(gatheringDecider, [created, published]).when({ type: 'EditGathering', actor: organizer, details, now: NOW }).thenFails('gathering.not_draft', { kind: 'conflict' });
  });

  it('given a draft, when amended with some fields, then only those change; the edit rules hold; nothing sent changes nothing', () => {
    const edited = (over: Partial<GatheringDetails>): GatheringEvent => ({ type: 'GatheringEdited', data: { editedAt: NOW.toISOString(), ...details, ...over } });
    const amend = (changes: Partial<GatheringDetails>, actor = organizer): GatheringCommand => ({ type: 'AmendGathering', actor, changes, now: NOW });
    given(gatheringDecider, [created]).when(amend({ title: 'Jazz at Dusk' })).then([edited({ title: 'Jazz at Dusk' })]);
    given(gatheringDecider, [created]).when(amend({ capacity: 80, venue: 'Hermitage Garden' }, admin)).then([edited({ capacity: 80, venue: 'Hermitage Garden' })]);
    given(gatheringDecider, [created]).when(amend({})).then([]);
    given(gatheringDecider, [created]).when(amend({ endsAt: '2030-02-01T17:00:00Z' })).thenFails('gathering.invalid_ends_at', { field: 'ends_at' });
    given(gatheringDecider, [created]).when(amend({ startsAt: '2029-12-31T00:00:00Z' })).thenFails('gathering.invalid_starts_at', { field: 'starts_at' });
    given(gatheringDecider, [created]).when(amend({ title: 'x' }, stranger)).thenFails('gathering.not_organizer', { kind: 'forbidden' });
    given(gatheringDecider, [created, published]).when(amend({ title: 'Too late' })).thenFails('gathering.not_draft', { kind: 'conflict' });
  });

  it('given a published event, then ticket types fit within the capacity, with a valid price and window', () => {
    const added: GatheringEvent = {
      type: 'TicketTypeAdded',
      data: { gatheringId: 'g-1', addedAt: NOW.toISOString(), ...ticketType, price: '5000.00', salesStart: '2030-01-01T00:00:00.000Z', salesEnd: '2030-02-01T18:00:00.000Z' },
    };
    given(gatheringDecider, [created]).when(add()).thenFails('gathering.not_published');
    given(gatheringDecider, [created, published]).when(add()).then([added]);
    given(gatheringDecider, [created, published, added]).when(add({ ticketTypeId: 'tt-2', quantity: 41 })).thenFails('ticket_type.over_capacity', { field: 'quantity' });
    given(gatheringDecider, [created, published]).when(add({ price: '-1' })).thenFails('ticket_type.invalid_price', { field: 'price' });
    given(gatheringDecider, [created, published]).when(add({ salesEnd: '2030-03-01T00:00:00Z' })).thenFails('ticket_type.invalid_sales_end', { field: 'sales_end' });
    given(gatheringDecider, [created, published]).when(add({}, stranger)).thenFails('gathering.not_organizer');
  });

  it('given a cancelled event, then cancelling again changes nothing and nothing can be added', () => {
    const cancelled: GatheringEvent = { type: 'GatheringCancelled', data: { reason: '', cancelledAt: NOW.toISOString(), cancelledBy: 'org-1' } };
    given(gatheringDecider, [created, published]).when({ type: 'CancelGathering', actor: organizer, reason: '', now: NOW }).then([cancelled]);
    given(gatheringDecider, [created, published, cancelled]).when({ type: 'CancelGathering', actor: organizer, reason: '', now: NOW }).then([]);
    given(gatheringDecider, [created, published, cancelled]).when(add()).thenFails('gathering.not_published');
  });
});
