import type { ContextFactory } from '../../adapters/app/context-module.js';
import { LogChannel, WebhookChannel } from '../../adapters/notifications/notification-channel.js';
import { notificationProjection } from '../../projections/notifications/notification-projection.js';
import { notificationQueryRoutes } from '../../projections/notifications/notifications-query-routes.js';
import { notificationEffectHandlers } from './notifications-effects.js';
import type { NotificationChannel } from './ports/notification-channel.js';

export interface NotificationsOptions {
  /** Where notifications are delivered; by default from configuration (log or webhook). */
  readonly channel?: NotificationChannel;
}

/**
 * Notifications (T-9): every user's inbox, fed by any context through one effect
 * (`Notify`: template, recipient, parameters), delivered through a channel, read by
 * `GET /api/notifications`.
 */
export function notificationsModule(options: NotificationsOptions = {}): ContextFactory {
  return (deps) => {
    const settings = deps.config.notifications;
    const channel =
      options.channel ??
      (settings.channel === 'webhook' && settings.webhookUrl ? new WebhookChannel(settings.webhookUrl) : new LogChannel(deps.logger.child({ component: 'notifications' })));
    const notifications = notificationProjection();
    return {
      name: 'notifications',
      migrations: [notifications.migrations!],
      projections: [notifications],
      effects: notificationEffectHandlers({ store: deps.store, clock: deps.clock, channel }),
      routes: notificationQueryRoutes(deps.database),
    };
  };
}
