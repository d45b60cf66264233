import assert from 'node:assert/strict';
import { g2aWithdrawalDecider as withdrawal, g2aWithdrawalOfStream, streamOfG2aWithdrawal, type G2aWithdrawalCommand, type G2aWithdrawalEvent } from '../../../domain/rewards/g2a-withdrawal.js';
import { given } from '../../support/decider-spec.js';

const now = new Date('2026-05-01T10:00:00.000Z');
const at = now.toISOString();
const request: G2aWithdrawalCommand = {
  type: 'RequestWithdrawal',
  withdrawalId: 'w-1',
  userId: 'u-1',
  amount: 5_000_000_000n,
  toAddress: 'EQ-wallet',
  rawAddress: '0:abc',
  taskStream: 'BlockchainTask-t-1',
  now,
};
const requested: G2aWithdrawalEvent = {
  type: 'G2aWithdrawalRequested',
  data: { withdrawalId: 'w-1', userId: 'u-1', amount: '5000000000', toAddress: 'EQ-wallet', rawAddress: '0:abc', taskStream: 'BlockchainTask-t-1', requestedAt: at },
};
const held: G2aWithdrawalEvent = { type: 'G2aWithdrawalHeld', data: { withdrawalId: 'w-1', heldAt: at } };
const sent: G2aWithdrawalEvent = { type: 'G2aWithdrawalSent', data: { withdrawalId: 'w-1', taskId: 't-1', sentAt: at } };
const completed: G2aWithdrawalEvent = { type: 'G2aWithdrawalCompleted', data: { withdrawalId: 'w-1', taskId: 't-1', txHash: 'h', completedAt: at } };
const fail = (stage: 'hold' | 'gateway' | 'chain', reason: string): G2aWithdrawalCommand => ({ type: 'FailWithdrawal', stage, reason, message: 'why', now });
const failed = (stage: 'hold' | 'gateway' | 'chain', reason: string, wasHeld: boolean): G2aWithdrawalEvent => ({
  type: 'G2aWithdrawalFailed',
  data: { withdrawalId: 'w-1', stage, reason, message: 'why', wasHeld, failedAt: at },
});

describe('Connect: the G2A withdrawal decider (issue 14, item 7)', () => {
  it('names its stream G2aWithdrawal-<id> and reads the id back from it', () => {
    assert.equal(streamOfG2aWithdrawal('w-1'), 'G2aWithdrawal-w-1');
    assert.equal(g2aWithdrawalOfStream('G2aWithdrawal-w-1'), 'w-1');
  });

  it('given nothing, when a withdrawal is requested, then G2aWithdrawalRequested with the task stream it will follow', () => {
    given(withdrawal).when(request).then([requested]);
  });

  it('given a request, when it is asked again the same, then nothing new; with another amount or address, a conflict naming withdrawal_id', () => {
    given(withdrawal, [requested]).when(request).then([]);
    given(withdrawal, [requested]).when({ ...request, amount: 1n }).thenFails('withdrawal.id_reused', { kind: 'conflict', field: 'withdrawal_id' });
    given(withdrawal, [requested]).when({ ...request, rawAddress: '0:def' }).thenFails('withdrawal.id_reused');
    given(withdrawal, [requested]).when({ ...request, userId: 'u-2' }).thenFails('withdrawal.id_reused');
  });

  it('given the happy path, then requested → held → sent → completed, each step once', () => {
    given(withdrawal, [requested]).when({ type: 'MarkHeld', now }).then([held]);
    given(withdrawal, [requested, held]).when({ type: 'MarkHeld', now }).then([]);
    given(withdrawal, [requested, held]).when({ type: 'MarkSent', taskId: 't-1', now }).then([sent]);
    given(withdrawal, [requested, held, sent]).when({ type: 'CompleteWithdrawal', taskId: 't-1', txHash: 'h', now }).then([completed]);
    given(withdrawal, [requested, held, sent, completed]).when({ type: 'CompleteWithdrawal', taskId: 't-1', txHash: 'h', now }).then([]);
  });

  it('given a held withdrawal whose gateway answer came late, when the task already confirmed it, then completed from held, and the late "sent" is nothing new', () => {
    given(withdrawal, [requested, held]).when({ type: 'CompleteWithdrawal', taskId: 't-1', txHash: 'h', now }).then([completed]);
    given(withdrawal, [requested, held, completed]).when({ type: 'MarkSent', taskId: 't-1', now }).then([]);
  });

  it('given a requested withdrawal, when its hold is refused, then failed at the hold stage with nothing held', () => {
    given(withdrawal, [requested]).when(fail('hold', 'withdrawal.insufficient_balance')).then([failed('hold', 'withdrawal.insufficient_balance', false)]);
  });

  it('given a held or sent withdrawal, when the gateway refuses or the chain fails it, then failed with wasHeld (its hold to be released)', () => {
    given(withdrawal, [requested, held]).when(fail('gateway', 'limits.per_transfer')).then([failed('gateway', 'limits.per_transfer', true)]);
    given(withdrawal, [requested, held, sent]).when(fail('chain', 'withdrawal.transfer_failed')).then([failed('chain', 'withdrawal.transfer_failed', true)]);
  });

  it('given a completed withdrawal, when it is failed, then a conflict; given a failed one, when it is completed or held, then a conflict, and failed again is nothing new', () => {
    given(withdrawal, [requested, held, sent, completed]).when(fail('chain', 'x')).thenFails('withdrawal.already_completed', { kind: 'conflict' });
    const failedOne = [requested, held, failed('gateway', 'limits.per_transfer', true)];
    given(withdrawal, failedOne).when({ type: 'CompleteWithdrawal', taskId: 't-1', txHash: null, now }).thenFails('withdrawal.already_failed');
    given(withdrawal, failedOne).when({ type: 'MarkHeld', now }).thenFails('withdrawal.already_failed');
    given(withdrawal, failedOne).when(fail('chain', 'x')).then([]);
  });

  it('given a requested withdrawal not yet held, when it is marked sent, then refused (a transfer goes only once the amount is held)', () => {
    given(withdrawal, [requested]).when({ type: 'MarkSent', taskId: 't-1', now }).thenFails('withdrawal.not_held');
  });

  it('given nothing, when any step but the request comes, then not found', () => {
    given(withdrawal).when({ type: 'MarkHeld', now }).thenFails('withdrawal.not_found', { kind: 'not_found' });
  });
});
