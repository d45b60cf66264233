import assert from 'node:assert/strict';
import fc from 'fast-check';
import { badgeDecider, onchainStatusOf, streamOfBadge, wantsOnchain, type BadgeCommand, type BadgeEvent } from '../../../domain/rewards/badge.js';
import { given } from '../../support/decider-spec.js';

const now = new Date('2026-05-01T10:00:00.000Z');
const later = new Date('2026-05-01T10:05:00.000Z');
const at = { instanceId: 'i-1', userId: 'u-1', badgeType: 'quest_master_10' };
const wallet = '0:' + 'ab'.repeat(32);

const award = (awardId: string, level: number, onchain = true): BadgeCommand => ({ type: 'AwardBadge', ...at, awardId, level, onchain, now });
const awarded = (awardId: string, level: number, onchain = true): BadgeEvent => ({ type: 'BadgeAwarded', data: { ...at, awardId, level, onchain, awardedAt: now.toISOString() } });
const request = (requestId: string, level: number): BadgeCommand => ({ type: 'RequestOnchain', level, requestId, toAddress: wallet, taskStream: `BlockchainTask-${requestId}`, now });
const requested = (requestId: string, level: number, oldTokenId: string | null = null): BadgeEvent => ({
  type: 'BadgeOnchainRequested',
  data: { ...at, requestId, kind: oldTokenId === null ? 'mint' : 'upgrade', level, toAddress: wallet, oldTokenId, taskStream: `BlockchainTask-${requestId}`, requestedAt: now.toISOString() },
});
const confirm = (requestId: string, tokenId: string): BadgeCommand => ({ type: 'RecordOnchainOutcome', requestId, outcome: { status: 'confirmed', onchainTokenId: tokenId, itemAddress: null }, now: later });
const confirmed = (requestId: string, level: number, tokenId: string, retired: string | null = null): BadgeEvent => ({
  type: 'BadgeOnchainConfirmed',
  data: { ...at, requestId, level, onchainTokenId: tokenId, retiredTokenId: retired, itemAddress: null, confirmedAt: later.toISOString() },
});
const fail = (requestId: string, error: string): BadgeCommand => ({ type: 'RecordOnchainOutcome', requestId, outcome: { status: 'failed', error }, now: later });
const failed = (requestId: string, level: number, error: string): BadgeEvent => ({ type: 'BadgeOnchainFailed', data: { ...at, requestId, level, error, failedAt: later.toISOString() } });
const awaitWallet = (level: number): BadgeCommand => ({ type: 'AwaitWallet', level, now });
const awaiting = (level: number): BadgeEvent => ({ type: 'BadgeAwaitingWallet', data: { ...at, level, at: now.toISOString() } });

describe('rewards: the badge (NFTInstance) decider', () => {
  it('names its stream Badge-<userId>-<badgeType>', () => {
    assert.equal(streamOfBadge('u-1', 'quest_master_10'), 'Badge-u-1-quest_master_10');
  });

  describe('awards', () => {
    it('given no badge, when it is awarded at level 1, then BadgeAwarded and the instance stands at level 1', () => {
      const state = given(badgeDecider).when(award('a-1', 1)).then([awarded('a-1', 1)]);
      assert.equal(state.level, 1);
      assert.equal(state.instanceId, 'i-1');
    });

    it('given an award, when the same award id comes again at the same level, then nothing new', () => {
      given(badgeDecider, [awarded('a-1', 1)]).when(award('a-1', 1)).then([]);
    });

    it('given an award, when its id comes again at another level, then a conflict naming award_id', () => {
      given(badgeDecider, [awarded('a-1', 1)]).when(award('a-1', 2)).thenFails('badge.award_reused', { kind: 'conflict', field: 'award_id' });
    });

    it('given a badge at level 3, when another award at level 2 comes, then it is recorded and the level stays 3', () => {
      const state = given(badgeDecider, [awarded('a-1', 3)]).when(award('a-2', 2)).then([awarded('a-2', 2)]);
      assert.equal(state.level, 3);
      assert.deepEqual([...state.awards.keys()], ['a-1', 'a-2']);
    });

    it('given a malformed award, then refused naming the field', () => {
      given(badgeDecider).when(award('a-1', 0)).thenFails('badge.invalid_level', { field: 'level' });
      given(badgeDecider).when(award('a-1', 1.5)).thenFails('badge.invalid_level', { field: 'level' });
      given(badgeDecider).when(award('', 1)).thenFails('badge.invalid_award_id', { field: 'award_id' });
      given(badgeDecider).when({ ...award('a-1', 1), badgeType: 'Quest-Master' } as BadgeCommand).thenFails('badge.invalid_badge_type', { field: 'badge_type' });
    });

    it('for all award sequences, the level is the highest awarded, each award id is recorded once, and repeats change nothing', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 1, max: 5 })), { maxLength: 30 }), (awards) => {
          let state = badgeDecider.initialState;
          const first = new Map<string, number>();
          for (const [id, level] of awards) {
            const decision = badgeDecider.decide(award(id, level), state);
            const known = first.get(id);
            if (known === undefined) first.set(id, level);
            if (known !== undefined && known !== level) {
              assert.equal(decision._tag, 'Left');
              continue;
            }
            assert.equal(decision._tag, 'Right');
            if (decision._tag === 'Right') {
              assert.equal(decision.right.length, known === undefined ? 1 : 0);
              state = decision.right.reduce(badgeDecider.evolve, state);
            }
          }
          assert.equal(state.level, Math.max(0, ...first.values()));
          assert.equal(state.awards.size, first.size);
        }),
      );
    });
  });

  describe('on chain', () => {
    it('given an on-chain badge, then it wants on chain and shows pending; an off-chain badge shows none and wants nothing', () => {
      const onchain = given(badgeDecider, [awarded('a-1', 1)]).state;
      assert.equal(wantsOnchain(onchain), true);
      assert.equal(onchainStatusOf(onchain), 'pending');
      const offchain = given(badgeDecider, [awarded('a-1', 1, false)]).state;
      assert.equal(wantsOnchain(offchain), false);
      assert.equal(onchainStatusOf(offchain), 'none');
    });

    it('given an on-chain badge without a request, when it is requested, then a mint to the wallet, in flight', () => {
      const state = given(badgeDecider, [awarded('a-1', 1)]).when(request('r-1', 1)).then([requested('r-1', 1)]);
      assert.equal(state.inFlight, 'r-1');
      assert.equal(onchainStatusOf(state), 'pending');
      assert.equal(wantsOnchain(state), false);
    });

    it('given a request, when the same request comes again, then nothing new; another request meanwhile is a conflict', () => {
      const history = [awarded('a-1', 1), requested('r-1', 1)];
      given(badgeDecider, history).when(request('r-1', 1)).then([]);
      given(badgeDecider, [...history, awarded('a-2', 2)]).when(request('r-2', 2)).thenFails('badge.onchain_in_flight', { kind: 'conflict' });
    });

    it('given a level not awarded, when it is requested, then refused naming level', () => {
      given(badgeDecider, [awarded('a-1', 1)]).when(request('r-1', 2)).thenFails('badge.level_not_awarded', { field: 'level' });
      given(badgeDecider).when(request('r-1', 1)).thenFails('badge.not_awarded', { kind: 'not_found' });
    });

    it('given a mint in flight, when the gateway confirms it, then BadgeOnchainConfirmed with the item index, and a repeat records nothing', () => {
      const history = [awarded('a-1', 1), requested('r-1', 1)];
      const state = given(badgeDecider, history).when(confirm('r-1', '7')).then([confirmed('r-1', 1, '7')]);
      assert.equal(onchainStatusOf(state), 'confirmed');
      assert.equal(state.onchainTokenId, '7');
      given(badgeDecider, [...history, confirmed('r-1', 1, '7')]).when(confirm('r-1', '7')).then([]);
      given(badgeDecider, [...history, confirmed('r-1', 1, '7')]).when(fail('r-1', 'late')).then([]);
    });

    it('given a badge confirmed at level 1, when level 2 is awarded, then it wants on chain again and the request is an upgrade retiring token 7', () => {
      const history = [awarded('a-1', 1), requested('r-1', 1), confirmed('r-1', 1, '7'), awarded('a-2', 2)];
      const { state } = given(badgeDecider, history);
      assert.equal(wantsOnchain(state), true);
      assert.equal(onchainStatusOf(state), 'pending');
      const upgraded = given(badgeDecider, history).when(request('r-2', 2)).then([requested('r-2', 2, '7')]);
      const done = given(badgeDecider, [...history, requested('r-2', 2, '7')]).when(confirm('r-2', '9')).then([confirmed('r-2', 2, '9', '7')]);
      assert.equal(upgraded.inFlight, 'r-2');
      assert.equal(done.onchainTokenId, '9');
      assert.equal(done.confirmedLevel, 2);
    });

    it('given level 1 on chain, when level 1 is requested again, then a conflict (on chain already)', () => {
      given(badgeDecider, [awarded('a-1', 1), requested('r-1', 1), confirmed('r-1', 1, '7')]).when(request('r-x', 1)).thenFails('badge.onchain_already', { kind: 'conflict' });
    });

    it('given a request, when the gateway fails it, then BadgeOnchainFailed; the level wants nothing more, a level-up asks again', () => {
      const history = [awarded('a-1', 1), requested('r-1', 1)];
      const state = given(badgeDecider, history).when(fail('r-1', 'wallet.not_verified')).then([failed('r-1', 1, 'wallet.not_verified')]);
      assert.equal(onchainStatusOf(state), 'failed');
      assert.equal(wantsOnchain(state), false);
      const raised = given(badgeDecider, [...history, failed('r-1', 1, 'x'), awarded('a-2', 2)]).state;
      assert.equal(wantsOnchain(raised), true);
      assert.equal(raised.onchainTokenId, null, 'nothing was minted: a mint again');
    });

    it('given an upgrade that failed, then the old token stays the badge on chain and the next level upgrades from it', () => {
      const history = [awarded('a-1', 1), requested('r-1', 1), confirmed('r-1', 1, '7'), awarded('a-2', 2), requested('r-2', 2, '7'), failed('r-2', 2, 'x'), awarded('a-3', 3)];
      given(badgeDecider, history).when(request('r-3', 3)).then([requested('r-3', 3, '7')]);
    });

    it('given an unknown request, when an outcome comes, then not found', () => {
      given(badgeDecider, [awarded('a-1', 1)]).when(confirm('r-9', '1')).thenFails('badge.unknown_request', { kind: 'not_found' });
    });
  });

  describe('waiting for a wallet', () => {
    it('given an on-chain badge and no wallet, when the wait is recorded, then awaiting_wallet, still wanting on chain; recorded again, nothing new', () => {
      const state = given(badgeDecider, [awarded('a-1', 1)]).when(awaitWallet(1)).then([awaiting(1)]);
      assert.equal(onchainStatusOf(state), 'awaiting_wallet');
      assert.equal(wantsOnchain(state), true);
      given(badgeDecider, [awarded('a-1', 1), awaiting(1)]).when(awaitWallet(1)).then([]);
    });

    it('given a request already recorded (a wallet appeared meanwhile), when a stale wait comes, then nothing', () => {
      given(badgeDecider, [awarded('a-1', 1), requested('r-1', 1)]).when(awaitWallet(1)).then([]);
      given(badgeDecider, [awarded('a-1', 1, false)]).when(awaitWallet(1)).then([]);
    });

    it('given a badge awaiting a wallet, when it is requested, then a mint', () => {
      const state = given(badgeDecider, [awarded('a-1', 1), awaiting(1)]).when(request('r-1', 1)).then([requested('r-1', 1)]);
      assert.equal(onchainStatusOf(state), 'pending');
    });
  });
});
