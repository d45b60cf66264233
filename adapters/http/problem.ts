import type { DomainError } from '../../domain/decider.js';

/** One input field at fault: `startsAt`, `items.0.quantity`, `cursor`, `Idempotency-Key`. */
export interface FieldError {
  readonly field: string;
  readonly in: 'body' | 'query' | 'path' | 'header';
  readonly message: string;
}

/** An RFC 9457 problem document as Ledgerline sends it (`application/problem+json`). */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly correlationId: string;
  readonly field?: string;
  readonly errors?: readonly FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const titleOf = (status: number): string => TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
export const problemType = (code: string): string => `urn:ledgerline:problem:${code}`;

/**
 * An HTTP-level refusal (bad input, missing token, replayed idempotency key …) thrown
 * anywhere below a route; the edge turns it into a problem response. Business refusals are
 * DomainErrors instead.
 */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extras: {
      readonly field?: string;
      readonly errors?: readonly FieldError[];
      readonly headers?: Readonly<Record<string, string>>;
    } = {},
  ) {
    super(detail);
  }
}

/** 400 naming the fields at fault; `field` is the first of them (in the order the codec checks them). */
export function invalidInput(errors: readonly FieldError[]): HttpProblem {
  const detail = `Invalid request: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`;
  return new HttpProblem(400, 'request.invalid', detail, { errors, ...(errors.length > 0 ? { field: errors[0]!.field } : {}) });
}

/** A DomainError that asks the client to wait (rate limits) may say for how long. */
export type RetryableDomainError = DomainError & { readonly retryAfterSeconds?: number };

const STATUS_OF_KIND: Record<DomainError['kind'], number> = {
  not_found: 404,
  forbidden: 403,
  unauthorized: 401,
  conflict: 409,
  rule_violated: 422,
  rate_limited: 429,
};

export function problemOfDomainError(error: RetryableDomainError): HttpProblem {
  const headers: Record<string, string> = {};
  if (error.kind === 'rate_limited' && error.retryAfterSeconds !== undefined) {
    headers['Retry-After'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  }
  if (error.kind === 'unauthorized') headers['WWW-Authenticate'] = 'Bearer';
  return new HttpProblem(STATUS_OF_KIND[error.kind] ?? 422, error.code, error.message, {
    ...(error.field === undefined ? {} : { field: error.field }),
    headers,
  });
}

export function problemDocument(problem: HttpProblem, correlationId: string): ProblemDocument {
  return {
    type: problemType(problem.code),
    title: titleOf(problem.status),
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    correlationId,
    ...(problem.extras.field === undefined ? {} : { field: problem.extras.field }),
    ...(problem.extras.errors === undefined ? {} : { errors: problem.extras.errors }),
  };
}
