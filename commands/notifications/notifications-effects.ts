import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { inboxDecider, streamOfInbox, type NotificationContent, type NotificationEvent } from '../../domain/notifications/inbox.js';
import { renderNotification } from '../../domain/notifications/templates.js';
import type { Clock } from '../../platform/clock.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import { PermanentEffectFailure } from '../../sagas/outbox-worker.js';
import { eventsToAppend } from '../event-metadata.js';
import { LegacyTicketingNotify, Notify } from './notifications-effect-kinds.js';
import type { NotificationChannel } from './ports/notification-channel.js';

export interface NotificationEffectDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly channel: NotificationChannel;
}

/**
 * The outbox effects of notifications (T-9): render the template, record the notification in
 * the recipient's `Inbox`, hand it to the channel, record its delivery. A failing channel
 * throws, so the outbox retries; every step is idempotent.
 *
 * Neither step reads the inbox. Recording a notification and marking it delivered depend on
 * nothing in the inbox but that notification, so each is decided against the inbox as it would
 * be with only this notification in it and appended with any revision, the event's id derived
 * from the step and the notification id (as the command handler derives it). A retried effect
 * appends the same id again, and the log takes that as a no-op (the event store's idempotence by
 * event id). Reading the inbox first (the command handler's way) cost a read of every
 * notification the user ever got, per notification (issue 16: the on-sale rush's largest read).
 */
export function notificationEffectHandlers(deps: NotificationEffectDependencies): EffectPerformer[] {
  const appendStep = async (inbox: string, step: 'notify' | 'delivered', notificationId: string, events: readonly NotificationEvent[]) => {
    const context = { commandId: `${step}:${notificationId}`, now: deps.clock.now() };
    await deps.store.append(inbox, eventsToAppend(inboxDecider.events, inbox, events, context), 'any');
  };
  const recordAndDeliver = async (userId: string, notification: NotificationContent) => {
    const inbox = streamOfInbox(userId);
    const record = inboxDecider.decide({ type: 'RecordNotification', userId, notification, now: deps.clock.now() }, inboxDecider.initialState);
    if (record._tag === 'Left') throw new PermanentEffectFailure(record.left.message);
    await appendStep(inbox, 'notify', notification.notificationId, record.right);
    await deps.channel.deliver({ notificationId: notification.notificationId, userId, kind: notification.kind, title: notification.title, body: notification.body });
    const recorded = record.right.reduce(inboxDecider.evolve, inboxDecider.initialState);
    const delivered = inboxDecider.decide({ type: 'MarkDelivered', notificationId: notification.notificationId, channel: deps.channel.name, now: deps.clock.now() }, recorded);
    if (delivered._tag === 'Left') throw new PermanentEffectFailure(delivered.left.message);
    await appendStep(inbox, 'delivered', notification.notificationId, delivered.right);
  };
  return [
    performs(Notify, async ({ notificationId, recipient, template, parameters }) => {
      const rendered = renderNotification(template, parameters);
      if (rendered._tag === 'Left') throw new PermanentEffectFailure(`notification ${notificationId}: ${rendered.left.message}`);
      await recordAndDeliver(recipient, { notificationId, ...rendered.right });
    }),
    // Queued before the move (already rendered by ticketing): the same inbox, the same channel.
    performs(LegacyTicketingNotify, async ({ userId, notification }) => recordAndDeliver(userId, notification)),
  ];
}
