import type { Either } from 'fp-ts/Either';
import type * as t from 'io-ts';

/**
 * A business rule set as three pure pieces (no I/O, no clock, no randomness: pass them in
 * through the command). Events are `{ type, data }` values described by io-ts codecs.
 */
export interface Decider<C, E, S> {
  readonly initialState: S;
  decide(command: C, state: S): Either<DomainError, readonly E[]>;
  evolve(state: S, event: E): S;
}

/** A decider together with the codec of the events it folds (built with `eventCodec`). */
export interface EventSourcedDecider<C, E extends DomainEvent, S> extends Decider<C, E, S> {
  readonly events: t.Type<E, unknown, unknown>;
}

/** A domain event as deciders see it: the log adds ids, positions and metadata around it. */
export interface DomainEvent<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
}

/**
 * Why a command was refused, in the business's words. The HTTP edge maps the kind to a status:
 * not_found 404, forbidden 403, conflict 409, rule_violated 422, rate_limited 429.
 */
export interface DomainError {
  readonly kind: 'not_found' | 'forbidden' | 'conflict' | 'rule_violated' | 'rate_limited' | 'unauthorized';
  /** Stable machine-readable code, e.g. `ticket.already_used`. */
  readonly code: string;
  readonly message: string;
  /** The input field at fault, when there is one (JSON pointer-ish: `startsAt`, `items.0.qty`). */
  readonly field?: string;
}

export const domainError = (
  kind: DomainError['kind'],
  code: string,
  message: string,
  field?: string,
): DomainError => (field === undefined ? { kind, code, message } : { kind, code, message, field });

/** Thrown (not returned) when a domain error must cross a layer that only knows exceptions. */
export class DomainErrorException extends Error {
  override readonly name = 'DomainErrorException';
  constructor(readonly error: DomainError) {
    super(error.message);
  }
}
