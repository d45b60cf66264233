import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import { domainError, type DomainError, type EventSourcedDecider } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * One G2A withdrawal to a user's verified wallet (issue 14, item 7; seed 000 §2 stage 2), stream
 * `G2aWithdrawal-<withdrawalId>`:
 * `requested` (user, amount, address) → `held` (the amount is held on the user's G2aAccount) →
 * `sent` (the gateway accepted the transfer: its task id) → `completed` (the task confirmed on
 * chain; the hold settled) | `failed` (with the reason: the hold refused for want of balance,
 * the gateway refusing — a limit —, or the task failing on chain; a held amount is released).
 *
 * The money invariant is the account's, not this stream's: the withdrawal only says where the
 * request stands. `taskStream` is the gateway's stream of the task it will ask for (known before
 * asking: the task id follows from the request id), so the withdrawal saga follows it from the
 * start and never misses its outcome. Addresses are TON wallet addresses (not personal data
 * here); the raw form is what identifies a wallet (`rawAddress`), the form sent is kept.
 */
export const G2aWithdrawalEvent = t.union([
  eventCodec(
    'G2aWithdrawalRequested',
    t.type({ withdrawalId: t.string, userId: t.string, amount: t.string, toAddress: t.string, rawAddress: t.string, taskStream: t.string, requestedAt: t.string }),
  ),
  eventCodec('G2aWithdrawalHeld', t.type({ withdrawalId: t.string, heldAt: t.string })),
  eventCodec('G2aWithdrawalSent', t.type({ withdrawalId: t.string, taskId: t.string, sentAt: t.string })),
  eventCodec('G2aWithdrawalCompleted', t.type({ withdrawalId: t.string, taskId: t.string, txHash: t.union([t.string, t.null]), completedAt: t.string })),
  eventCodec(
    'G2aWithdrawalFailed',
    t.type({
      withdrawalId: t.string,
      /** `hold`: the balance did not cover it; `gateway`: the gateway refused (a limit …); `chain`: the task failed. */
      stage: t.keyof({ hold: null, gateway: null, chain: null }),
      /** A stable code: `withdrawal.insufficient_balance`, the gateway's (`limits.per_transfer` …), `withdrawal.transfer_failed`. */
      reason: t.string,
      message: t.string,
      /** Whether an amount was held (and is to be released). */
      wasHeld: t.boolean,
      failedAt: t.string,
    }),
  ),
]);
export type G2aWithdrawalEvent = t.TypeOf<typeof G2aWithdrawalEvent>;

export type WithdrawalStatus = 'none' | 'requested' | 'held' | 'sent' | 'completed' | 'failed';

export interface G2aWithdrawalState {
  readonly status: WithdrawalStatus;
  readonly withdrawalId?: string;
  readonly userId?: string;
  readonly amount?: bigint;
  readonly toAddress?: string;
  readonly rawAddress?: string;
  readonly taskStream?: string;
  readonly taskId?: string;
  readonly failure?: { readonly stage: 'hold' | 'gateway' | 'chain'; readonly reason: string; readonly message: string; readonly wasHeld: boolean };
}

export type G2aWithdrawalCommand =
  | {
      readonly type: 'RequestWithdrawal';
      readonly withdrawalId: string;
      readonly userId: string;
      readonly amount: bigint;
      readonly toAddress: string;
      readonly rawAddress: string;
      readonly taskStream: string;
      readonly now: Date;
    }
  | { readonly type: 'MarkHeld'; readonly now: Date }
  | { readonly type: 'MarkSent'; readonly taskId: string; readonly now: Date }
  | { readonly type: 'CompleteWithdrawal'; readonly taskId: string; readonly txHash: string | null; readonly now: Date }
  | { readonly type: 'FailWithdrawal'; readonly stage: 'hold' | 'gateway' | 'chain'; readonly reason: string; readonly message: string; readonly now: Date };

export const streamOfG2aWithdrawal = (withdrawalId: string): string => `G2aWithdrawal-${withdrawalId}`;
export const g2aWithdrawalOfStream = (stream: string): string | undefined => (stream.startsWith('G2aWithdrawal-') ? stream.slice('G2aWithdrawal-'.length) : undefined);

/** Whether a repeated request is the same withdrawal (same user, amount and wallet). */
export const sameWithdrawal = (state: G2aWithdrawalState, request: { readonly userId: string; readonly amount: bigint; readonly rawAddress: string }): boolean =>
  state.userId === request.userId && state.amount === request.amount && state.rawAddress === request.rawAddress;

const notRequested = (): Either<DomainError, never> => left(domainError('not_found', 'withdrawal.not_found', 'no such withdrawal'));
const past = (state: G2aWithdrawalState, wanted: string): Either<DomainError, never> =>
  left(domainError('conflict', `withdrawal.already_${state.status}`, `the withdrawal is already ${state.status}; it cannot become ${wanted}`));

export const g2aWithdrawalDecider: EventSourcedDecider<G2aWithdrawalCommand, G2aWithdrawalEvent, G2aWithdrawalState> = {
  events: G2aWithdrawalEvent,
  initialState: { status: 'none' },
  decide(command, state) {
    const at = command.now.toISOString();
    switch (command.type) {
      case 'RequestWithdrawal': {
        if (command.amount <= 0n) return left(domainError('rule_violated', 'withdrawal.invalid_amount', 'a withdrawal is a whole number of jetton units above zero', 'amount'));
        if (state.status !== 'none') {
          if (sameWithdrawal(state, command)) return right([]);
          return left(domainError('conflict', 'withdrawal.id_reused', `withdrawal ${command.withdrawalId} was asked for with another user, amount or address`, 'withdrawal_id'));
        }
        const { withdrawalId, userId, toAddress, rawAddress, taskStream } = command;
        return right([{ type: 'G2aWithdrawalRequested', data: { withdrawalId, userId, amount: command.amount.toString(), toAddress, rawAddress, taskStream, requestedAt: at } }]);
      }
      case 'MarkHeld':
        if (state.status === 'none') return notRequested();
        if (state.status === 'requested') return right([{ type: 'G2aWithdrawalHeld', data: { withdrawalId: state.withdrawalId!, heldAt: at } }]);
        if (state.status === 'failed') return past(state, 'held');
        return right([]);
      case 'MarkSent':
        if (state.status === 'none') return notRequested();
        if (state.status === 'requested') return left(domainError('conflict', 'withdrawal.not_held', 'a withdrawal is sent only once its amount is held'));
        if (state.status === 'held') return right([{ type: 'G2aWithdrawalSent', data: { withdrawalId: state.withdrawalId!, taskId: command.taskId, sentAt: at } }]);
        // sent, completed or failed: the gateway's answer came back late (a retried effect); nothing new
        return right([]);
      case 'CompleteWithdrawal':
        if (state.status === 'none') return notRequested();
        if (state.status === 'completed') return right([]);
        if (state.status === 'requested' || state.status === 'failed') return past(state, 'completed');
        return right([{ type: 'G2aWithdrawalCompleted', data: { withdrawalId: state.withdrawalId!, taskId: command.taskId, txHash: command.txHash, completedAt: at } }]);
      case 'FailWithdrawal': {
        if (state.status === 'none') return notRequested();
        if (state.status === 'failed') return right([]);
        if (state.status === 'completed') return past(state, 'failed');
        const wasHeld = state.status === 'held' || state.status === 'sent';
        if (command.stage === 'hold' && wasHeld) return past(state, 'refused its hold');
        return right([
          { type: 'G2aWithdrawalFailed', data: { withdrawalId: state.withdrawalId!, stage: command.stage, reason: command.reason, message: command.message, wasHeld, failedAt: at } },
        ]);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'G2aWithdrawalRequested': {
        const d = event.data;
        return { status: 'requested', withdrawalId: d.withdrawalId, userId: d.userId, amount: BigInt(d.amount), toAddress: d.toAddress, rawAddress: d.rawAddress, taskStream: d.taskStream };
      }
      case 'G2aWithdrawalHeld':
        return { ...state, status: 'held' };
      case 'G2aWithdrawalSent':
        return { ...state, status: 'sent', taskId: event.data.taskId };
      case 'G2aWithdrawalCompleted':
        return { ...state, status: 'completed', taskId: event.data.taskId };
      case 'G2aWithdrawalFailed': {
        const { stage, reason, message, wasHeld } = event.data;
        return { ...state, status: 'failed', failure: { stage, reason, message, wasHeld } };
      }
    }
  },
};
