import { invalidInput } from '../../adapters/http/problem.js';
import { randomUUID } from 'node:crypto';
import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import { signAccessToken } from '../../adapters/http/access-token.js';
import type { Principal } from '../../adapters/http/principal.js';
import { tooManyAttempts, type BackoffAttempt, type FailureBackoff, type TokenBucketLimiter } from '../../adapters/http/rate-limiter.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import type { PasswordHasher } from '../../adapters/passwords/password-hasher.js';
import { emailClaimDecider, normalizeEmail, streamOfEmail } from '../../domain/accounts/email-claim.js';
import { refreshFamilyDecider, streamOfRefreshFamily } from '../../domain/accounts/refresh-family.js';
import type { RoleRegistry } from '../../adapters/app/context-module.js';
import { RoleName, type Role } from '../../domain/accounts/role.js';
import { servicePrincipalDecider, streamOfServicePrincipal } from '../../domain/accounts/service-principal.js';
import { streamOfUser, userDecider, type UserState } from '../../domain/accounts/user.js';
import { domainError, DomainErrorException, type DomainError } from '../../domain/decider.js';
import type { Clock } from '../../platform/clock.js';
import { handleCommand } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';
import { familyOf, newClientCredentials, newRefreshToken, tokenHash } from './credentials.js';

export interface AccountsDependencies {
  readonly store: EventStore;
  /** The roles the running contexts declare: what an admin may grant. */
  readonly roles: RoleRegistry;
  /** Data subjects' keys: forgetting a person destroys theirs. */
  readonly personalData: { forget(subject: string, by: string): Promise<boolean> };
  /** Read-your-writes: resolves once the accounts read model has caught up with `position` (bounded). */
  readonly accountsReached: (position: Position) => Promise<unknown>;
  readonly clock: Clock;
  readonly hasher: PasswordHasher;
  readonly jwtSecret: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly serviceTokenTtlSeconds: number;
  readonly adminEmails: readonly string[];
  readonly limits: AccountLimits;
}

/**
 * Brute-force limits (A-4, docs/architecture.md "Brute-force limits"). An attacker is slowed by
 * what it controls (its address, the pair of its address and the account it guesses), so the
 * owner, trying from elsewhere, is not locked out; the per-account ceilings are a last resort.
 */
export interface AccountLimits {
  /** Login and token attempts per client address (a wide budget: several people share one). */
  readonly address: TokenBucketLimiter;
  /** Exponential delay per (e-mail, client address) after failed logins. */
  readonly loginFailures: FailureBackoff;
  /** Login attempts per account from all addresses together (the generous ceiling). */
  readonly account: TokenBucketLimiter;
  /** Exponential delay per (client id, client address) after wrong client secrets. */
  readonly clientFailures: FailureBackoff;
  /** Token requests per client id from all addresses together (the generous ceiling). */
  readonly client: TokenBucketLimiter;
  /** Registrations per client address (each one costs an argon2 hash). */
  readonly registrations: TokenBucketLimiter;
}

const MAX_EMAIL_LENGTH = 254;
const Email = t.refinement(t.string, (s) => s.length <= MAX_EMAIL_LENGTH && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s.trim()), 'Email');
const MAX_PASSWORD_LENGTH = 256;
const Password = t.refinement(t.string, (s) => s.length >= 8 && s.length <= MAX_PASSWORD_LENGTH, 'Password (8–256 characters)');
const DisplayName = t.refinement(t.string, (s) => s.trim().length >= 1 && s.length <= 100, 'DisplayName (1–100 characters)');
const RegisterBody = t.type({ email: Email, password: Password, display_name: DisplayName });
const LoginBody = t.type({ email: t.string, password: t.string });
const RefreshBody = t.type({ refresh_token: t.string });
const TokenBody = t.type({ grant_type: t.literal('client_credentials'), client_id: t.string, client_secret: t.string });

const UserView = t.type({ id: t.string, email: t.string, display_name: t.string, roles: t.array(t.string), registered_at: t.string });
const Tokens = t.type({ access_token: t.string, token_type: t.literal('Bearer'), expires_in: t.number, refresh_token: t.string, refresh_expires_in: t.number, user: UserView });
const ServiceToken = t.type({ access_token: t.string, token_type: t.literal('Bearer'), expires_in: t.number, scope: t.string });

const unauthorized = (code: string, message: string) => left(domainError('unauthorized', code, message));
const badCredentials = () => unauthorized('auth.invalid_credentials', 'e-mail or password is wrong');

export const userView = (state: UserState) => ({
  id: state.userId!,
  email: state.email!,
  display_name: state.displayName!,
  roles: [...state.roles],
  registered_at: state.registeredAt!,
});

/** Accounts and access (A-1 … A-4): register, log in, refresh with rotation, log out, roles, service principals. */
export function accountsRoutes(deps: AccountsDependencies): Route[] {
  const now = () => deps.clock.now();
  const nowSeconds = () => Math.floor(now().getTime() / 1000);
  const accessToken = (state: UserState) =>
    signAccessToken({ kind: 'user', id: state.userId!, roles: state.roles, scopes: [] }, { secret: deps.jwtSecret, ttlSeconds: deps.accessTokenTtlSeconds, now: nowSeconds() });
  const loadUser = (userId: string) => loadAggregate(deps.store, userDecider, streamOfUser(userId));

  /** A new login: a new refresh-token family and an access token. */
  const startSession = async (state: UserState, correlationId: string) => {
    const { familyId, token } = newRefreshToken();
    const started = await handleCommand(
      deps.store,
      refreshFamilyDecider,
      streamOfRefreshFamily(familyId),
      { type: 'StartFamily', familyId, userId: state.userId!, tokenHash: tokenHash(token), expiresAt: new Date(now().getTime() + deps.refreshTokenTtlSeconds * 1000), now: now() },
      { correlationId, actor: `user:${state.userId}`, now: now() },
    );
    if (started._tag === 'Left') throw new DomainErrorException(started.left);
    return tokensBody(state, token);
  };
  const tokensBody = async (state: UserState, refreshToken: string) => ({
    access_token: await accessToken(state),
    token_type: 'Bearer' as const,
    expires_in: deps.accessTokenTtlSeconds,
    refresh_token: refreshToken,
    refresh_expires_in: deps.refreshTokenTtlSeconds,
    user: userView(state),
  });

  const register = async (body: t.TypeOf<typeof RegisterBody>, correlationId: string): Promise<Either<DomainError, UserState>> => {
    const email = normalizeEmail(body.email);
    const passwordHash = await deps.hasher.hash(body.password);
    // 1. the e-mail: one account per address, decided on the claim stream
    let userId: string = randomUUID();
    const claimed = await handleCommand(deps.store, emailClaimDecider, streamOfEmail(email), { type: 'ClaimEmail', userId, now: now() }, { correlationId, now: now() });
    if (claimed._tag === 'Left') {
      // claimed already — by a registration that died before writing its account? then finish it
      const claim = await loadAggregate(deps.store, emailClaimDecider, streamOfEmail(email));
      const owner = claim.state.userId!;
      if ((await loadUser(owner)).state.status !== 'none') return claimed;
      userId = owner;
    }
    // 2. the account, under the claimed id; of two racing registrations one appends, one gets 409
    const roles: Role[] = deps.adminEmails.includes(email) ? ['admin'] : [];
    const registered = await handleCommand(
      deps.store,
      userDecider,
      streamOfUser(userId),
      { type: 'RegisterUser', userId, email, displayName: body.display_name.trim(), passwordHash, roles, now: now() },
      { correlationId, actor: `user:${userId}`, now: now() },
    );
    return registered._tag === 'Left' ? registered : right(registered.right.state);
  };

  const refuse = (retryAfterSeconds: number) => new DomainErrorException(tooManyAttempts('auth.too_many_attempts', 'too many attempts; wait and try again', retryAfterSeconds));
  const limited = (limiter: TokenBucketLimiter, key: string) => {
    const decision = limiter.take(key);
    if (!decision.allowed) throw refuse(decision.retryAfterSeconds);
  };
  /**
   * The limits of one credential check, before any hashing: the address's budget, then the
   * delay earned by this address's failures for this account, then (only for attempts that
   * will be verified) the account's ceiling. The attempt returned must be settled.
   */
  const guarded = (failures: FailureBackoff, ceiling: TokenBucketLimiter, account: string, clientIp: string): BackoffAttempt => {
    limited(deps.limits.address, `ip:${clientIp}`);
    const decision = failures.begin(JSON.stringify([account, clientIp]));
    if (!decision.allowed) throw refuse(decision.retryAfterSeconds);
    const ceilingDecision = ceiling.take(account);
    if (!ceilingDecision.allowed) {
      decision.attempt.abandon();
      throw refuse(ceilingDecision.retryAfterSeconds);
    }
    return decision.attempt;
  };
  /** Run a credential check under its attempt: a refusal (Left) counts as a failure, an error as nothing. */
  const settled = async <R>(attempt: BackoffAttempt, check: () => Promise<Either<DomainError, R> | R>): Promise<Either<DomainError, R> | R> => {
    try {
      const outcome = await check();
      const refused = typeof outcome === 'object' && outcome !== null && (outcome as { _tag?: string })._tag === 'Left';
      if (refused) attempt.failed();
      else attempt.succeeded();
      return outcome;
    } catch (error) {
      attempt.abandon();
      throw error;
    }
  };

  const admin = (principal: Principal) => ({ id: principal.id, isAdmin: principal.roles.includes('admin') });

  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/register',
      summary: 'Create an account and log in (A-1)',
      description: 'Password 8–256 characters, stored only as an argon2id hash. E-mails listed in ADMIN_EMAILS become admins.',
      tags: ['accounts'],
      auth: 'public',
      body: RegisterBody,
      // responses carry tokens: never stored for replay (a retried registration is a 409, safely)
      idempotency: 'off',
      responses: {
        201: { description: 'The account and its first tokens', schema: Tokens },
        400: { description: 'A field is missing or malformed' },
        409: { description: 'The e-mail is taken' },
        429: { description: 'Too many registrations from this address (REGISTRATIONS_PER_ADDRESS_PER_HOUR; Retry-After)' },
      },
      handle: async ({ body, clientIp, correlationId }) => {
        limited(deps.limits.registrations, `ip:${clientIp}`); // before the password is hashed
        const registered = await register(body, correlationId);
        if (registered._tag === 'Left') return registered;
        return { status: 201, body: await startSession(registered.right, correlationId), headers: { Location: '/api/users/me' } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/login',
      summary: 'Log in with e-mail and password (A-1); brute force is limited (A-4)',
      tags: ['accounts'],
      auth: 'public',
      body: LoginBody,
      idempotency: 'off',
      responses: {
        200: { description: 'Access and refresh tokens', schema: Tokens },
        401: { description: 'Wrong e-mail or password (the same answer for both)' },
        429: { description: 'Too many attempts from this address, or too many failures from this address for this account (a delay that doubles), or the account’s last-resort ceiling (Retry-After)' },
      },
      handle: async ({ body, clientIp, correlationId }) => {
        const email = normalizeEmail(body.email);
        if (email.length > MAX_EMAIL_LENGTH) {
          limited(deps.limits.address, `ip:${clientIp}`);
          return badCredentials(); // no account has such an address: nothing to hash, no key to remember
        }
        const attempt = guarded(deps.limits.loginFailures, deps.limits.account, `email:${email}`, clientIp);
        return settled(attempt, async () => {
          if (body.password.length > MAX_PASSWORD_LENGTH) return badCredentials(); // no account has such a password
          const claim = await loadAggregate(deps.store, emailClaimDecider, streamOfEmail(email));
          const user = claim.state.userId ? (await loadUser(claim.state.userId)).state : undefined;
          if (!user || user.status !== 'registered') {
            await deps.hasher.verifyNothing(body.password);
            return badCredentials();
          }
          if (!(await deps.hasher.verify(user.passwordHash!, body.password))) return badCredentials();
          return { status: 200 as const, body: await startSession(user, correlationId) };
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/refresh',
      summary: 'Trade a refresh token for new tokens (A-1): the old one stops working; reusing it revokes the whole family',
      tags: ['accounts'],
      auth: 'public',
      body: RefreshBody,
      idempotency: 'off',
      responses: { 200: { description: 'New access and refresh tokens (roles as they are now)', schema: Tokens }, 401: { description: 'Invalid, expired, revoked or reused refresh token' } },
      handle: async ({ body, correlationId }) => {
        const familyId = familyOf(body.refresh_token);
        if (!familyId) return unauthorized('auth.refresh_invalid', 'this refresh token is not valid; log in again');
        const { token } = newRefreshToken(familyId);
        const rotated = await handleCommand(
          deps.store,
          refreshFamilyDecider,
          streamOfRefreshFamily(familyId),
          { type: 'Rotate', presentedHash: tokenHash(body.refresh_token), tokenHash: tokenHash(token), expiresAt: new Date(now().getTime() + deps.refreshTokenTtlSeconds * 1000), now: now() },
          { correlationId, now: now() },
        );
        if (rotated._tag === 'Left') return rotated;
        if (rotated.right.events.some((event) => event.type === 'RefreshFamilyRevoked')) {
          return unauthorized('auth.refresh_reused', 'this refresh token was already used: every session of this login is revoked; log in again');
        }
        const user = (await loadUser(rotated.right.state.userId!)).state;
        if (user.status !== 'registered') return unauthorized('auth.refresh_invalid', 'this refresh token is not valid; log in again');
        return { status: 200, body: await tokensBody(user, token) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/logout',
      summary: 'Log out: revoke the refresh token and every token of its family (A-1)',
      tags: ['accounts'],
      auth: 'public',
      body: RefreshBody,
      idempotency: 'off',
      responses: { 204: { description: 'Logged out' }, 401: { description: 'Not a refresh token of ours' } },
      handle: async ({ body, correlationId }) => {
        const familyId = familyOf(body.refresh_token);
        if (!familyId) return unauthorized('auth.refresh_invalid', 'this refresh token is not valid');
        const revoked = await handleCommand(deps.store, refreshFamilyDecider, streamOfRefreshFamily(familyId), { type: 'Revoke', presentedHash: tokenHash(body.refresh_token), now: now() }, { correlationId, now: now() });
        return revoked._tag === 'Left' ? revoked : { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/token',
      summary: 'Service principals: client credentials → a short-lived access token with the principal’s scopes (A-3)',
      description: 'OAuth 2.0 client_credentials grant as JSON: { grant_type, client_id, client_secret }.',
      tags: ['accounts'],
      auth: 'public',
      body: TokenBody,
      idempotency: 'off',
      responses: { 200: { description: 'The access token', schema: ServiceToken }, 401: { description: 'Unknown or disabled client, or a wrong secret' }, 429: { description: 'Too many attempts' } },
      handle: async ({ body, clientIp }) => {
        const invalidClient = () => unauthorized('auth.invalid_client', 'unknown client or wrong secret');
        const wellFormed = /^svc_[0-9a-f]{16}$/.test(body.client_id);
        // a malformed id is nobody's: its attempts share one key, so arbitrary ids are not remembered one by one
        const attempt = guarded(deps.limits.clientFailures, deps.limits.client, wellFormed ? `client:${body.client_id}` : 'client:malformed', clientIp);
        return settled(attempt, async () => {
          if (!wellFormed) {
            await deps.hasher.verifyNothing(body.client_secret);
            return invalidClient();
          }
          const { state } = await loadAggregate(deps.store, servicePrincipalDecider, streamOfServicePrincipal(body.client_id));
          if (state.status === 'none') {
            await deps.hasher.verifyNothing(body.client_secret);
            return invalidClient();
          }
          if (!(await deps.hasher.verify(state.secretHash!, body.client_secret)) || state.status !== 'active') return invalidClient();
          const token = await signAccessToken(
            { kind: 'service', id: state.clientId!, roles: [], scopes: state.scopes },
            { secret: deps.jwtSecret, ttlSeconds: deps.serviceTokenTtlSeconds, now: nowSeconds() },
          );
          return { status: 200 as const, body: { access_token: token, token_type: 'Bearer' as const, expires_in: deps.serviceTokenTtlSeconds, scope: state.scopes.join(' ') } };
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/users/me',
      summary: 'The caller’s account (A-2)',
      tags: ['accounts'],
      auth: {},
      responses: { 200: { description: 'The account', schema: UserView }, 403: { description: 'Not a user (a service principal)' }, 404: { description: 'The account is gone' } },
      handle: async ({ principal }) => {
        if (principal.kind !== 'user') return left(domainError('forbidden', 'user.users_only', 'service principals have no account'));
        const { state } = await loadUser(principal.id);
        if (state.status !== 'registered') return left(domainError('not_found', 'user.not_found', 'no such user'));
        return { status: 200, body: userView(state) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/users/me/become-organizer',
      summary: 'Become an organizer (A-2): the answer carries an access token with the new role',
      description: 'Idempotent. The refresh token stays valid; tokens refreshed later carry the role too.',
      tags: ['accounts'],
      auth: {},
      idempotency: 'off', // idempotent by nature, and its answer carries a token that must not be stored
      responses: { 200: { description: 'The account and a fresh access token', schema: t.type({ user: UserView, access_token: t.string, token_type: t.literal('Bearer'), expires_in: t.number }) } },
      handle: async ({ principal, correlationId }) => {
        if (principal.kind !== 'user') return left(domainError('forbidden', 'user.users_only', 'service principals have no account'));
        const outcome = await handleCommand(deps.store, userDecider, streamOfUser(principal.id), { type: 'BecomeOrganizer', now: now() }, { correlationId, actor: `user:${principal.id}`, now: now() });
        if (outcome._tag === 'Left') return outcome;
        const state = outcome.right.state;
        return { status: 200, body: { user: userView(state), access_token: await accessToken(state), token_type: 'Bearer', expires_in: deps.accessTokenTtlSeconds } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/admin/users/:id/roles',
      summary: 'Grant a role some context declares — organizer, scanner, support, admin … (A-3; admins only)',
      description: 'Takes effect in the user’s next access token (log in or refresh).',
      tags: ['accounts'],
      auth: { roles: ['admin'] },
      params: t.type({ id: t.string }),
      body: t.type({ role: RoleName }),
      responses: { 200: { description: 'The account', schema: UserView }, 404: { description: 'No such user' } },
      handle: async ({ params, body, principal, correlationId }) => {
        if (!deps.roles.grantable(body.role)) {
          const known = deps.roles.list().filter((r) => r.grantable !== false).map((r) => r.name);
          throw invalidInput([{ field: 'role', in: 'body', message: `must be one of ${known.join(', ')} (got ${JSON.stringify(body.role)})` }]);
        }
        const outcome = await handleCommand(deps.store, userDecider, streamOfUser(params.id), { type: 'GrantRole', role: body.role, by: admin(principal), now: now() }, { correlationId, actor: `user:${principal.id}`, now: now() });
        return outcome._tag === 'Left' ? outcome : { status: 200, body: userView(outcome.right.state) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/admin/users/:id/forget',
      summary: 'Forget a person (crypto-shredding; admins only, audited)',
      description:
        'Destroys the key their personal data (e-mail, display name) is sealed with in the log: from then on every reader — deciders, projections, replays, published streams — gets "[forgotten]" in those fields, the live read models are blanked at once, and the account is closed (no login, no refresh; an access token already issued runs out within its lifetime). The log itself is untouched and still replays. Idempotent. The `UserForgotten` event records who asked and when.',
      tags: ['accounts'],
      auth: { roles: ['admin'] },
      params: t.type({ id: t.string }),
      body: t.partial({}),
      responses: {
        200: { description: 'Forgotten (or forgotten before)', schema: t.type({ id: t.string, status: t.literal('forgotten'), forgotten_by: t.string }) },
        404: { description: 'No such user' },
        422: { description: 'An admin cannot forget their own account' },
      },
      handle: async ({ params, principal, correlationId }) => {
        const { state } = await loadUser(params.id);
        if (state.status === 'none') return left(domainError('not_found', 'user.not_found', 'no such user', 'id'));
        if (params.id === principal.id) return left(domainError('rule_violated', 'user.forget_self', 'an admin cannot forget their own account; ask another admin', 'id'));
        // The key goes first: if the process dies before the event, asking again completes it.
        await deps.personalData.forget(params.id, `user:${principal.id}`);
        const outcome = await handleCommand(deps.store, userDecider, streamOfUser(params.id), { type: 'ForgetUser', by: admin(principal), now: now() }, { correlationId, actor: `user:${principal.id}`, now: now() });
        if (outcome._tag === 'Left') return outcome;
        if (outcome.right.position) await deps.accountsReached(outcome.right.position);
        return { status: 200, body: { id: params.id, status: 'forgotten' as const, forgotten_by: `user:${principal.id}` } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/admin/users/:id/roles/:role',
      summary: 'Revoke a role (A-3; admins only)',
      tags: ['accounts'],
      auth: { roles: ['admin'] },
      params: t.type({ id: t.string, role: RoleName }),
      responses: { 200: { description: 'The account', schema: UserView }, 404: { description: 'No such user' }, 422: { description: 'The user role, or one’s own admin role' } },
      handle: async ({ params, principal, correlationId }) => {
        const outcome = await handleCommand(deps.store, userDecider, streamOfUser(params.id), { type: 'RevokeRole', role: params.role, by: admin(principal), now: now() }, { correlationId, actor: `user:${principal.id}`, now: now() });
        return outcome._tag === 'Left' ? outcome : { status: 200, body: userView(outcome.right.state) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/admin/service-principals',
      summary: 'Create a service principal (A-3; admins only): the client secret is shown once',
      tags: ['accounts'],
      auth: { roles: ['admin'] },
      body: t.type({ name: t.string, scopes: t.array(t.string) }),
      idempotency: 'off', // the answer carries the client secret, which is never stored
      responses: {
        201: { description: 'Client id and secret (store the secret now: it cannot be shown again)', schema: t.type({ client_id: t.string, client_secret: t.string, name: t.string, scopes: t.array(t.string) }) },
        422: { description: 'A bad name or scope' },
      },
      handle: async ({ body, principal, correlationId }) => {
        const { clientId, clientSecret } = newClientCredentials();
        const secretHash = await deps.hasher.hash(clientSecret);
        const outcome = await handleCommand(
          deps.store,
          servicePrincipalDecider,
          streamOfServicePrincipal(clientId),
          { type: 'CreateServicePrincipal', clientId, name: body.name, scopes: body.scopes, secretHash, by: principal.id, now: now() },
          { correlationId, actor: `user:${principal.id}`, now: now() },
        );
        if (outcome._tag === 'Left') return outcome;
        return { status: 201, body: { client_id: clientId, client_secret: clientSecret, name: outcome.right.state.name!, scopes: [...outcome.right.state.scopes] } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/admin/service-principals/:client_id/disable',
      summary: 'Disable a service principal (A-3; admins only): it gets no new tokens',
      tags: ['accounts'],
      auth: { roles: ['admin'] },
      params: t.type({ client_id: t.string }),
      responses: { 204: { description: 'Disabled' }, 404: { description: 'No such service principal' } },
      handle: async ({ params, principal, correlationId }) => {
        const outcome = await handleCommand(deps.store, servicePrincipalDecider, streamOfServicePrincipal(params.client_id), { type: 'DisableServicePrincipal', by: principal.id, now: now() }, { correlationId, actor: `user:${principal.id}`, now: now() });
        return outcome._tag === 'Left' ? outcome : { status: 204 };
      },
    }),
  ];
}
