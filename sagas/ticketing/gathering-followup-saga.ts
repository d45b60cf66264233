import type { RecordedEvent } from '../../adapters/eventstore/event-store.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import type { GatheringEvent } from '../../domain/ticketing/gathering-events.js';
import type { TicketInventoryEvent } from '../../domain/ticketing/ticket-inventory.js';
import type { TicketEvent } from '../../domain/ticketing/ticket.js';
import type { Effect } from '../outbox.js';
import type { Saga, SagaReaction } from '../saga.js';

/** What the follow-up of one gathering remembers (small: never the list of holders). */
export interface GatheringFollowupState {
  readonly title?: string;
  readonly startsAt?: string;
  readonly status?: 'draft' | 'published' | 'cancelled';
}

export const GATHERING_FOLLOWUP = 'ticketing-gathering-followup';
export const reminderTimerId = (gatheringId: string) => `ticketing-reminder:${gatheringId}`;

const gatheringOf = (event: RecordedEvent): string | null => {
  if (event.streamName.startsWith('Gathering-')) return event.streamName.slice('Gathering-'.length);
  const data = event.data as { gatheringId?: unknown };
  return typeof data.gatheringId === 'string' ? data.gatheringId : null;
};

const notify = (userId: string, notification: { notificationId: string; kind: string; gatheringId: string; title: string; body: string }): Effect => ({
  idempotencyKey: `ticketing-notify:${notification.notificationId}`,
  kind: 'ticketing.notify',
  payload: { userId, notification },
});

/**
 * The process manager of a gathering (T-3, T-7, T-8, T-9):
 * - every sale: issue its tickets (recovery of the purchase's second write) and tell the buyer;
 * - the reminder: a durable timer `reminderLeadHours` before the start, moved when the start
 *   changes, cancelled with the gathering; when it fires every holder is reminded;
 * - cancellation: every ticket sold before it is voided and every holder told; a ticket issued
 *   after it in the log (a sale that raced the cancellation) is voided as it appears.
 */
export function gatheringFollowupSaga(reminderLeadHours: number): Saga<GatheringFollowupState> {
  const reminderAt = (startsAt: string) => new Date(new Date(startsAt).getTime() - reminderLeadHours * 3600_000);
  return {
    name: GATHERING_FOLLOWUP,
    eventTypes: ['GatheringCreated', 'GatheringEdited', 'GatheringPublished', 'GatheringCancelled', 'TicketsSold', 'TicketIssued'],
    initialState: {},
    flowId: gatheringOf,
    react(state, recorded): SagaReaction<GatheringFollowupState> {
      const event = { type: recorded.type, data: recorded.data } as GatheringEvent | TicketInventoryEvent | TicketEvent;
      const gatheringId = gatheringOf(recorded)!;
      const reminder = (startsAt: string) => ({ id: reminderTimerId(gatheringId), kind: `saga:${GATHERING_FOLLOWUP}`, dueAt: reminderAt(startsAt), payload: { flowId: gatheringId } });
      switch (event.type) {
        case 'GatheringCreated':
          return { state: { title: event.data.title, startsAt: event.data.startsAt, status: 'draft' }, schedule: [reminder(event.data.startsAt)] };
        case 'GatheringEdited':
          return { state: { ...state, title: event.data.title, startsAt: event.data.startsAt }, schedule: [reminder(event.data.startsAt)] };
        case 'GatheringPublished':
          return { state: { ...state, status: 'published' } };
        case 'GatheringCancelled':
          return {
            state: { ...state, status: 'cancelled' },
            cancelTimers: [reminderTimerId(gatheringId)],
            effects: [
              {
                idempotencyKey: `ticketing-void-gathering:${gatheringId}`,
                kind: 'ticketing.void-gathering-tickets',
                payload: { gatheringId, title: state.title ?? '', reason: event.data.reason, position: formatPosition(recorded.position) },
              },
            ],
          };
        case 'TicketsSold': {
          const sale = event.data;
          const count = sale.tickets.length;
          return {
            state,
            effects: [
              { idempotencyKey: `ticketing-issue:${sale.saleId}`, kind: 'ticketing.issue-tickets', payload: { sale } },
              notify(sale.buyerId, {
                notificationId: `purchased:${sale.saleId}`,
                kind: 'ticket.purchased',
                gatheringId,
                title: `Your ${count === 1 ? 'ticket' : `${count} tickets`} for ${state.title ?? 'the event'}`,
                body: `Purchase confirmed: ${count} × ${sale.unitPrice} ${sale.currency}. Show the QR code at the door.`,
              }),
            ],
          };
        }
        case 'TicketIssued':
          if (state.status !== 'cancelled') return { state };
          return {
            state,
            effects: [
              { idempotencyKey: `ticketing-void:${event.data.ticketId}`, kind: 'ticketing.void-ticket', payload: { ticketId: event.data.ticketId } },
              notify(event.data.holderId, cancelledNotice(gatheringId, event.data.holderId, state.title ?? '', '')),
            ],
          };
        default:
          return { state };
      }
    },
    onTimer(state, timer) {
      const { flowId } = timer.payload as { flowId: string };
      if (state.status !== 'published' || !state.startsAt) return { state };
      return {
        state,
        effects: [{ idempotencyKey: `ticketing-remind:${flowId}:${state.startsAt}`, kind: 'ticketing.remind-holders', payload: { gatheringId: flowId, title: state.title, startsAt: state.startsAt } }],
      };
    },
  };
}

/** The one cancellation notice a holder gets, however many tickets they hold. */
export function cancelledNotice(gatheringId: string, userId: string, title: string, reason: string) {
  return {
    notificationId: `cancelled:${gatheringId}:${userId}`,
    kind: 'event.cancelled',
    gatheringId,
    title: `Cancelled: ${title}`,
    body: reason ? `The event was cancelled (${reason}). Your tickets are no longer valid.` : 'The event was cancelled. Your tickets are no longer valid.',
  };
}

export { notify as notificationEffect };
