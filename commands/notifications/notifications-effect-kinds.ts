import * as t from 'io-ts';
import { NotificationContent } from '../../domain/notifications/inbox.js';
import { NotificationTemplate, type TemplateParameters } from '../../domain/notifications/templates.js';
import type { Effect } from '../../sagas/outbox.js';
import { effectKind } from '../../sagas/effect-kind.js';

/**
 * The one way any context asks for a notification: which template, for whom, with what. The
 * notifications context renders title and body, records it in the recipient's inbox and
 * delivers it (`notifications-effects.ts`). `notificationId` makes it idempotent: the same id
 * twice is one notification in the inbox.
 */
export const Notify = effectKind(
  'notifications.notify',
  t.type({ notificationId: t.string, recipient: t.string, template: NotificationTemplate, parameters: t.record(t.string, t.string) }),
);

/** A `Notify` effect, its parameters checked against the template's at compile time; keyed by the notification id. */
export function notify<T extends NotificationTemplate>(
  notificationId: string,
  recipient: string,
  template: T,
  parameters: TemplateParameters<T>,
  options: { readonly correlationId?: string | undefined } = {},
): Effect {
  return Notify.effect(`notifications-notify:${notificationId}`, { notificationId, recipient, template, parameters }, options);
}

/**
 * Before notifications were a context of their own, ticketing enqueued already rendered
 * notifications as `ticketing.notify`. Effects of that kind may still wait in an outbox (or as
 * dead letters) after an upgrade, so it stays performable; nothing enqueues it any more.
 */
export const LegacyTicketingNotify = effectKind('ticketing.notify', t.type({ userId: t.string, notification: NotificationContent }));
