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
    LOGIN_ATTEMPTS_PER_MINUTE: envInteger({ description: 'Login attempts allowed per account (e-mail) per minute; then 429 with Retry-After', default: 5, min: 1, max: 10000 }),
    LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: envInteger({ description: 'Login and token attempts allowed per client address per minute; then 429 with Retry-After', default: 100, min: 1, max: 100000 }),
    TOKEN_ATTEMPTS_PER_MINUTE: envInteger({ description: 'client_credentials token requests allowed per client id per minute; then 429 with Retry-After', default: 10, min: 1, max: 10000 }),
  },
  build: (v) => ({
    refreshTokenTtlSeconds: v.REFRESH_TOKEN_TTL_SECONDS,
    serviceTokenTtlSeconds: v.SERVICE_TOKEN_TTL_SECONDS,
    adminEmails: (v.ADMIN_EMAILS ?? '')
      .split(',')
      .map((email) => email.trim().toLowerCase())
      .filter((email) => email.length > 0),
    passwordHash: { memoryKib: v.PASSWORD_HASH_MEMORY_KIB, iterations: v.PASSWORD_HASH_ITERATIONS },
    loginAttemptsPerMinute: v.LOGIN_ATTEMPTS_PER_MINUTE,
    addressAttemptsPerMinute: v.LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE,
    tokenAttemptsPerMinute: v.TOKEN_ATTEMPTS_PER_MINUTE,
  }),
});
