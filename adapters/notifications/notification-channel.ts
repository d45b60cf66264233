import type { Logger } from '../observability/logger.js';

/** One notification on its way to a person (T-9). */
export interface OutgoingNotification {
  readonly notificationId: string;
  readonly userId: string;
  readonly kind: string;
  readonly title: string;
  readonly body: string;
}

/**
 * Where notifications leave the system (e-mail, push …). Called from the outbox, so at least
 * once: a channel passes `notificationId` on as its idempotency key. Throwing means "retry later".
 */
export interface NotificationChannel {
  readonly name: string;
  deliver(notification: OutgoingNotification): Promise<void>;
}

/** The embedded default: one JSON log line per notification. */
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
