import * as t from 'io-ts';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import { RemindHolders, VoidGatheringTickets, VoidTicket } from '../../commands/ticketing/ticketing-effect-kinds.js';
import { cancelledNotice, purchasedNotice, reminderNotice } from '../../commands/ticketing/ticketing-notices.js';
import { pickEvents } from '../../domain/event-codec.js';
import { GatheringEvent } from '../../domain/ticketing/gathering-events.js';
import { gatheringOfStream } from '../../domain/ticketing/gathering.js';
import { TicketInventoryEvent } from '../../domain/ticketing/ticket-inventory.js';
import { TicketEvent } from '../../domain/ticketing/ticket.js';
import type { ProjectedEvent } from '../../projections/projection.js';
import { defineSaga, sagaTimer, type SagaReaction } from '../saga.js';

/** What the follow-up of one gathering remembers (small: never the list of holders). */
export interface GatheringFollowupState {
  readonly title?: string;
  readonly startsAt?: string;
  readonly status?: 'draft' | 'published' | 'cancelled';
  /** The start time the reminder timer fired for (a moved start is reminded of again). */
  readonly remindedFor?: string;
}

export const GATHERING_FOLLOWUP = 'ticketing-gathering-followup';
export const reminderTimerId = (gatheringId: string) => `ticketing-reminder:${gatheringId}`;

const GatheringFollowupEvents = pickEvents(t.union([GatheringEvent, TicketInventoryEvent, TicketEvent]), [
  'GatheringCreated',
  'GatheringEdited',
  'GatheringPublished',
  'GatheringCancelled',
  'TicketsSold',
  'TicketIssued',
]);
const ReminderTimer = sagaTimer(GATHERING_FOLLOWUP, t.type({ flowId: t.string }));

/** The gathering an event belongs to: its stream's, or (sales and tickets) the one its data names. */
const gatheringOf = (event: ProjectedEvent<t.TypeOf<typeof GatheringFollowupEvents>>): string =>
  gatheringOfStream(event.streamName) ?? ('gatheringId' in event.data ? event.data.gatheringId : '');

/**
 * The process manager of a gathering (T-3, T-7, T-8, T-9):
 * - every sale: tell the buyer (its tickets are born with it: nothing to issue);
 * - the reminder: a durable timer `reminderLeadHours` before the start, moved when the start
 *   changes, cancelled with the gathering; when it fires every holder is reminded; a buyer after
 *   that moment is reminded with the purchase (one reminder per holder and start time);
 * - cancellation: every ticket sold before it is voided and every holder told; a sale after it
 *   in the log (one that raced the cancellation) has its tickets voided as it appears, and so
 *   has a ticket an earlier version issued after it (`TicketIssued`).
 */
export function gatheringFollowupSaga(reminderLeadHours: number) {
  const reminderAt = (startsAt: string) => new Date(new Date(startsAt).getTime() - reminderLeadHours * 3600_000);
  return defineSaga({
    name: GATHERING_FOLLOWUP,
    events: GatheringFollowupEvents,
    timer: ReminderTimer,
    initialState: {} as GatheringFollowupState,
    flowId: (event) => gatheringOf(event) || null,
    react(state, event, now): SagaReaction<GatheringFollowupState> {
      const gatheringId = gatheringOf(event);
      const reminder = (startsAt: string) => ReminderTimer.at(reminderTimerId(gatheringId), reminderAt(startsAt), { flowId: gatheringId });
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
              VoidGatheringTickets.effect(`ticketing-void-gathering:${gatheringId}`, {
                gatheringId,
                title: state.title ?? '',
                reason: event.data.reason,
                position: formatPosition(event.position),
              }),
            ],
          };
        case 'TicketsSold': {
          const sale = event.data;
          const title = state.title ?? '';
          // Past the reminder moment (the timer fired for this start, or the clock says so) the
          // holders have been reminded already: this buyer is reminded now, with the purchase.
          const remindNow =
            state.status === 'published' && state.startsAt !== undefined && (state.remindedFor === state.startsAt || now.getTime() >= reminderAt(state.startsAt).getTime());
          const voids =
            state.status === 'cancelled'
              ? [
                  ...sale.tickets.map(({ ticketId }) => VoidTicket.effect(`ticketing-void:${ticketId}`, { ticketId, gatheringId: sale.gatheringId, ticketTypeId: sale.ticketTypeId })),
                  cancelledNotice(gatheringId, sale.buyerId, title, ''),
                ]
              : [];
          return {
            state,
            effects: [purchasedNotice(gatheringId, sale, title), ...(remindNow ? [reminderNotice(gatheringId, sale.buyerId, title, state.startsAt!)] : []), ...voids],
          };
        }
        case 'TicketIssued':
          // written by earlier versions after each sale: its sale (above) voided it already
          if (state.status !== 'cancelled') return { state };
          return {
            state,
            effects: [
              VoidTicket.effect(`ticketing-void:${event.data.ticketId}`, { ticketId: event.data.ticketId }),
              cancelledNotice(gatheringId, event.data.holderId, state.title ?? '', ''),
            ],
          };
        default:
          return { state };
      }
    },
    onTimer(state, timer) {
      const { flowId } = timer.payload;
      if (state.status !== 'published' || !state.startsAt) return { state };
      return {
        state: { ...state, remindedFor: state.startsAt },
        effects: [RemindHolders.effect(`ticketing-remind:${flowId}:${state.startsAt}`, { gatheringId: flowId, title: state.title ?? '', startsAt: state.startsAt })],
      };
    },
  });
}
