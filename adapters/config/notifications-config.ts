import { defineConfigSection } from './config-section.js';
import { envChoice, envUrl } from './environment-variables.js';

/** Notifications: where they are delivered (the variables kept their names when they left ticketing). */
export const notificationsConfigSection = defineConfigSection({
  title: 'Notifications',
  variables: {
    NOTIFICATION_CHANNEL: envChoice(['log', 'webhook'] as const, {
      description: 'Where notifications are delivered: the JSON log, or POSTed to NOTIFICATION_WEBHOOK_URL (an e-mail/push sender)',
      default: 'log',
    }),
    NOTIFICATION_WEBHOOK_URL: envUrl({ description: 'Receiver of notifications when NOTIFICATION_CHANNEL=webhook', protocols: ['http', 'https'], example: 'http://mailer:8025/notifications' }),
  },
  check: (v) =>
    v.NOTIFICATION_CHANNEL === 'webhook' && !v.NOTIFICATION_WEBHOOK_URL
      ? [{ variable: 'NOTIFICATION_WEBHOOK_URL', message: 'is required when NOTIFICATION_CHANNEL=webhook' }]
      : [],
  build: (v) => ({
    channel: v.NOTIFICATION_CHANNEL,
    webhookUrl: v.NOTIFICATION_WEBHOOK_URL,
  }),
});
