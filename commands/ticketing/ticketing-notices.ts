import { notify } from '../notifications/notifications-effect-kinds.js';
import type { TicketsSold } from '../../domain/ticketing/ticket-inventory.js';
import type { Effect } from '../../sagas/outbox.js';

/**
 * What ticketing tells people, as requests to the notifications context (`Notify`: template,
 * recipient, parameters; it renders the texts). The notification ids are the ones ticketing
 * always used, so a request made twice — by the saga and by an effect handler — is one notice.
 */

/** The buyer's confirmation of one sale. */
export const purchasedNotice = (gatheringId: string, sale: TicketsSold['data'], eventTitle: string): Effect =>
  notify(`purchased:${sale.saleId}`, sale.buyerId, 'ticket.purchased', {
    gatheringId,
    eventTitle,
    count: String(sale.tickets.length),
    unitPrice: sale.unitPrice,
    currency: sale.currency,
  });

/** The one cancellation notice a holder gets, however many tickets they hold. */
export const cancelledNotice = (gatheringId: string, holderId: string, eventTitle: string, reason: string): Effect =>
  notify(`cancelled:${gatheringId}:${holderId}`, holderId, 'event.cancelled', { gatheringId, eventTitle, reason });

/** The one reminder a holder gets for a start time, however many tickets they hold (T-8). */
export const reminderNotice = (gatheringId: string, holderId: string, eventTitle: string, startsAt: string): Effect =>
  notify(`reminder:${gatheringId}:${holderId}:${startsAt}`, holderId, 'event.reminder', { gatheringId, eventTitle, startsAt });
