import fc from 'fast-check';
import assert from 'node:assert/strict';
import { isRight } from 'fp-ts/Either';
import { blockchainTaskDecider, type BlockchainTaskCommand } from '../../../domain/blockchain/blockchain-task.js';
import type { BlockchainTaskEvent } from '../../../domain/blockchain/blockchain-task-events.js';
import { given } from '../../support/decider-spec.js';

const now = new Date('2026-05-01T12:00:00Z');
const requested: BlockchainTaskEvent = {
  type: 'BlockchainTaskRequested',
  data: { taskId: 't-1', requestId: 'r-1', initiator: 'svc:connect', operation: { kind: 'g2a_mint', to: 'EQ…', amount: '1000' }, requestedAt: now.toISOString() },
};
const sent: BlockchainTaskEvent = {
  type: 'BlockchainTaskSent',
  data: { attempt: 1, messageHash: 'h1', seqno: '7', validUntil: 1_800_000_000, messageBoc: 'te6…', sentAt: now.toISOString() },
};
const recordSent = (hash = 'h1'): BlockchainTaskCommand => ({ type: 'RecordSent', messageHash: hash, seqno: '7', validUntil: 1_800_000_000, messageBoc: 'te6…', now });

describe('BlockchainTask decider', () => {
  const request = (operation: Extract<BlockchainTaskCommand, { type: 'RequestTask' }>['operation']): BlockchainTaskCommand => ({
    type: 'RequestTask', taskId: 't-1', requestId: 'r-1', initiator: 'svc:connect', operation, now,
  });

  it('given a jetton amount of 2^120 or more (beyond TL-B VarUInteger 16), when requested, then refused naming amount; 2^120 - 1 is accepted', () => {
    for (const amount of [(2n ** 120n).toString(), (10n ** 40n).toString(), '0', '-1', '1e9']) {
      given(blockchainTaskDecider).when(request({ kind: 'g2a_transfer', to: 'EQ…', amount, userId: 'u' })).thenFails('task.operation_unencodable', { field: 'amount' });
    }
    given(blockchainTaskDecider).when(request({ kind: 'g2a_mint', to: 'EQ…', amount: (2n ** 120n - 1n).toString() })).then([
      { type: 'BlockchainTaskRequested', data: { taskId: 't-1', requestId: 'r-1', initiator: 'svc:connect', operation: { kind: 'g2a_mint', to: 'EQ…', amount: (2n ** 120n - 1n).toString() }, requestedAt: now.toISOString() } },
    ]);
  });

  it('given a retired item index beyond uint64, when an upgrade is requested, then refused naming old_token_id', () => {
    const upgrade = (retiredItemIndex: string) => request({ kind: 'nft_upgrade', to: 'EQ…', userId: 'u', badge: 'b', level: 2, retiredItemIndex });
    given(blockchainTaskDecider).when(upgrade((2n ** 64n).toString())).thenFails('task.operation_unencodable', { field: 'old_token_id' });
    given(blockchainTaskDecider).when(upgrade('x')).thenFails('task.operation_unencodable', { field: 'old_token_id' });
    assert.equal(blockchainTaskDecider.decide(upgrade((2n ** 64n - 1n).toString()), blockchainTaskDecider.initialState)._tag, 'Right');
  });

  it('given a pending task, when its signed message is recorded, then it is sent with attempt 1', () => {
    given(blockchainTaskDecider, [requested]).when(recordSent()).then([sent]);
  });

  it('given a sent task, when another message is recorded, then it is refused: a task is never sent twice', () => {
    given(blockchainTaskDecider, [requested, sent]).when(recordSent('h2')).thenFails('task.not_sendable');
  });

  it('given a sent task, when the same message is recorded again, then nothing changes (retry of the record)', () => {
    given(blockchainTaskDecider, [requested, sent]).when(recordSent('h1')).then([]);
  });

  it('given a sent task, when confirmed with its message hash, then confirmed with the on-chain result', () => {
    given(blockchainTaskDecider, [requested, sent])
      .when({ type: 'Confirm', messageHash: 'h1', result: { txHash: 'tx', lt: '123' }, now })
      .then([{ type: 'BlockchainTaskConfirmed', data: { messageHash: 'h1', result: { txHash: 'tx', lt: '123' }, confirmedAt: now.toISOString() } }]);
  });

  it('given a sent task, when confirmed with another hash, then refused', () => {
    given(blockchainTaskDecider, [requested, sent]).when({ type: 'Confirm', messageHash: 'other', result: {}, now }).thenFails('task.not_sent_with_message');
  });

  it('given a transient failure, then retry_count+1 and the task waits for its retry time before it can be sent', () => {
    const retryAt = new Date(now.getTime() + 5000);
    const state = given(blockchainTaskDecider, [requested, sent])
      .when({ type: 'RecordTransientFailure', error: 'timeout', maxRetries: 3, retryAt, now })
      .then([{ type: 'BlockchainTaskAttemptFailed', data: { attempt: 1, error: 'timeout', retryCount: 1, retryAt: retryAt.toISOString(), failedAt: now.toISOString() } }]);
    assert.equal(state.status, 'pending');
    const afterFailure: BlockchainTaskEvent[] = [requested, sent, { type: 'BlockchainTaskAttemptFailed', data: { attempt: 1, error: 'timeout', retryCount: 1, retryAt: retryAt.toISOString(), failedAt: now.toISOString() } }];
    given(blockchainTaskDecider, afterFailure).when(recordSent('h2')).thenFails('task.not_sendable');
    given(blockchainTaskDecider, afterFailure).when({ type: 'MarkRetryDue', retryCount: 1, now }).then([{ type: 'BlockchainTaskRetryDue', data: { retryCount: 1, dueAt: now.toISOString() } }]);
  });

  it('given the retry limit is reached, when another transient failure comes, then the task fails', () => {
    const failures: BlockchainTaskEvent[] = [1, 2].map((n) => ({ type: 'BlockchainTaskAttemptFailed', data: { attempt: n, error: 'e', retryCount: n, retryAt: now.toISOString(), failedAt: now.toISOString() } }));
    given(blockchainTaskDecider, [requested, ...failures])
      .when({ type: 'RecordTransientFailure', error: '503', maxRetries: 2, retryAt: now, now })
      .then([{ type: 'BlockchainTaskFailed', data: { error: 'gave up after 2 retries: 503', permanent: false, retryCount: 2, failedAt: now.toISOString() } }]);
  });

  it('given a permanent error, then the task fails with last_error at once', () => {
    given(blockchainTaskDecider, [requested, sent])
      .when({ type: 'RecordPermanentFailure', error: 'invalid address', now })
      .then([{ type: 'BlockchainTaskFailed', data: { error: 'invalid address', permanent: true, retryCount: 0, failedAt: now.toISOString() } }]);
  });

  it('property: whatever the sequence of commands, a task never holds two sends without a failure between them', () => {
    const command = fc.oneof(
      fc.constantFrom<BlockchainTaskCommand>(recordSent('a'), recordSent('b'), { type: 'Confirm', messageHash: 'a', result: {}, now }),
      fc.constant<BlockchainTaskCommand>({ type: 'RecordTransientFailure', error: 'x', maxRetries: 5, retryAt: now, now }),
      fc.integer({ min: 0, max: 6 }).map<BlockchainTaskCommand>((n) => ({ type: 'MarkRetryDue', retryCount: n, now })),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        let state = blockchainTaskDecider.evolve(blockchainTaskDecider.initialState, requested);
        const history: string[] = [];
        for (const c of commands) {
          const result = blockchainTaskDecider.decide(c, state);
          if (!isRight(result)) continue;
          for (const event of result.right) {
            history.push(event.type);
            state = blockchainTaskDecider.evolve(state, event);
          }
        }
        const sends = history.join(',').split('BlockchainTaskAttemptFailed');
        for (const segment of sends) assert.ok(segment.split('BlockchainTaskSent').length - 1 <= 1, history.join(' → '));
        assert.ok(history.filter((h) => h === 'BlockchainTaskConfirmed').length <= 1);
      }),
    );
  });
});
