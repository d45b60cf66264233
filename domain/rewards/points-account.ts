import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import { domainError, type DomainError, type EventSourcedDecider } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * A user's points account (issue 14, item 6: the Points service's ledger, kept by Connect when
 * no outside Points service is configured), one stream `PointsAccount-<userId>`:
 * - a credit is recorded once per credit id (the reward action's id, or the `Idempotency-Key`
 *   of the points protocol): the same id again with the same amount and reason is nothing new
 *   and answers the entry recorded the first time; the same id with another amount or reason is
 *   refused (`points.credit_id_reused`, a conflict);
 * - the balance is the sum of the credits, and each credit carries the balance after it, so the
 *   stream reads as a statement. (Debits are not needed yet.)
 * Points are whole units; amounts are decimal strings in events, bigint in code. Pure: the time
 * and the entry id (derived by the caller from the user and the credit id) come in the command.
 */
/** One event type for now (debits will join it in a union). */
export const PointsAccountEvent = eventCodec(
    'PointsCredited',
    t.type({
      userId: t.string,
      creditId: t.string,
      /** The ledger's own id of the entry (the protocol's `entry_id`). */
      entryId: t.string,
      amount: t.string,
      /** Why, for the user's statement (a rule and an event type; never personal data). */
      reason: t.string,
      balanceAfter: t.string,
      creditedAt: t.string,
    }),
);
export type PointsAccountEvent = t.TypeOf<typeof PointsAccountEvent>;
export type PointsCreditedEvent = Extract<PointsAccountEvent, { type: 'PointsCredited' }>;

export interface CreditPoints {
  readonly type: 'CreditPoints';
  readonly userId: string;
  readonly creditId: string;
  readonly entryId: string;
  /** Whole points, more than 0. */
  readonly amount: bigint;
  readonly reason: string;
  readonly now: Date;
}
export type PointsAccountCommand = CreditPoints;

/**
 * Keys an account has recorded, shared by the states of one history, so that folding an event
 * costs O(1) rather than a copy of everything recorded (an account holds an entry per reward and
 * every new one is folded onto it). Add-only: a key is written once. A state sees the keys
 * written up to its own length, so its answers never change; a state that is not the newest of
 * its index (a batch decided again from an earlier state) forks a copy holding only what it
 * sees. Observably pure, like a persistent map. (The G2A account uses it as well.)
 */
export class AddOnlyIndex<V> {
  private constructor(
    private readonly values: Map<string, { readonly at: number; readonly value: V }>,
    private newest: number,
  ) {}

  static empty<V>(): AddOnlyIndex<V> {
    return new AddOnlyIndex<V>(new Map(), 0);
  }

  get(key: string, length: number): V | undefined {
    const found = this.values.get(key);
    return found && found.at <= length ? found.value : undefined;
  }

  /** The index of the state after `length` events with these keys added (this one, or a fork when another state already went on from it). */
  with(added: readonly (readonly [string, V])[], length: number): AddOnlyIndex<V> {
    let index: AddOnlyIndex<V> = this;
    if (length === 0) index = new AddOnlyIndex<V>(new Map(), 0);
    else if (this.newest !== length) index = new AddOnlyIndex<V>(new Map([...this.values].filter(([, v]) => v.at <= length)), length);
    for (const [key, value] of added) {
      if (index.get(key, length) !== undefined) throw new Error(`account key ${key} recorded twice`);
      index.values.set(key, { at: length + 1, value });
    }
    index.newest = length + 1;
    return index;
  }
}

export interface PointsAccountState {
  /** Events folded so far. */
  readonly length: number;
  /** Σ credits, whole points. */
  readonly balance: bigint;
  readonly credits: AddOnlyIndex<PointsCreditedEvent>;
}

export const streamOfPointsAccount = (userId: string): string => `PointsAccount-${userId}`;
export const pointsAccountOfStream = (stream: string): string | undefined => (stream.startsWith('PointsAccount-') ? stream.slice('PointsAccount-'.length) : undefined);

/** The credit recorded under this id, if any. */
export const pointsCreditOf = (state: PointsAccountState, creditId: string): PointsCreditedEvent | undefined => state.credits.get(creditId, state.length);

/** Limits of what a credit carries (the protocol refuses more at its edge as well). */
export const MAX_CREDIT_ID_LENGTH = 200;
export const MAX_REASON_LENGTH = 500;

const invalid = (code: string, message: string, field: string): Either<DomainError, never> => left(domainError('rule_violated', code, message, field));

export const pointsAccountDecider: EventSourcedDecider<PointsAccountCommand, PointsAccountEvent, PointsAccountState> = {
  events: PointsAccountEvent,
  initialState: { length: 0, balance: 0n, credits: AddOnlyIndex.empty() },
  decide(command, state) {
    if (command.userId.length === 0) return invalid('points.invalid_user', 'a points account belongs to a user', 'user_id');
    if (command.creditId.length === 0 || command.creditId.length > MAX_CREDIT_ID_LENGTH) return invalid('points.invalid_credit_id', `a credit id is 1 to ${MAX_CREDIT_ID_LENGTH} characters`, 'credit_id');
    if (command.amount <= 0n) return invalid('points.invalid_amount', 'a credit is a whole number of points above zero', 'amount');
    if (command.reason.length === 0 || command.reason.length > MAX_REASON_LENGTH) return invalid('points.invalid_reason', `a reason is 1 to ${MAX_REASON_LENGTH} characters`, 'reason');
    const recorded = pointsCreditOf(state, command.creditId);
    if (recorded) {
      if (recorded.data.amount === command.amount.toString() && recorded.data.reason === command.reason) return right([]);
      return left(domainError('conflict', 'points.credit_id_reused', `credit ${command.creditId} is already recorded with another amount or reason`, 'credit_id'));
    }
    return right([
      {
        type: 'PointsCredited',
        data: {
          userId: command.userId,
          creditId: command.creditId,
          entryId: command.entryId,
          amount: command.amount.toString(),
          reason: command.reason,
          balanceAfter: (state.balance + command.amount).toString(),
          creditedAt: command.now.toISOString(),
        },
      },
    ]);
  },
  evolve(state, event) {
    return {
      length: state.length + 1,
      balance: state.balance + BigInt(event.data.amount),
      credits: state.credits.with([[event.data.creditId, event]], state.length),
    };
  },
};
