import * as t from 'io-ts';
import { pickEvents } from '../../domain/event-codec.js';
import { NotificationEvent } from '../../domain/notifications/inbox.js';
import { GatheringEvent } from '../../domain/ticketing/gathering-events.js';
import { gatheringOfStream } from '../../domain/ticketing/gathering.js';
import { normalizePrice } from '../../domain/money.js';
import { TicketInventoryEvent } from '../../domain/ticketing/ticket-inventory.js';
import { TicketEvent } from '../../domain/ticketing/ticket.js';
import { definePublishedStream } from '../published-streams/published-stream.js';

const TicketingStreamEvents = pickEvents(t.union([GatheringEvent, TicketInventoryEvent, TicketEvent, NotificationEvent]), [
  'TicketsSold',
  'TicketCheckedIn',
  'GatheringCancelled',
  'NotificationRecorded',
]);

/** `ticket.purchased` v1: one sale. Ticket ids only — a ticket's code is its bearer secret and never leaves. */
export const TicketPurchasedV1 = t.exact(
  t.type({
    sale_id: t.string,
    gathering_id: t.string,
    ticket_type_id: t.string,
    buyer_id: t.string,
    quantity: t.number,
    /** Major units, two decimals: "1500.00". */
    unit_price: t.string,
    currency: t.string,
    ticket_ids: t.array(t.string),
    purchased_at: t.string,
  }),
  'TicketPurchasedV1',
);

/** `ticket.checkin` v1: a ticket let in at the door (at most once per ticket). */
export const TicketCheckinV1 = t.exact(
  t.type({ ticket_id: t.string, gathering_id: t.string, scanner_id: t.string, checked_in_at: t.string }),
  'TicketCheckinV1',
);

/** `event.cancelled` v1: a gathering cancelled (its tickets stop validating). The organizer's free-text reason stays inside. */
export const EventCancelledV1 = t.exact(t.type({ gathering_id: t.string, cancelled_by: t.string, cancelled_at: t.string }), 'EventCancelledV1');

/** `event.reminder` v1: a holder was reminded of a gathering (one per holder per start time, T-8). */
export const EventReminderV1 = t.exact(t.type({ gathering_id: t.string, user_id: t.string, reminded_at: t.string }), 'EventReminderV1');

/**
 * `ticketing.events`: what ticketing tells other services (quests, referrals, analytics …).
 *
 * The reminder is read from the event that records it being sent: the notifications context's
 * `NotificationRecorded` of kind `event.reminder` in the holder's inbox (the remind-holders
 * effect asks for one per holder). Other kinds of notification map to no message.
 */
export const ticketingStream = definePublishedStream({
  name: 'ticketing.events',
  description: 'tickets purchased and checked in, events cancelled and reminded',
  events: TicketingStreamEvents,
  messages: {
    TicketsSold: {
      type: 'ticket.purchased',
      version: 1,
      description: 'Tickets of one type bought in one purchase',
      data: TicketPurchasedV1,
      map: ({ data }) => ({
        subject: data.saleId,
        data: {
          sale_id: data.saleId,
          gathering_id: data.gatheringId,
          ticket_type_id: data.ticketTypeId,
          buyer_id: data.buyerId,
          quantity: data.tickets.length,
          unit_price: normalizePrice(data.unitPrice),
          currency: data.currency,
          ticket_ids: data.tickets.map((ticket) => ticket.ticketId),
          purchased_at: data.soldAt,
        },
      }),
    },
    TicketCheckedIn: {
      type: 'ticket.checkin',
      version: 1,
      description: 'A ticket checked in at the door',
      data: TicketCheckinV1,
      map: ({ data }) => ({
        subject: data.ticketId,
        data: { ticket_id: data.ticketId, gathering_id: data.gatheringId, scanner_id: data.scannerId, checked_in_at: data.checkedInAt },
      }),
    },
    GatheringCancelled: {
      type: 'event.cancelled',
      version: 1,
      description: 'An event (gathering) cancelled',
      data: EventCancelledV1,
      map: ({ streamName, data }) => {
        const gatheringId = gatheringOfStream(streamName);
        return gatheringId === null ? null : { subject: gatheringId, data: { gathering_id: gatheringId, cancelled_by: data.cancelledBy, cancelled_at: data.cancelledAt } };
      },
    },
    NotificationRecorded: {
      type: 'event.reminder',
      version: 1,
      description: 'A ticket holder reminded of an upcoming event',
      data: EventReminderV1,
      map: ({ data }) =>
        data.kind === 'event.reminder' && data.gatheringId !== null
          ? { subject: data.gatheringId, data: { gathering_id: data.gatheringId, user_id: data.userId, reminded_at: data.recordedAt } }
          : null,
    },
  },
});
