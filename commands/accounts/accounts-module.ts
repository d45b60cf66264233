import type { ContextFactory } from '../../adapters/app/context-module.js';
import { TokenBucketLimiter } from '../../adapters/http/rate-limiter.js';
import { Argon2PasswordHasher, type PasswordHasher } from '../../adapters/passwords/password-hasher.js';
import { accountProjection } from '../../projections/accounts/account-projection.js';
import { accountQueryRoutes } from '../../projections/accounts/account-query-routes.js';
import { accountsRoutes } from './accounts-routes.js';

/** Accounts and access (SPEC A-1 … A-4): people with roles, machine callers with scopes. */
export function accountsModule(options: { readonly hasher?: PasswordHasher } = {}): ContextFactory {
  return (deps) => {
    const settings = deps.config.accounts;
    const perMinute = settings.loginAttemptsPerMinute;
    const projection = accountProjection();
    return {
      name: 'accounts',
      migrations: [projection.migrations!],
      projections: [projection],
      routes: [
        ...accountsRoutes({
          store: deps.store,
          clock: deps.clock,
          hasher: options.hasher ?? new Argon2PasswordHasher(settings.passwordHash),
          jwtSecret: deps.jwtSecret,
          accessTokenTtlSeconds: deps.accessTokenTtlSeconds,
          refreshTokenTtlSeconds: settings.refreshTokenTtlSeconds,
          serviceTokenTtlSeconds: settings.serviceTokenTtlSeconds,
          adminEmails: settings.adminEmails,
          loginLimiter: new TokenBucketLimiter({ capacity: perMinute, refillPerSecond: perMinute / 60 }),
          addressLimiter: new TokenBucketLimiter({ capacity: perMinute * 20, refillPerSecond: (perMinute * 20) / 60 }),
          tokenLimiter: new TokenBucketLimiter({ capacity: 10, refillPerSecond: 10 / 60 }),
        }),
        ...accountQueryRoutes(deps.database),
      ],
    };
  };
}
