import * as t from 'io-ts';
import { eventCodec } from '../event-codec.js';

/** What an organizer says about a gathering (the business "event"; not a domain event). */
export const GatheringDetails = t.type({
  title: t.string,
  description: t.string,
  venue: t.string,
  startsAt: t.string,
  endsAt: t.string,
  capacity: t.number,
});
export type GatheringDetails = t.TypeOf<typeof GatheringDetails>;

export const TicketKind = t.keyof({ standard: null, vip: null, early_bird: null }, 'TicketKind');
export type TicketKind = t.TypeOf<typeof TicketKind>;

export const TicketTypeDetails = t.type({
  ticketTypeId: t.string,
  kind: TicketKind,
  quantity: t.number,
  /** Major units, two decimals ("1500.00"). */
  price: t.string,
  currency: t.string,
  salesStart: t.string,
  salesEnd: t.string,
});
export type TicketTypeDetails = t.TypeOf<typeof TicketTypeDetails>;

export const GatheringEvent = t.union([
  eventCodec('GatheringCreated', t.intersection([t.type({ gatheringId: t.string, organizerId: t.string, createdAt: t.string }), GatheringDetails])),
  eventCodec('GatheringEdited', t.intersection([t.type({ editedAt: t.string }), GatheringDetails])),
  eventCodec('GatheringPublished', t.type({ publishedAt: t.string })),
  eventCodec('GatheringCancelled', t.type({ reason: t.string, cancelledAt: t.string, cancelledBy: t.string })),
  eventCodec('TicketTypeAdded', t.intersection([t.type({ gatheringId: t.string, addedAt: t.string }), TicketTypeDetails])),
]);
export type GatheringEvent = t.TypeOf<typeof GatheringEvent>;
