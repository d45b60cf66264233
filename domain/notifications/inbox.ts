import { right } from 'fp-ts/Either';
import { Set as ImmutableSet } from 'immutable';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * A user's notifications (T-9): ticket purchased, event cancelled, reminder. Recorded in the
 * user's stream (so `GET /api/notifications` is a projection of the log), then delivered
 * through a channel adapter; both steps are idempotent by the notification id.
 *
 * The notifications context owns it (it was ticketing's; the stream name `Inbox-<userId>` and
 * the event types are unchanged, so existing logs replay). `kind` is the template's name
 * (`./templates.ts`); the codec lists every kind ever recorded, so a stored event keeps decoding.
 */
export const NotificationKind = t.keyof(
  {
    'ticket.purchased': null,
    'event.cancelled': null,
    'event.reminder': null,
    'gcp.pool_exhausted': null,
    'game-store.order_confirmed': null,
    'game-store.receipt_registered': null,
    'game-store.refund_completed': null,
  },
  'NotificationKind',
);
export type NotificationKind = t.TypeOf<typeof NotificationKind>;

export const NotificationContent = t.type({
  notificationId: t.string,
  kind: NotificationKind,
  /** The gathering it is about; null for a notification about no gathering (a gift-certificate pool running out). */
  gatheringId: t.union([t.string, t.null]),
  title: t.string,
  body: t.string,
});
export type NotificationContent = t.TypeOf<typeof NotificationContent>;

export const NotificationEvent = t.union([
  eventCodec('NotificationRecorded', t.intersection([NotificationContent, t.type({ userId: t.string, recordedAt: t.string })])),
  eventCodec('NotificationDelivered', t.type({ notificationId: t.string, channel: t.string, deliveredAt: t.string })),
]);
export type NotificationEvent = t.TypeOf<typeof NotificationEvent>;

/**
 * The notification ids recorded and delivered, in persistent sets: an inbox grows with every
 * notification its user ever got, and folding it must not copy the sets at each event.
 */
export interface InboxState {
  readonly recorded: ImmutableSet<string>;
  readonly delivered: ImmutableSet<string>;
}

export type InboxCommand =
  | { readonly type: 'RecordNotification'; readonly userId: string; readonly notification: NotificationContent; readonly now: Date }
  | { readonly type: 'MarkDelivered'; readonly notificationId: string; readonly channel: string; readonly now: Date };

export const streamOfInbox = (userId: string): string => `Inbox-${userId}`;

export const inboxDecider: EventSourcedDecider<InboxCommand, NotificationEvent, InboxState> = {
  events: NotificationEvent,
  initialState: { recorded: ImmutableSet<string>(), delivered: ImmutableSet<string>() },
  decide(command, state) {
    switch (command.type) {
      case 'RecordNotification':
        if (state.recorded.has(command.notification.notificationId)) return right([]);
        return right([{ type: 'NotificationRecorded', data: { ...command.notification, userId: command.userId, recordedAt: command.now.toISOString() } }]);
      case 'MarkDelivered':
        if (state.delivered.has(command.notificationId) || !state.recorded.has(command.notificationId)) return right([]);
        return right([{ type: 'NotificationDelivered', data: { notificationId: command.notificationId, channel: command.channel, deliveredAt: command.now.toISOString() } }]);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'NotificationRecorded':
        return { ...state, recorded: state.recorded.add(event.data.notificationId) };
      case 'NotificationDelivered':
        return { ...state, delivered: state.delivered.add(event.data.notificationId) };
    }
  },
};
