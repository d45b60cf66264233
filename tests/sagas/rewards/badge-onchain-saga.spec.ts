import assert from 'node:assert/strict';
import { RecordBadgeOnchainOutcome, RequestBadgeOnchain } from '../../../commands/rewards/badge-effect-kinds.js';
import { streamOfWalletLink } from '../../../domain/blockchain/wallet-link.js';
import { streamOfBadge } from '../../../domain/rewards/badge.js';
import { badgeOnchainSaga, initialBadgeOnchainState, type BadgeOnchainState } from '../../../sagas/rewards/badge-onchain-saga.js';
import type { SagaReaction } from '../../../sagas/saga.js';

/** The on-chain badge saga is pure: its reactions without a database. */
describe('rewards: the on-chain badge saga', () => {
  const saga = badgeOnchainSaga();
  const now = new Date('2026-05-01T10:00:00.000Z');
  const user = 'u-1';
  const at = { instanceId: 'i-1', userId: user, badgeType: 'quest_master_10' };
  let position = 0n;
  const event = (streamName: string, type: string, data: object) =>
    ({ streamName, revision: 0n, position: { commit: ++position, prepare: position }, eventId: `e-${position}`, metadata: {}, createdAt: now, type, data }) as never;
  const badgeEvent = (type: string, data: object) => event(streamOfBadge(user, 'quest_master_10'), type, { ...at, ...data });
  const awarded = (level: number, onchain = true) => badgeEvent('BadgeAwarded', { awardId: `a-${level}`, level, onchain, awardedAt: now.toISOString() });
  const requested = (requestId: string, level: number) =>
    badgeEvent('BadgeOnchainRequested', { requestId, kind: 'mint', level, toAddress: '0:ab', oldTokenId: null, taskStream: `BlockchainTask-${requestId}`, requestedAt: now.toISOString() });
  const confirmedOnBadge = (requestId: string, level: number, token: string) =>
    badgeEvent('BadgeOnchainConfirmed', { requestId, level, onchainTokenId: token, retiredTokenId: null, itemAddress: null, confirmedAt: now.toISOString() });
  const verified = () => event(streamOfWalletLink(user), 'WalletLinkVerified', { userId: user, address: '0:cd', publicKey: 'k', payload: 'p', verifiedAt: now.toISOString() });

  /** Feed events in order; every reaction's effects and links. */
  function run(events: readonly never[], from: BadgeOnchainState = initialBadgeOnchainState) {
    let state = from;
    const reactions: SagaReaction<BadgeOnchainState>[] = [];
    for (const e of events) {
      const reaction = saga.react(state, e, now);
      reactions.push(reaction);
      state = reaction.state;
    }
    const effects = reactions.flatMap((r) => r.effects ?? []);
    return { state, reactions, effects, asks: effects.filter((e) => e.kind === RequestBadgeOnchain.kind).map((e) => e.payload as { level: number }), links: reactions.flatMap((r) => r.linkStreams ?? []) };
  }

  it('given an on-chain badge awarded, then the user’s WalletLink stream is linked and the badge is asked for at its level, once', () => {
    const { asks, links, reactions } = run([awarded(1)]);
    assert.deepEqual(links, [streamOfWalletLink(user)]);
    assert.deepEqual(asks.map((a) => a.level), [1]);
    const again = saga.react(reactions[0]!.state, awarded(1), now);
    assert.equal(again.effects, undefined, 'the same ask is not enqueued twice');
  });

  it('given an off-chain badge awarded, then nothing is asked and nothing linked', () => {
    const { effects, links } = run([awarded(1, false)]);
    assert.deepEqual(effects, []);
    assert.deepEqual(links, []);
  });

  it('given a wallet verified after the first look but before the wait was recorded (the race), then it is asked for again (the verification is not lost)', () => {
    const { asks } = run([awarded(1), verified(), badgeEvent('BadgeAwaitingWallet', { level: 1, at: now.toISOString() })]);
    assert.equal(asks.length, 2, 'the verification is not lost');
    assert.deepEqual(asks.map((a) => a.level), [1, 1]);
  });

  it('given a badge awaiting a wallet, when the user verifies one, then it is asked for again; with a request in flight, a verification asks nothing', () => {
    const waiting = run([awarded(1), badgeEvent('BadgeAwaitingWallet', { level: 1, at: now.toISOString() })]);
    assert.equal(run([verified()], waiting.state).asks.length, 1);
    const inFlight = run([awarded(1), requested('r-1', 1)]);
    assert.equal(run([verified()], inFlight.state).asks.length, 0);
  });

  it('given a request, then its task stream is linked; the task’s confirmation records the outcome with the item index', () => {
    const flow = run([awarded(1), requested('r-1', 1)]);
    assert.ok(flow.links.includes('BlockchainTask-r-1'));
    const confirmed = run([event('BlockchainTask-r-1', 'BlockchainTaskConfirmed', { messageHash: 'h', result: { onchainTokenId: '5', itemAddress: '0:ef' }, confirmedAt: now.toISOString() })], flow.state);
    const outcome = confirmed.effects.filter((e) => e.kind === RecordBadgeOnchainOutcome.kind).map((e) => e.payload as { requestId: string; outcome: unknown });
    assert.deepEqual(outcome.map((o) => [o.requestId, o.outcome]), [['r-1', { status: 'confirmed', onchainTokenId: '5', itemAddress: '0:ef' }]]);
    const failed = run([event('BlockchainTask-r-1', 'BlockchainTaskFailed', { error: 'bounced', permanent: true, retryCount: 0, failedAt: now.toISOString() })], flow.state);
    assert.deepEqual(failed.effects.map((e) => (e.payload as { outcome: unknown }).outcome), [{ status: 'failed', error: 'bounced' }]);
  });

  it('given a level-up while the mint is in flight, then the next level is asked for only once the mint is confirmed', () => {
    const during = run([awarded(1), requested('r-1', 1), awarded(2)]);
    assert.deepEqual(during.asks.map((a) => a.level), [1]);
    const after = run([confirmedOnBadge('r-1', 1, '5')], during.state);
    assert.deepEqual(after.asks.map((a) => a.level), [2]);
  });
});
