/**
 * Routes are data: one declaration both mounts the express handler and documents the
 * operation in GET /openapi.json, so no route exists undocumented.
 *
 * How a context declares and mounts its routes (e.g. commands/ticketing/ticketing-routes.ts):
 *
 * ```ts
 * import * as t from 'io-ts';
 * import { defineRoute, type Route } from '../../adapters/http/route.js';
 * import { IsoDateTime } from '../../adapters/http/text-codecs.js';
 *
 * const CreateEventBody = t.type({ title: t.string, startsAt: IsoDateTime });
 *
 * export function ticketingCommandRoutes(deps: { store: EventStore }): Route[] {
 *   return [
 *     defineRoute({
 *       method: 'post',
 *       path: '/api/events',
 *       summary: 'Create an event (draft)',
 *       tags: ['ticketing'],
 *       auth: { roles: ['organizer'] },           // admin passes every guard
 *       body: CreateEventBody,                    // 400 naming the field when it does not decode
 *       responses: { 201: { description: 'Created', schema: t.type({ id: t.string }) } },
 *       handle: async ({ body, principal, correlationId }) => {
 *         const outcome = await handleCommand(deps.store, eventDecider, `Event-${id}`, …, { correlationId, actor: principal.id });
 *         if (isLeft(outcome)) return outcome;        // Left<DomainError> → 404/409/422 … problem
 *         return { status: 201, body: { id }, headers: { Location: `/api/events/${id}` } };
 *       },
 *     }),
 *   ];
 * }
 *
 * // bin/serve.ts
 * await migrate(database, eventLogMigrations, httpMigrations, …);
 * const { app } = createHttpApp({ routes: [...ticketingCommandRoutes(deps), …], database, logger, jwtSecret, readinessChecks });
 * const server = await startHttpServer(app, config.server.port);
 * ```
 *
 * Refusals: a handler either RETURNS an fp-ts `Left<DomainError>` (what command handlers give)
 * or THROWS `DomainErrorException` (domain/decider.ts) — both become the same problem
 * response (not_found 404, forbidden 403, unauthorized 401, conflict 409, rule_violated 422,
 * rate_limited 429 with Retry-After). `HttpProblem` (problem.ts) is for HTTP-level refusals.
 * Anything else thrown is a 500 whose body carries only the correlation id.
 *
 * POST routes honour `Idempotency-Key` (set `idempotency` to change that): a retried request
 * gets the stored response back without the handler running again.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Either } from 'fp-ts/Either';
import type * as t from 'io-ts';
import type { DomainError } from '../../domain/decider.js';
import type { Logger } from '../observability/logger.js';
import type { Principal, Role } from './principal.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** `'public'`: anyone; otherwise a valid access token, and (when listed) one of the roles or all of the scopes. */
export type AccessRule = 'public' | { readonly roles?: readonly Role[]; readonly scopes?: readonly string[] };

export interface ResponseDeclaration {
  readonly description: string;
  /** Body schema for the OpenAPI document. */
  readonly schema?: t.Mixed;
  /** `application/json` unless said otherwise (`text/plain` …). */
  readonly contentType?: string;
  /** Other media types the same answer may come in (by the request's Accept), with their body schema: `{ 'text/event-stream': … }`. */
  readonly alternatives?: Readonly<Record<string, t.Mixed>>;
}

export interface RouteRequest<P, Q, B, Who> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly principal: Who;
  readonly correlationId: string;
  /** The request's Idempotency-Key header, when sent. */
  readonly idempotencyKey: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** The caller's address (express `req.ip`: the socket's, or X-Forwarded-For with `trust proxy`). */
  readonly clientIp: string;
  /** Carries the correlation id and route. */
  readonly log: Logger;
}

export interface RouteResult {
  readonly status: number;
  /** JSON-encoded unless it is a string (then sent as is; set Content-Type in headers). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Instead of `body`: a body written over time (Server-Sent Events); see StreamedBody. */
  readonly stream?: StreamedBody;
}

/**
 * A response body written over time (`text/event-stream` …): status and headers are sent at
 * once, then the function writes chunks until it returns, and the response ends. `write`
 * resolves once the chunk is handed to the socket (it waits while a slow client's buffer is
 * full); `signal` aborts when the client goes away. Never stored for Idempotency-Key replay
 * (only GET routes stream).
 */
export type StreamedBody = (sink: { write(chunk: string): Promise<void>; readonly signal: AbortSignal }) => Promise<void>;

export type RouteOutcome = RouteResult | Either<DomainError, RouteResult>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCodec<A> = t.Type<A, any, unknown>;

export interface RouteDeclaration<P, Q, B, A extends AccessRule> {
  readonly method: HttpMethod;
  /** Express template: `/api/events/:id`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** Unique name in the OpenAPI document; derived from method and path when absent. */
  readonly operationId?: string;
  readonly auth: A;
  readonly params?: AnyCodec<P>;
  /** Query values arrive as text: use text-codecs.ts (IntegerFromText …) for numbers. */
  readonly query?: AnyCodec<Q>;
  readonly body?: AnyCodec<B>;
  /** Defaults: 'optional' for POST, 'off' otherwise. 'required' answers 400 without the header. */
  readonly idempotency?: 'optional' | 'required' | 'off';
  readonly responses: Readonly<Record<number, ResponseDeclaration>>;
  handle(request: RouteRequest<P, Q, B, A extends 'public' ? Principal | undefined : Principal>): Promise<RouteOutcome>;
}

/** A declaration with its types erased, as lists of routes hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Route = RouteDeclaration<any, any, any, AccessRule>;

type Unset = Record<string, never>;

/** Declare a route; the types of params/query/body/principal flow from the codecs and auth rule. */
export function defineRoute<const A extends AccessRule, P = Record<string, string>, Q = Unset, B = undefined>(
  declaration: RouteDeclaration<P, Q, B, A>,
): Route {
  return declaration as unknown as Route;
}

export function idempotencyOf(route: Route): 'optional' | 'required' | 'off' {
  return route.idempotency ?? (route.method === 'post' ? 'optional' : 'off');
}
