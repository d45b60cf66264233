import type { NextFunction, Request, Response } from 'express';
import { inputFault, MAX_JSON_DEPTH } from './input-text.js';
import { HttpProblem, invalidInput } from './problem.js';

/**
 * Headers on every answer: `nosniff` (a browser never guesses a type from content) and
 * `no-store` (answers are per principal — tokens, client secrets, CVCs, tickets — and no
 * shared or browser cache keeps one; a route may set its own Cache-Control).
 */
export function responseHardening() {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
}

/** A declared Content-Length over the limit is refused at once, before any of the body is read. */
export function declaredLengthGuard(limitBytes: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limitBytes) {
      res.setHeader('Connection', 'close');
      next(new HttpProblem(413, 'request.too_large', `The request body is larger than ${limitBytes} bytes`, { field: 'body' }));
      return;
    }
    next();
  };
}

/**
 * After JSON parsing: the body's strings and keys hold only allowed text and it nests at most
 * MAX_JSON_DEPTH levels (input-text.ts); query values likewise. 400 naming the first fault.
 */
export function inputTextGuard() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const queryFault = inputFault(req.query, 'query', 4);
    if (queryFault) return next(invalidInput([{ field: queryFault.field, in: 'query', message: queryFault.message }]));
    if (req.body !== undefined) {
      const bodyFault = inputFault(req.body, 'body', MAX_JSON_DEPTH);
      if (bodyFault) return next(invalidInput([{ field: bodyFault.field, in: 'body', message: bodyFault.message }]));
    }
    next();
  };
}
