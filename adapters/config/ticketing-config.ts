import { defineConfigSection } from './config-section.js';
import { envChoice, envInteger, envUrl } from './environment-variables.js';

/** Ticketing "Сбор": how seats are sold, when reminders go out, where notifications are delivered. */
export const ticketingConfigSection = defineConfigSection({
  title: 'Ticketing',
  variables: {
    TICKET_SALES_STRATEGY: envChoice(['batched', 'optimistic'] as const, {
      description:
        'How purchases of one ticket type are decided: batched (queued purchases decided and appended together; our design) or optimistic (one append per purchase, retried on conflict; the benchmark baseline)',
      default: 'batched',
    }),
    TICKET_REMINDER_LEAD_HOURS: envInteger({ description: 'How long before an event starts its holders are reminded (T-8)', default: 24, min: 1, max: 24 * 14 }),
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
    salesStrategy: v.TICKET_SALES_STRATEGY,
    reminderLeadHours: v.TICKET_REMINDER_LEAD_HOURS,
    notificationChannel: v.NOTIFICATION_CHANNEL,
    notificationWebhookUrl: v.NOTIFICATION_WEBHOOK_URL,
  }),
});
