import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Database } from '../database/database.js';
import type { Logger } from '../observability/logger.js';
import { InvalidAccessToken, verifyAccessToken } from './access-token.js';
import { IdempotencyStore } from './idempotency-store.js';
import { JSON_MEDIA_TYPES, routeHandler } from './mount-route.js';
import { buildOpenApiDocument, operationIdOf, type ApiInfo, type OpenApiDocument } from './openapi.js';
import { platformRoutes } from './platform-routes.js';
import { HttpProblem } from './problem.js';
import type { ReadinessCheck } from './readiness.js';
import { contextOf, requestContextMiddleware } from './request-context.js';
import { declaredLengthGuard, inputTextGuard, responseHardening } from './request-guards.js';
import { preparedProblem, refusalOf, sendPrepared } from './route-response.js';
import type { Route } from './route.js';

export interface HttpAppOptions {
  /** Every context's routes; /healthz, /readyz, /metrics and /openapi.json are added. */
  readonly routes: readonly Route[];
  /** Holds the idempotency keys (apply `httpMigrations` first). */
  readonly database: Database;
  readonly logger: Logger;
  /** HS256 key of access tokens (adapters/config/jwt-secret.ts resolves it). */
  readonly jwtSecret: string;
  readonly readinessChecks?: readonly ReadinessCheck[];
  readonly bodyLimitBytes?: number;
  /** Bearer token GET /metrics requires; absent, /metrics answers loopback callers only. */
  readonly metricsToken?: string | undefined;
  readonly info?: ApiInfo;
  /** An in-flight Idempotency-Key older than this may be taken over (its process died). */
  readonly idempotencyStaleAfterMs?: number;
  /** Proxies whose X-Forwarded-For names the client (express "trust proxy"); none: the socket's address. */
  readonly trustedProxies?: readonly string[];
}

export interface HttpApp {
  readonly app: Express;
  /** Every mounted route, platform ones included: exactly what the OpenAPI document lists. */
  readonly routes: readonly Route[];
  readonly openApiDocument: OpenApiDocument;
  /** The Idempotency-Key records (the host prunes them: `idempotency.prune`). */
  readonly idempotency: IdempotencyStore;
}

/** The express application: every route comes from a declaration, and so does its documentation. */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const info = options.info ?? { title: 'Ledgerline API', version: '0.1.0' };
  let document: OpenApiDocument | undefined;
  const routes: Route[] = [
    ...options.routes,
    ...platformRoutes({ readinessChecks: options.readinessChecks ?? [], openApiDocument: () => document, metricsToken: options.metricsToken }),
  ];
  assertDistinct(routes);
  document = buildOpenApiDocument(routes, info);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (options.trustedProxies && options.trustedProxies.length > 0) app.set('trust proxy', [...options.trustedProxies]);
  const bodyLimitBytes = options.bodyLimitBytes ?? 1_048_576;
  app.use(requestContextMiddleware(options.logger));
  app.use(responseHardening());
  app.use(declaredLengthGuard(bodyLimitBytes));
  app.use(express.json({ limit: bodyLimitBytes, type: JSON_MEDIA_TYPES }));
  app.use(inputTextGuard());
  app.use(authenticate(options.jwtSecret));
  const idempotency = new IdempotencyStore(options.database, {
    ...(options.idempotencyStaleAfterMs === undefined ? {} : { staleAfterMs: options.idempotencyStaleAfterMs }),
  });
  for (const route of routes) app[route.method](route.path, routeHandler(route, idempotency));
  const templates = routes.map((route) => ({ method: route.method.toUpperCase(), pattern: templatePattern(route.path) }));
  app.use((req: Request, res: Response) => {
    const allowed = templates.filter((t) => t.pattern?.test(req.path)).map((t) => t.method);
    const problem =
      allowed.length > 0
        ? new HttpProblem(405, 'route.method_not_allowed', `${req.method} is not allowed on ${printable(req.path)}; use ${allowed.join(', ')}`, {
            headers: { Allow: allowed.join(', ') },
          })
        : new HttpProblem(404, 'route.not_found', `No route ${req.method} ${printable(req.path)}`);
    sendPrepared(res, preparedProblem(problem, contextOf(res).correlationId));
  });
  app.use(problemResponder);
  return { app, routes, openApiDocument: document, idempotency };
}

/** Verify the bearer token once, at the edge; routes then apply their access rule to the result. */
function authenticate(secret: string) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('Authorization');
    if (header === undefined) return next();
    const context = contextOf(res);
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
    if (!match) {
      context.authentication = { state: 'invalid', reason: 'not a bearer token' };
      return next();
    }
    try {
      context.authentication = { state: 'authenticated', principal: await verifyAccessToken(match[1]!, { secret }) };
    } catch (error) {
      if (!(error instanceof InvalidAccessToken)) return next(error);
      context.authentication = { state: 'invalid', reason: error.message };
      context.log.debug({ reason: error.message }, 'access token rejected');
    }
    next();
  };
}

interface BodyParserError {
  readonly type?: string;
  readonly status?: number;
  readonly expose?: boolean;
}

/** Last middleware: refusals and body-parser errors as problems; anything else is a logged 500 without internals. */
function problemResponder(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const context = contextOf(res);
  if (res.headersSent) {
    context.log.error({ err: error }, 'error after the response started');
    res.destroy();
    return;
  }
  const problem = refusalOf(error) ?? problemOfParserError(error as BodyParserError);
  if (problem) return sendPrepared(res, preparedProblem(problem, context.correlationId));
  context.log.error({ err: error }, 'unexpected error');
  sendPrepared(
    res,
    preparedProblem(
      new HttpProblem(500, 'internal', `Something went wrong on our side. Quote correlation id ${context.correlationId} when reporting it.`),
      context.correlationId,
    ),
  );
}

/** A path as text safe to echo: at most 200 characters. */
function printable(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

function problemOfParserError(error: BodyParserError | null | undefined): HttpProblem | undefined {
  if (!error || typeof error !== 'object') return undefined;
  // The router could not percent-decode a path parameter (`%zz`, an overlong or surrogate UTF-8 form).
  if (error instanceof URIError) {
    return new HttpProblem(400, 'request.malformed_path', 'The request path holds malformed percent-encoding (not UTF-8 text)', { field: 'path' });
  }
  switch (error.type) {
    case 'entity.parse.failed':
      return new HttpProblem(400, 'request.malformed_json', 'The request body is not valid JSON', { field: 'body' });
    case 'entity.too.large':
      return new HttpProblem(413, 'request.too_large', 'The request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, 'request.unsupported_encoding', 'The request body’s encoding is not supported');
    case 'request.aborted':
      return new HttpProblem(400, 'request.aborted', 'The request was aborted');
  }
  if (error.expose && typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    return new HttpProblem(error.status, 'request.rejected', 'The request could not be read');
  }
  return undefined;
}

/** `/api/events/:id` as a regular expression (templates using other express syntax are skipped). */
function templatePattern(path: string): RegExp | undefined {
  if (/[{}*()?]/.test(path)) return undefined;
  const source = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.+^$|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

function assertDistinct(routes: readonly Route[]): void {
  const seen = new Set<string>();
  const ids = new Set<string>();
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) throw new Error(`route ${key} is declared twice`);
    seen.add(key);
    const id = operationIdOf(route);
    if (ids.has(id)) throw new Error(`operationId ${id} is used twice (set operationId on ${key})`);
    ids.add(id);
  }
}
