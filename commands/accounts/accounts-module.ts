import type { ContextFactory } from '../../adapters/app/context-module.js';
import { FailureBackoff, TokenBucketLimiter } from '../../adapters/http/rate-limiter.js';
import { Argon2PasswordHasher, type PasswordHasher } from '../../adapters/passwords/password-hasher.js';
import { ACCOUNTS_PROJECTION, accountProjection } from '../../projections/accounts/account-projection.js';
import { accountQueryRoutes } from '../../projections/accounts/account-query-routes.js';
import { ACCOUNT_ROLES } from '../../domain/accounts/role.js';
import { accountsRoutes } from './accounts-routes.js';

/** Accounts and access (SPEC A-1 … A-4): people with roles, machine callers with scopes. */
export function accountsModule(options: { readonly hasher?: PasswordHasher } = {}): ContextFactory {
  return (deps) => {
    const settings = deps.config.accounts;
    // buckets refill on the injected clock (the system clock in production; tests move it)
    const clockMs = () => deps.clock.now().getTime();
    const per = (seconds: number) => (attempts: number) => new TokenBucketLimiter({ capacity: attempts, refillPerSecond: attempts / seconds, now: clockMs });
    const perMinute = per(60);
    const perHour = per(3600);
    const backoff = () => new FailureBackoff({ freeFailures: settings.failedAttemptsBeforeDelay, maxDelaySeconds: settings.failedAttemptMaxDelaySeconds, now: clockMs });
    const projection = accountProjection();
    return {
      name: 'accounts',
      roles: ACCOUNT_ROLES.map((role) => ({ ...role, grantable: role.name !== 'user' })),
      migrations: [projection.migrations!],
      projections: [projection],
      routes: [
        ...accountsRoutes({
          store: deps.store,
          roles: deps.roles,
          personalData: deps.personalData,
          accountsReached: (position) => deps.waitForProjection(ACCOUNTS_PROJECTION, position, 3000),
          clock: deps.clock,
          hasher: options.hasher ?? new Argon2PasswordHasher(settings.passwordHash),
          jwtSecret: deps.jwtSecret,
          accessTokenTtlSeconds: deps.accessTokenTtlSeconds,
          refreshTokenTtlSeconds: settings.refreshTokenTtlSeconds,
          serviceTokenTtlSeconds: settings.serviceTokenTtlSeconds,
          adminEmails: settings.adminEmails,
          limits: {
            address: perMinute(settings.addressAttemptsPerMinute),
            loginFailures: backoff(),
            account: perMinute(settings.loginAttemptsPerAccountPerMinute),
            clientFailures: backoff(),
            client: perMinute(settings.tokenAttemptsPerClientPerMinute),
            registrations: perHour(settings.registrationsPerAddressPerHour),
          },
        }),
        ...accountQueryRoutes(deps.database),
      ],
    };
  };
}
