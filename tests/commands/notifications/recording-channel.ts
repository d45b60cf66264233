import type { NotificationChannel, OutgoingNotification } from '../../../commands/notifications/ports/notification-channel.js';

/** A notification channel that keeps what it was given (and can be told to fail). */
export class RecordingChannel implements NotificationChannel {
  readonly name = 'recording';
  readonly delivered: OutgoingNotification[] = [];
  failures = 0;
  async deliver(notification: OutgoingNotification): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('channel down');
    }
    this.delivered.push(notification);
  }
}
