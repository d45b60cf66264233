import { WrongExpectedVersion, type EventStore } from '../../adapters/eventstore/event-store.js';
import { inboxDecider, streamOfInbox, type NotificationContent } from '../../domain/notifications/inbox.js';
import { renderNotification } from '../../domain/notifications/templates.js';
import type { Clock } from '../../platform/clock.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import { PermanentEffectFailure } from '../../sagas/outbox-worker.js';
import { handleCommand } from '../command-handler.js';
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
 * the recipient's `Inbox` (command id = notification id), hand it to the channel, record its
 * delivery. A failing channel throws, so the outbox retries; every step is idempotent.
 */
export function notificationEffectHandlers(deps: NotificationEffectDependencies): EffectPerformer[] {
  const recordAndDeliver = async (userId: string, notification: NotificationContent) => {
    const inbox = streamOfInbox(userId);
    const context = (step: string) => ({ commandId: `${step}:${notification.notificationId}`, now: deps.clock.now() });
    const recorded = await handleCommand(deps.store, inboxDecider, inbox, { type: 'RecordNotification', userId, notification, now: deps.clock.now() }, context('notify'), { maxRetries: 50 });
    if (recorded._tag === 'Left') throw new PermanentEffectFailure(recorded.left.message);
    await deps.channel.deliver({ notificationId: notification.notificationId, userId, kind: notification.kind, title: notification.title, body: notification.body });
    const markDelivered = { type: 'MarkDelivered' as const, notificationId: notification.notificationId, channel: deps.channel.name, now: deps.clock.now() };
    // The inbox as the recording left it is decided on without reading it again (issue 16: one read
    // per notification); if another write came in between, the append says so and it is done the long way.
    const delivered = inboxDecider.decide(markDelivered, recorded.right.state);
    if (delivered._tag === 'Right' && delivered.right.length === 0) return; // delivered before (a retried effect)
    if (delivered._tag === 'Right') {
      const expected = recorded.right.revision === -1n ? 'no_stream' : recorded.right.revision;
      try {
        await deps.store.append(inbox, eventsToAppend(inboxDecider.events, inbox, delivered.right, context('delivered')), expected);
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion)) throw error;
      }
    }
    await handleCommand(deps.store, inboxDecider, inbox, markDelivered, context('delivered'), { maxRetries: 50 });
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
