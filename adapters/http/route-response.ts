import { isLeft } from 'fp-ts/Either';
import type { Response } from 'express';
import { DomainErrorException } from '../../domain/decider.js';
import { EventLogUnavailable, StreamDeleted } from '../eventstore/event-store.js';
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemDocument, problemOfDomainError } from './problem.js';
import type { RouteOutcome, StreamedBody } from './route.js';
import { sendStreamed } from './streamed-body.js';

/** A response ready to send and, for idempotent requests, to store and replay byte for byte. */
export interface PreparedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** A body written over time (never stored for replay). */
  readonly stream?: StreamedBody;
}

export function preparedOutcome(outcome: RouteOutcome, correlationId: string): PreparedResponse {
  if ('_tag' in outcome) {
    return isLeft(outcome) ? preparedProblem(problemOfDomainError(outcome.left), correlationId) : preparedOutcome(outcome.right, correlationId);
  }
  const headers: Record<string, string> = { ...outcome.headers };
  const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  if (outcome.stream) return { status: outcome.status, headers, body: undefined, stream: outcome.stream };
  if (outcome.body === undefined) return { status: outcome.status, headers, body: undefined };
  if (typeof outcome.body === 'string') {
    return { status: outcome.status, headers: hasType ? headers : { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, body: outcome.body };
  }
  return {
    status: outcome.status,
    headers: hasType ? headers : { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(outcome.body),
  };
}

export function preparedProblem(problem: HttpProblem, correlationId: string): PreparedResponse {
  return {
    status: problem.status,
    headers: { ...problem.extras.headers, 'Content-Type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify(problemDocument(problem, correlationId)),
  };
}

/** HttpProblem and DomainErrorException as the problem they stand for; anything else is not a refusal. */
export function refusalOf(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof DomainErrorException) return problemOfDomainError(error.error);
  if (error instanceof EventLogUnavailable) {
    return new HttpProblem(503, 'platform.event_log_unavailable', 'The event log is not answering right now; retry the request (a retry with the same Idempotency-Key is safe)', {
      headers: { 'Retry-After': '1' },
    });
  }
  if (error instanceof StreamDeleted) return new HttpProblem(410, 'platform.stream_deleted', 'What this request addresses was deleted for good from the event log');
  return undefined;
}

export function sendPrepared(res: Response, response: PreparedResponse, extraHeaders: Readonly<Record<string, string>> = {}): void {
  res.status(response.status);
  for (const [name, value] of Object.entries({ ...response.headers, ...extraHeaders })) res.setHeader(name, value);
  if (response.stream) return sendStreamed(res, response.stream);
  if (response.body === undefined) res.end();
  else res.send(Buffer.from(response.body, 'utf8'));
}
