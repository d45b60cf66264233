import { defineConfigSection } from './config-section.js';
import { envInteger, envText } from './environment-variables.js';

/** Accounts and access (A-1 … A-4): token lifetimes, password hashing, brute-force limits, the first admins. */
export const accountsConfigSection = defineConfigSection({
  title: 'Accounts',
  variables: {
    REFRESH_TOKEN_TTL_SECONDS: envInteger({ description: 'Lifetime of a refresh token; each refresh rotates it', default: 30 * 86400, min: 60, max: 365 * 86400 }),
    SERVICE_TOKEN_TTL_SECONDS: envInteger({ description: 'Lifetime of a service principal’s access token (client_credentials)', default: 600, min: 30, max: 86400 }),
    ADMIN_EMAILS: envText({ description: 'Comma-separated e-mails that become admin when they register (bootstraps the first admin)', example: 'ops@example.com' }),
    PASSWORD_HASH_MEMORY_KIB: envInteger({ description: 'argon2id memory cost in KiB (OWASP baseline 19456)', default: 19456, min: 1024, max: 1048576 }),
    PASSWORD_HASH_ITERATIONS: envInteger({ description: 'argon2id iterations (OWASP baseline 2)', default: 2, min: 1, max: 20 }),
    LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: envInteger({ description: 'Login and token attempts allowed per client address per minute, whatever the account; then 429 with Retry-After', default: 100, min: 1, max: 100000 }),
    FAILED_ATTEMPTS_BEFORE_DELAY: envInteger({
      description: 'Failed logins from one address for one account (or token requests for one client id) before each further attempt from that address waits 1, 2, 4 … seconds; a success clears it',
      default: 5,
      min: 1,
      max: 1000,
    }),
    FAILED_ATTEMPT_MAX_DELAY_SECONDS: envInteger({ description: 'Longest of those doubling delays', default: 900, min: 1, max: 86400 }),
    LOGIN_ATTEMPTS_PER_ACCOUNT_PER_MINUTE: envInteger({
      description: 'Last-resort ceiling: login attempts per account per minute from all addresses together (far above what the per-address delays let one address reach)',
      default: 300,
      min: 1,
      max: 100000,
    }),
    TOKEN_ATTEMPTS_PER_CLIENT_PER_MINUTE: envInteger({ description: 'Last-resort ceiling: client_credentials token requests per client id per minute from all addresses together', default: 300, min: 1, max: 100000 }),
    REGISTRATIONS_PER_ADDRESS_PER_HOUR: envInteger({ description: 'Registrations allowed per client address per hour (each costs a password hash); then 429 with Retry-After', default: 20, min: 1, max: 1000000 }),
  },
  build: (v) => ({
    refreshTokenTtlSeconds: v.REFRESH_TOKEN_TTL_SECONDS,
    serviceTokenTtlSeconds: v.SERVICE_TOKEN_TTL_SECONDS,
    adminEmails: (v.ADMIN_EMAILS ?? '')
      .split(',')
      .map((email) => email.trim().toLowerCase())
      .filter((email) => email.length > 0),
    passwordHash: { memoryKib: v.PASSWORD_HASH_MEMORY_KIB, iterations: v.PASSWORD_HASH_ITERATIONS },
    addressAttemptsPerMinute: v.LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE,
    failedAttemptsBeforeDelay: v.FAILED_ATTEMPTS_BEFORE_DELAY,
    failedAttemptMaxDelaySeconds: v.FAILED_ATTEMPT_MAX_DELAY_SECONDS,
    loginAttemptsPerAccountPerMinute: v.LOGIN_ATTEMPTS_PER_ACCOUNT_PER_MINUTE,
    tokenAttemptsPerClientPerMinute: v.TOKEN_ATTEMPTS_PER_CLIENT_PER_MINUTE,
    registrationsPerAddressPerHour: v.REGISTRATIONS_PER_ADDRESS_PER_HOUR,
  }),
});
