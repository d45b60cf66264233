import type { NextFunction, Request, Response } from 'express';
import type * as t from 'io-ts';
import { authorize } from './access-guard.js';
import { decodeInput } from './decode-input.js';
import { inputFault } from './input-text.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { HttpProblem, invalidInput, type FieldError } from './problem.js';
import type { Principal } from './principal.js';
import { requestFingerprint } from './request-fingerprint.js';
import { contextOf } from './request-context.js';
import { preparedOutcome, preparedProblem, refusalOf, sendPrepared, type PreparedResponse } from './route-response.js';
import { idempotencyOf, type Route, type RouteRequest } from './route.js';

const VALID_IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The express handler of one declared route: access rule → decode path, query and body
 * (400 naming every bad field) → Idempotency-Key → handler → response. Refusals become
 * problem responses here; unexpected errors go on to the app's error handler (500).
 */
export function routeHandler(route: Route, idempotency: IdempotencyStore) {
  const routeLabel = `${route.method.toUpperCase()} ${route.path}`;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const context = contextOf(res);
    context.route = route.path;
    context.log = context.log.child({ operation: routeLabel });
    try {
      const principal = authorize(route.auth, context.authentication);
      if (principal) context.log = context.log.child({ principal: `${principal.kind}:${principal.id}` });
      const mediaType = unsupportedMediaType(req);
      if (mediaType) throw mediaType;
      const errors: FieldError[] = [];
      const pathFault = inputFault(req.params, 'path', 2);
      if (pathFault) throw invalidInput([{ field: pathFault.field, in: 'path', message: pathFault.message }]);
      const part = <A>(codec: t.Type<A, unknown, unknown> | undefined, input: unknown, location: FieldError['in']): A => {
        if (!codec) return input as A;
        const decoded = decodeInput(codec, input, location);
        if (decoded.ok) return decoded.value;
        errors.push(...decoded.errors);
        return undefined as A;
      };
      const params = part(route.params, { ...req.params }, 'path');
      const query = part(route.query, { ...(req.query as object) }, 'query');
      const body = route.body ? part(route.body, req.body, 'body') : undefined;
      const idempotencyKey = readIdempotencyKey(req, route, errors);
      if (errors.length > 0) throw invalidInput(errors);

      const request: RouteRequest<unknown, unknown, unknown, Principal | undefined> = {
        params,
        query,
        body,
        principal,
        correlationId: context.correlationId,
        idempotencyKey,
        headers: req.headers,
        clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        log: context.log,
      };
      if (idempotencyKey === undefined || idempotencyOf(route) === 'off') {
        sendPrepared(res, await run(route, request));
        return;
      }

      // Keys are scoped to their caller; anonymous callers by address, so two strangers' keys never meet.
      const owner = principal ? `${principal.kind}:${principal.id}` : `anonymous:${request.clientIp}`;
      const claim = await idempotency.claim(owner, idempotencyKey, requestFingerprint(req));
      if (claim.kind === 'replay') return sendPrepared(res, claim.response, { 'Idempotent-Replayed': 'true' });
      if (claim.kind === 'other_request') {
        throw new HttpProblem(422, 'idempotency.key_reused', 'This Idempotency-Key was used with another request body', {
          field: 'Idempotency-Key',
        });
      }
      if (claim.kind === 'in_flight') {
        throw new HttpProblem(409, 'idempotency.in_flight', 'A request with this Idempotency-Key is still being processed; retry later', {
          field: 'Idempotency-Key',
          headers: { 'Retry-After': '1' },
        });
      }
      let response: PreparedResponse;
      try {
        response = await run(route, request);
      } catch (error) {
        await idempotency.release(owner, idempotencyKey).catch((e) => context.log.error({ err: e }, 'could not release an idempotency key'));
        throw error;
      }
      try {
        if (response.status < 500) await idempotency.complete(owner, idempotencyKey, response);
        else await idempotency.release(owner, idempotencyKey);
      } catch (error) {
        context.log.error({ err: error }, 'could not record the response of an idempotency key');
      }
      sendPrepared(res, response);
    } catch (error) {
      next(error);
    }
  };
}

/** The handler's outcome as a response; its refusals (Left, DomainErrorException, HttpProblem) as problems. */
async function run(route: Route, request: RouteRequest<unknown, unknown, unknown, Principal | undefined>): Promise<PreparedResponse> {
  try {
    return preparedOutcome(await route.handle(request as never), request.correlationId);
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal) return preparedProblem(refusal, request.correlationId);
    throw error;
  }
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** What the body parser reads (create-app.ts): `application/json` and `application/*+json` (`merge-patch+json` …). */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/**
 * A POST/PUT/PATCH that carries a body in anything but JSON is 415, saying what to send: the
 * body parser left it unread, and the codecs would otherwise answer "body is required". A
 * request without a body (no Content-Length, or 0) passes, so a route whose body is all
 * optional is called bare.
 */
function unsupportedMediaType(req: Request): HttpProblem | undefined {
  if (!BODY_METHODS.has(req.method)) return undefined;
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody || req.is(JSON_MEDIA_TYPES)) return undefined;
  const sent = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  const shown = sent && /^[a-z0-9!#$&^_.+-]{1,60}\/[a-z0-9!#$&^_.+-]{1,60}$/.test(sent) ? `got ${sent}` : sent ? 'got another type' : 'no Content-Type was sent';
  return new HttpProblem(415, 'request.unsupported_media_type', `The request body must be JSON, sent with Content-Type: application/json (${shown})`, {
    field: 'Content-Type',
  });
}

function readIdempotencyKey(req: Request, route: Route, errors: FieldError[]): string | undefined {
  const mode = idempotencyOf(route);
  const key = req.get('Idempotency-Key');
  if (mode === 'off') return key;
  if (key === undefined) {
    if (mode === 'required') errors.push({ field: 'Idempotency-Key', in: 'header', message: 'is required' });
    return undefined;
  }
  if (!VALID_IDEMPOTENCY_KEY.test(key)) {
    errors.push({ field: 'Idempotency-Key', in: 'header', message: 'must be 1 to 255 visible ASCII characters' });
    return undefined;
  }
  return key;
}
