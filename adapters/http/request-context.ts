import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../observability/logger.js';
import { recordHttpRequest } from '../observability/metrics.js';
import type { Authentication } from './access-guard.js';

/** What the edge knows about one request, kept in `res.locals`. */
export interface RequestContext {
  readonly correlationId: string;
  log: Logger;
  authentication: Authentication;
  /** The declared route template once a route matched (the metrics label). */
  route: string | undefined;
}

export const CORRELATION_HEADER = 'X-Correlation-Id';
const VALID_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function contextOf(res: Response): RequestContext {
  return res.locals.ledgerline as RequestContext;
}

/**
 * First middleware: the correlation id (the client's X-Correlation-Id when well-formed, else a
 * new UUID) echoed in the response, a per-request child logger, and on finish one log line
 * and one latency observation labelled with the route template (the raw path is not logged).
 */
export function requestContextMiddleware(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const offered = req.get(CORRELATION_HEADER);
    const correlationId = offered && VALID_CORRELATION_ID.test(offered) ? offered : randomUUID();
    const started = process.hrtime.bigint();
    const context: RequestContext = {
      correlationId,
      log: logger.child({ correlationId }),
      authentication: { state: 'anonymous' },
      route: undefined,
    };
    res.locals.ledgerline = context;
    res.setHeader(CORRELATION_HEADER, correlationId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = context.route ?? 'unmatched';
      recordHttpRequest(req.method, route, res.statusCode, seconds);
      const level = res.statusCode >= 500 ? 'error' : 'info';
      // The route template, never the raw path: paths carry ticket codes and other bearer-like values.
      context.log[level]({ method: req.method, route, status: res.statusCode, durationMs: Math.round(seconds * 1000) }, 'request');
    });
    next();
  };
}
