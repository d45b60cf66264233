import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import { domainError, type DomainError, type EventSourcedDecider } from '../decider.js';
import { eventCodec } from '../event-codec.js';
import { AddOnlyIndex } from './points-account.js';

/**
 * A user's off-chain G2A at Connect (issue 14, items 6–7; seed 000 §2: "проверяет баланс G2A в
 * своей оффчейн‑модели"), one stream `G2aAccount-<userId>`. The invariant lives here, so every
 * path that writes the stream keeps it:
 * - credits (rewards of type g2a_offchain) are recorded once per entry id; the same id with the
 *   same amount and reason is nothing new, with another is refused (`g2a.entry_id_reused`);
 * - a withdrawal first **holds** its amount, by withdrawal id; a hold never overdraws:
 *   available = balance − held ≥ 0 always. A hold the balance cannot cover is recorded as
 *   refused (`G2aHoldRefused`), so asking again for the same withdrawal answers the same
 *   refusal — whoever asks (the route, the saga's retry) gets one answer;
 * - a hold is then **settled** (the transfer was confirmed on chain: the amount leaves the
 *   balance) or **released** (the transfer failed: it is available again), exactly once; settling
 *   a released hold or releasing a settled one is refused;
 * - balance = Σ credits − Σ settled holds; held = Σ holds neither settled nor released.
 * Amounts are jetton units (9 decimals) as decimal strings in events, bigint in code. Pure.
 */
export const G2aAccountEvent = t.union([
  eventCodec('G2aCredited', t.type({ userId: t.string, entryId: t.string, amount: t.string, reason: t.string, balanceAfter: t.string, creditedAt: t.string })),
  eventCodec('G2aHeld', t.type({ userId: t.string, withdrawalId: t.string, amount: t.string, heldAfter: t.string, availableAfter: t.string, heldAt: t.string })),
  eventCodec(
    'G2aHoldRefused',
    t.type({ userId: t.string, withdrawalId: t.string, amount: t.string, available: t.string, reason: t.literal('insufficient_balance'), refusedAt: t.string }),
  ),
  eventCodec('G2aHoldSettled', t.type({ userId: t.string, withdrawalId: t.string, amount: t.string, balanceAfter: t.string, heldAfter: t.string, settledAt: t.string })),
  eventCodec('G2aHoldReleased', t.type({ userId: t.string, withdrawalId: t.string, amount: t.string, heldAfter: t.string, releasedAt: t.string })),
]);
export type G2aAccountEvent = t.TypeOf<typeof G2aAccountEvent>;
export type G2aCreditedEvent = Extract<G2aAccountEvent, { type: 'G2aCredited' }>;

export type G2aAccountCommand =
  | { readonly type: 'CreditG2a'; readonly userId: string; readonly entryId: string; readonly amount: bigint; readonly reason: string; readonly now: Date }
  | { readonly type: 'HoldG2a'; readonly userId: string; readonly withdrawalId: string; readonly amount: bigint; readonly now: Date }
  | { readonly type: 'SettleHold'; readonly userId: string; readonly withdrawalId: string; readonly now: Date }
  | { readonly type: 'ReleaseHold'; readonly userId: string; readonly withdrawalId: string; readonly now: Date };

/** A withdrawal's hold as the account knows it. */
export type HoldStatus = 'held' | 'refused' | 'settled' | 'released';
export interface Hold {
  readonly withdrawalId: string;
  readonly amount: bigint;
  readonly status: HoldStatus;
}

type Recorded =
  | { readonly kind: 'credit'; readonly event: G2aCreditedEvent }
  | { readonly kind: 'hold'; readonly amount: bigint; readonly refused: boolean }
  | { readonly kind: 'end'; readonly status: 'settled' | 'released' };

export interface G2aAccountState {
  readonly length: number;
  /** Σ credits − Σ settled holds. */
  readonly balance: bigint;
  /** Σ holds neither settled nor released. */
  readonly held: bigint;
  readonly recorded: AddOnlyIndex<Recorded>;
}

export const streamOfG2aAccount = (userId: string): string => `G2aAccount-${userId}`;
export const g2aAccountOfStream = (stream: string): string | undefined => (stream.startsWith('G2aAccount-') ? stream.slice('G2aAccount-'.length) : undefined);

/** What may be held now. */
export const availableOf = (state: G2aAccountState): bigint => state.balance - state.held;

/** The credit recorded under this entry id, if any. */
export const g2aCreditOf = (state: G2aAccountState, entryId: string): G2aCreditedEvent | undefined => {
  const found = state.recorded.get(`credit\u0000${entryId}`, state.length);
  return found?.kind === 'credit' ? found.event : undefined;
};

/** The hold of a withdrawal, if it was asked for. */
export const holdOf = (state: G2aAccountState, withdrawalId: string): Hold | undefined => {
  const hold = state.recorded.get(`hold\u0000${withdrawalId}`, state.length);
  if (hold?.kind !== 'hold') return undefined;
  if (hold.refused) return { withdrawalId, amount: hold.amount, status: 'refused' };
  const end = state.recorded.get(`end\u0000${withdrawalId}`, state.length);
  return { withdrawalId, amount: hold.amount, status: end?.kind === 'end' ? end.status : 'held' };
};

export const MAX_ENTRY_ID_LENGTH = 200;
export const MAX_REASON_LENGTH = 500;

const invalid = (code: string, message: string, field: string): Either<DomainError, never> => left(domainError('rule_violated', code, message, field));

function decideCredit(command: Extract<G2aAccountCommand, { type: 'CreditG2a' }>, state: G2aAccountState): Either<DomainError, G2aAccountEvent[]> {
  if (command.entryId.length === 0 || command.entryId.length > MAX_ENTRY_ID_LENGTH) return invalid('g2a.invalid_entry_id', `an entry id is 1 to ${MAX_ENTRY_ID_LENGTH} characters`, 'entryId');
  if (command.amount <= 0n) return invalid('g2a.invalid_amount', 'a credit is a whole number of jetton units above zero', 'amount');
  if (command.reason.length === 0 || command.reason.length > MAX_REASON_LENGTH) return invalid('g2a.invalid_reason', `a reason is 1 to ${MAX_REASON_LENGTH} characters`, 'reason');
  const recorded = g2aCreditOf(state, command.entryId);
  if (recorded) {
    if (recorded.data.amount === command.amount.toString() && recorded.data.reason === command.reason) return right([]);
    return left(domainError('conflict', 'g2a.entry_id_reused', `entry ${command.entryId} is already recorded with another amount or reason`, 'entryId'));
  }
  const balanceAfter = state.balance + command.amount;
  return right([
    {
      type: 'G2aCredited',
      data: { userId: command.userId, entryId: command.entryId, amount: command.amount.toString(), reason: command.reason, balanceAfter: balanceAfter.toString(), creditedAt: command.now.toISOString() },
    },
  ]);
}

function decideHold(command: Extract<G2aAccountCommand, { type: 'HoldG2a' }>, state: G2aAccountState): Either<DomainError, G2aAccountEvent[]> {
  if (command.amount <= 0n) return invalid('g2a.invalid_amount', 'a hold is a whole number of jetton units above zero', 'amount');
  const hold = holdOf(state, command.withdrawalId);
  if (hold) {
    if (hold.amount === command.amount) return right([]);
    return left(domainError('conflict', 'g2a.hold_id_reused', `withdrawal ${command.withdrawalId} already holds ${hold.amount}, not ${command.amount}`, 'withdrawalId'));
  }
  const available = availableOf(state);
  const base = { userId: command.userId, withdrawalId: command.withdrawalId, amount: command.amount.toString() };
  if (command.amount > available) {
    return right([{ type: 'G2aHoldRefused', data: { ...base, available: available.toString(), reason: 'insufficient_balance', refusedAt: command.now.toISOString() } }]);
  }
  return right([
    { type: 'G2aHeld', data: { ...base, heldAfter: (state.held + command.amount).toString(), availableAfter: (available - command.amount).toString(), heldAt: command.now.toISOString() } },
  ]);
}

function decideEnd(command: Extract<G2aAccountCommand, { type: 'SettleHold' | 'ReleaseHold' }>, state: G2aAccountState): Either<DomainError, G2aAccountEvent[]> {
  const hold = holdOf(state, command.withdrawalId);
  if (!hold) return left(domainError('not_found', 'g2a.hold_not_found', `withdrawal ${command.withdrawalId} holds nothing on this account`));
  const settling = command.type === 'SettleHold';
  if (hold.status === (settling ? 'settled' : 'released')) return right([]);
  if (hold.status === 'refused') {
    // a refused hold held nothing: releasing it is nothing to do, settling it is a mistake
    if (!settling) return right([]);
    return left(domainError('conflict', 'g2a.hold_refused', `withdrawal ${command.withdrawalId} was refused its hold; there is nothing to settle`));
  }
  if (hold.status !== 'held') return left(domainError('conflict', `g2a.hold_${hold.status}`, `the hold of withdrawal ${command.withdrawalId} is already ${hold.status}`));
  const base = { userId: command.userId, withdrawalId: command.withdrawalId, amount: hold.amount.toString(), heldAfter: (state.held - hold.amount).toString() };
  if (settling) return right([{ type: 'G2aHoldSettled', data: { ...base, balanceAfter: (state.balance - hold.amount).toString(), settledAt: command.now.toISOString() } }]);
  return right([{ type: 'G2aHoldReleased', data: { ...base, releasedAt: command.now.toISOString() } }]);
}

export const g2aAccountDecider: EventSourcedDecider<G2aAccountCommand, G2aAccountEvent, G2aAccountState> = {
  events: G2aAccountEvent,
  initialState: { length: 0, balance: 0n, held: 0n, recorded: AddOnlyIndex.empty() },
  decide(command, state) {
    if (command.userId.length === 0) return invalid('g2a.invalid_user', 'a G2A account belongs to a user', 'userId');
    if (command.type === 'CreditG2a') return decideCredit(command, state);
    if (command.withdrawalId.length === 0 || command.withdrawalId.length > MAX_ENTRY_ID_LENGTH) return invalid('g2a.invalid_withdrawal', 'a withdrawal id is required', 'withdrawalId');
    if (command.type === 'HoldG2a') return decideHold(command, state);
    return decideEnd(command, state);
  },
  evolve(state, event) {
    const next = (changes: Partial<G2aAccountState>, added: readonly (readonly [string, Recorded])[]): G2aAccountState => ({
      ...state,
      ...changes,
      length: state.length + 1,
      recorded: state.recorded.with(added, state.length),
    });
    const amount = BigInt(event.data.amount);
    switch (event.type) {
      case 'G2aCredited':
        return next({ balance: state.balance + amount }, [[`credit\u0000${event.data.entryId}`, { kind: 'credit', event }]]);
      case 'G2aHeld':
        return next({ held: state.held + amount }, [[`hold\u0000${event.data.withdrawalId}`, { kind: 'hold', amount, refused: false }]]);
      case 'G2aHoldRefused':
        return next({}, [[`hold\u0000${event.data.withdrawalId}`, { kind: 'hold', amount, refused: true }]]);
      case 'G2aHoldSettled':
        return next({ balance: state.balance - amount, held: state.held - amount }, [[`end\u0000${event.data.withdrawalId}`, { kind: 'end', status: 'settled' }]]);
      case 'G2aHoldReleased':
        return next({ held: state.held - amount }, [[`end\u0000${event.data.withdrawalId}`, { kind: 'end', status: 'released' }]]);
    }
  },
};
