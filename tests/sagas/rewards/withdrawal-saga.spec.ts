import assert from 'node:assert/strict';
import { withdrawalSaga, type WithdrawalSagaState } from '../../../sagas/rewards/withdrawal-saga.js';

const now = new Date('2026-05-01T10:00:00.000Z');
let position = 0n;
const event = (streamName: string, type: string, data: object) =>
  ({ streamName, revision: 0n, position: { commit: ++position, prepare: position }, eventId: `e-${position}`, metadata: {}, createdAt: now, type, data }) as never;

const requested = event('G2aWithdrawal-w-1', 'G2aWithdrawalRequested', {
  withdrawalId: 'w-1',
  userId: 'u-1',
  amount: '5000000000',
  toAddress: 'EQ-wallet',
  rawAddress: '0:abc',
  taskStream: 'BlockchainTask-t-1',
  requestedAt: now.toISOString(),
});
const held = event('G2aWithdrawal-w-1', 'G2aWithdrawalHeld', { withdrawalId: 'w-1', heldAt: now.toISOString() });
const confirmed = event('BlockchainTask-t-1', 'BlockchainTaskConfirmed', { messageHash: 'm', result: { txHash: 'tx-1', balanceAfter: '5000000000' }, confirmedAt: now.toISOString() });
const taskFailed = event('BlockchainTask-t-1', 'BlockchainTaskFailed', { error: 'bounced', permanent: true, retryCount: 0, failedAt: now.toISOString() });
const failed = (wasHeld: boolean) => event('G2aWithdrawal-w-1', 'G2aWithdrawalFailed', { withdrawalId: 'w-1', stage: 'chain', reason: 'withdrawal.transfer_failed', message: 'bounced', wasHeld, failedAt: now.toISOString() });

const run = (events: readonly never[], from: WithdrawalSagaState = withdrawalSaga.initialState) => {
  let state = from;
  const effects: { kind: string; key: string; payload: unknown }[] = [];
  const links: string[] = [];
  for (const e of events) {
    const reaction = withdrawalSaga.react(state, e, now);
    state = reaction.state;
    for (const effect of reaction.effects ?? []) effects.push({ kind: effect.kind, key: effect.idempotencyKey, payload: effect.payload });
    links.push(...(reaction.linkStreams ?? []));
  }
  return { state, effects, links };
};

describe('Connect: the withdrawal saga (issue 14, item 7)', () => {
  it('given a requested withdrawal, then its gateway task stream is linked at once and the hold is made sure of', () => {
    const { effects, links } = run([requested]);
    assert.deepEqual(links, ['BlockchainTask-t-1']);
    assert.deepEqual(effects, [{ kind: 'rewards.hold-withdrawal', key: 'withdrawal-hold:w-1', payload: { withdrawalId: 'w-1' } }]);
    assert.equal(withdrawalSaga.flowId(requested), 'w-1');
    assert.equal(withdrawalSaga.flowId(confirmed), null, 'task events reach the flow through the link');
  });

  it('given a held withdrawal, when its task is confirmed, then the gateway is asked once and the hold settled with the task and its transaction', () => {
    const { effects } = run([requested, held, held, confirmed, confirmed]);
    assert.deepEqual(effects.map((e) => e.kind), ['rewards.hold-withdrawal', 'rewards.send-withdrawal', 'rewards.settle-withdrawal']);
    assert.deepEqual(effects[2]!.payload, { withdrawalId: 'w-1', taskId: 't-1', txHash: 'tx-1' });
  });

  it('given a sent withdrawal, when its task fails for good, then the withdrawal is failed, and once failed with a hold, the hold is released (once)', () => {
    const { effects } = run([requested, held, taskFailed, failed(true), failed(true)]);
    assert.deepEqual(effects.map((e) => e.kind), ['rewards.hold-withdrawal', 'rewards.send-withdrawal', 'rewards.fail-withdrawal', 'rewards.release-withdrawal-hold']);
    assert.deepEqual(effects[3]!.payload, { withdrawalId: 'w-1', userId: 'u-1' });
  });

  it('given a withdrawal failed at its hold (nothing held), then nothing is released', () => {
    const { effects } = run([requested, failed(false)]);
    assert.deepEqual(effects.map((e) => e.kind), ['rewards.hold-withdrawal']);
  });
});
