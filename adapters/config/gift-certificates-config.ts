import { defineConfigSection } from './config-section.js';
import { envChoice, envInteger, envText } from './environment-variables.js';

/** Gift certificates (GCP): how long a reservation holds a certificate. */
export const giftCertificatesConfigSection = defineConfigSection({
  title: 'Gift certificates',
  variables: {
    GCP_RESERVATION_TTL_MINUTES: envInteger({ description: 'Minutes a reserved certificate waits to be issued before it returns to the pool (G-2)', default: 30, min: 1, max: 7 * 24 * 60 }),
    GCP_RESERVATION_STRATEGY: envChoice(['batched', 'optimistic'] as const, {
      description:
        'How decisions on the hot gift-certificate streams (a pool: load, reserve, release, confirm; a certificate: its holds, redemptions, refunds …) are made: batched (queued requests decided and appended together; our design) or optimistic (one load-decide-append per request, retried on conflict; the benchmark baseline)',
      default: 'batched',
    }),
    GCP_CVC_SECRET: envText({
      description: 'HMAC-SHA256 key of CVC hashes (G-4), at least 32 characters; every instance must share it. Never logged. Absent: generated once into DATA_DIR/gcp-cvc-secret',
      minLength: 32,
      secret: true,
    }),
    GCP_MAX_CVC_FAILURES: envInteger({ description: 'Wrong CVCs in a row (since issue or the last unlock) that lock a certificate "too many CVC failures" (G-5)', default: 5, min: 1, max: 100 }),
    DATABASE_URL: envText({ description: 'see Storage', secret: true }),
    GCP_HOLD_TTL_MINUTES: envInteger({ description: 'Minutes a POS redemption hold waits for its capture before it is released (G-5)', default: 15, min: 1, max: 7 * 24 * 60 }),
  },
  // instances with their own DATA_DIR would each generate a key and refuse each other's CVCs
  check: (v) =>
    v.DATABASE_URL !== undefined && v.GCP_CVC_SECRET === undefined
      ? [{ variable: 'GCP_CVC_SECRET', message: 'is required when DATABASE_URL is set (every instance must share one key)' }]
      : [],
  build: (v) => ({ cvcSecret: v.GCP_CVC_SECRET, maxCvcFailures: v.GCP_MAX_CVC_FAILURES, holdTtlMinutes: v.GCP_HOLD_TTL_MINUTES, reservationTtlMinutes: v.GCP_RESERVATION_TTL_MINUTES, reservationStrategy: v.GCP_RESERVATION_STRATEGY }),
});
