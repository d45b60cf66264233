import { defineConfigSection } from './config-section.js';
import { envInteger } from './environment-variables.js';

/** Gift certificates (GCP): how long a reservation holds a certificate. */
export const giftCertificatesConfigSection = defineConfigSection({
  title: 'Gift certificates',
  variables: {
    GCP_RESERVATION_TTL_MINUTES: envInteger({ description: 'Minutes a reserved certificate waits to be issued before it returns to the pool (G-2)', default: 30, min: 1, max: 7 * 24 * 60 }),
  },
  build: (v) => ({ reservationTtlMinutes: v.GCP_RESERVATION_TTL_MINUTES }),
});
