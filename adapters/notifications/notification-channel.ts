import type { NotificationChannel, OutgoingNotification } from '../../commands/notifications/ports/notification-channel.js';
import type { Logger } from '../observability/logger.js';

/** The embedded default channel (the port is the notifications context's): one JSON log line per notification. */
export class LogChannel implements NotificationChannel {
  readonly name = 'log';
  constructor(private readonly logger: Logger) {}

  async deliver(notification: OutgoingNotification): Promise<void> {
    this.logger.info({ notificationId: notification.notificationId, userId: notification.userId, kind: notification.kind }, `notification: ${notification.title}`);
  }
}

/** POSTs each notification as JSON to a sender service (e-mail/push), with `Idempotency-Key`. */
export class WebhookChannel implements NotificationChannel {
  readonly name = 'webhook';
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async deliver(notification: OutgoingNotification): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': notification.notificationId },
      body: JSON.stringify({
        notification_id: notification.notificationId,
        user_id: notification.userId,
        kind: notification.kind,
        title: notification.title,
        body: notification.body,
      }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`notification webhook answered ${response.status}`);
  }
}
