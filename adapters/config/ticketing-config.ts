import { defineConfigSection } from './config-section.js';
import { envChoice, envInteger } from './environment-variables.js';

/** Ticketing "Сбор": how seats are sold, when reminders go out (where notifications go: `notifications-config.ts`). */
export const ticketingConfigSection = defineConfigSection({
  title: 'Ticketing',
  variables: {
    TICKET_SALES_STRATEGY: envChoice(['batched', 'optimistic'] as const, {
      description:
        'How purchases of one ticket type are decided: batched (queued purchases decided and appended together; our design) or optimistic (one append per purchase, retried on conflict; the benchmark baseline)',
      default: 'batched',
    }),
    TICKET_REMINDER_LEAD_HOURS: envInteger({ description: 'How long before an event starts its holders are reminded (T-8)', default: 24, min: 1, max: 24 * 14 }),
  },
  build: (v) => ({
    salesStrategy: v.TICKET_SALES_STRATEGY,
    reminderLeadHours: v.TICKET_REMINDER_LEAD_HOURS,
  }),
});
