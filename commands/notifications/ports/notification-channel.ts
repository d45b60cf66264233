/** One notification on its way to a person (T-9). */
export interface OutgoingNotification {
  readonly notificationId: string;
  readonly userId: string;
  /** The template it was rendered from (`ticket.purchased`, `event.cancelled`, `event.reminder` …). */
  readonly kind: string;
  readonly title: string;
  readonly body: string;
}

/**
 * The port of the notifications context: where notifications leave the system (e-mail, push …),
 * implemented in `adapters/notifications/`. Called from the outbox, so at least once: a channel
 * passes `notificationId` on as its idempotency key. Throwing means "retry later".
 */
export interface NotificationChannel {
  readonly name: string;
  deliver(notification: OutgoingNotification): Promise<void>;
}
