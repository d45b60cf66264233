import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  memberDecider,
  memberOfStream,
  MemberEvent,
  satisfies,
  streamOfMember,
  tierOfUpgrade,
  waitingRewards,
  type MemberCommand,
  type MemberState,
} from '../../../domain/rewards/member.js';
import { given } from '../../support/decider-spec.js';

const AT = new Date('2026-04-01T10:00:00.000Z');
const LATER = new Date('2026-04-02T10:00:00.000Z');

const hold = (actionId: string, at = AT): MemberCommand => ({ type: 'HoldLockedReward', userId: 'u-1', actionId, condition: 'vip_or_pro', eventId: `ev-${actionId}`, now: at });
const raise = (tier: 'vip' | 'pro', eventId: string, at = LATER): MemberCommand => ({ type: 'RaiseTier', userId: 'u-1', tier, eventId, now: at });
const held = (actionId: string, at = AT): MemberEvent => ({ type: 'MemberLockedRewardHeld', data: { userId: 'u-1', actionId, condition: 'vip_or_pro', eventId: `ev-${actionId}`, heldAt: at.toISOString() } });
const raised = (tier: 'vip' | 'pro', eventId: string, at = LATER): MemberEvent => ({ type: 'MemberTierRaised', data: { userId: 'u-1', tier, eventId, raisedAt: at.toISOString() } });
const released = (actionIds: string[], tier: 'basic' | 'vip' | 'pro', cause: 'upgrade' | 'already_qualified', at = LATER): MemberEvent => ({
  type: 'MemberLockedRewardsReleased',
  data: { userId: 'u-1', actionIds, tier, cause, releasedAt: at.toISOString() },
});

describe('rewards: a Connect member’s locks (R-4)', () => {
  it('names its stream ConnectMember-<user> and reads the user back from it; knows the upgrade report types', () => {
    assert.equal(streamOfMember('u-1'), 'ConnectMember-u-1');
    assert.equal(memberOfStream('ConnectMember-u-1'), 'u-1');
    assert.equal(memberOfStream('RewardAction-u-1'), undefined);
    assert.equal(tierOfUpgrade('referral.user_upgraded_to_vip'), 'vip');
    assert.equal(tierOfUpgrade('user.upgraded_to_pro'), 'pro');
    assert.equal(tierOfUpgrade('referral.joined'), undefined);
    assert.equal(tierOfUpgrade('toString'), undefined);
  });

  it('vip_or_pro is satisfied by vip and by pro, not by basic', () => {
    assert.deepEqual((['basic', 'vip', 'pro'] as const).map((tier) => satisfies(tier, 'vip_or_pro')), [false, true, true]);
  });

  it('given a basic member, when a locked reward is held, then it is held and waits', () => {
    const state = given(memberDecider).when(hold('a-1')).then([held('a-1')]);
    assert.deepEqual(waitingRewards(state).map((h) => h.actionId), ['a-1']);
  });

  it('given two rewards held, when the member is upgraded to VIP, then the tier is raised and both are released once, in the order held', () => {
    const state = given(memberDecider, [held('a-1'), held('a-2')]).when(raise('vip', 'up-1')).then([raised('vip', 'up-1'), released(['a-1', 'a-2'], 'vip', 'upgrade')]);
    assert.equal(state.tier, 'vip');
    assert.deepEqual(waitingRewards(state), []);
  });

  it('given the upgrade released the rewards, when the same upgrade comes again, or another VIP upgrade, then nothing new', () => {
    const history = [held('a-1'), raised('vip', 'up-1'), released(['a-1'], 'vip', 'upgrade')];
    given(memberDecider, history).when(raise('vip', 'up-1')).then([]);
    given(memberDecider, history).when(raise('vip', 'up-2')).then([]);
  });

  it('given a VIP member, when a locked reward is held, then it is held and released at once (already qualified)', () => {
    given(memberDecider, [raised('vip', 'up-1')]).when(hold('a-1', LATER)).then([held('a-1', LATER), released(['a-1'], 'vip', 'already_qualified')]);
  });

  it('given a reward held and released, when it is held again (a retried effect), then nothing new', () => {
    given(memberDecider, [held('a-1'), raised('pro', 'up-1'), released(['a-1'], 'pro', 'upgrade')]).when(hold('a-1')).then([]);
    given(memberDecider, [held('a-1')]).when(hold('a-1')).then([]);
  });

  it('given a held reward, when the member is upgraded to PRO, then PRO satisfies vip_or_pro: released', () => {
    given(memberDecider, [held('a-1')]).when(raise('pro', 'up-pro')).then([raised('pro', 'up-pro'), released(['a-1'], 'pro', 'upgrade')]);
  });

  it('given a PRO member, when a VIP upgrade is reported later, then the tier stays PRO and nothing is recorded', () => {
    const state = given(memberDecider, [raised('pro', 'up-pro')]).when(raise('vip', 'up-vip')).then([]);
    assert.equal(state.tier, 'pro');
  });

  it('given a VIP member, when upgraded to PRO, then the tier rises and nothing was waiting', () => {
    given(memberDecider, [raised('vip', 'up-1'), held('a-1'), released(['a-1'], 'vip', 'already_qualified')]).when(raise('pro', 'up-2')).then([raised('pro', 'up-2')]);
  });

  it('given a command without a member, action or event, then refused naming the field', () => {
    given(memberDecider).when({ ...hold('a-1'), userId: '' } as MemberCommand).thenFails('connect.member_required', { kind: 'rule_violated', field: 'userId' });
    given(memberDecider).when(hold('')).thenFails('connect.action_required', { field: 'actionId' });
    given(memberDecider).when(raise('vip', '')).thenFails('connect.event_required', { field: 'eventId' });
  });

  it('its events round-trip through their codec', () => {
    for (const event of [held('a-1'), raised('vip', 'up-1'), released(['a-1', 'a-2'], 'pro', 'upgrade')]) assert.ok(MemberEvent.is(event));
  });

  describe('property: any interleaving of holds and raises', () => {
    const actionId = fc.constantFrom('a0', 'a1', 'a2', 'a3', 'a4', 'a5');
    const step: fc.Arbitrary<MemberCommand> = fc.oneof(
      { weight: 3, arbitrary: actionId.map((id) => hold(id)) },
      { weight: 1, arbitrary: fc.record({ tier: fc.constantFrom<'vip' | 'pro'>('vip', 'pro'), eventId: fc.constantFrom('e0', 'e1', 'e2') }).map((r) => raise(r.tier, r.eventId)) },
    );

    it('releases each held action exactly once if a qualifying tier was raised at any point, and none otherwise; never one not held; each release after its hold', () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 40 }), (commands) => {
          let state: MemberState = memberDecider.initialState;
          const events: MemberEvent[] = [];
          for (const command of commands) {
            const decided = memberDecider.decide(command, state);
            if (decided._tag === 'Left') assert.fail(`refused: ${decided.left.code}`);
            for (const event of decided.right) {
              events.push(event);
              state = memberDecider.evolve(state, event);
            }
          }
          const heldIds = new Set(commands.flatMap((c) => (c.type === 'HoldLockedReward' ? [c.actionId] : [])));
          const qualified = commands.some((c) => c.type === 'RaiseTier');
          const heldOrder: string[] = [];
          const releaseCount = new Map<string, number>();
          for (const event of events) {
            if (event.type === 'MemberLockedRewardHeld') {
              assert.ok(!heldOrder.includes(event.data.actionId), 'held once');
              heldOrder.push(event.data.actionId);
            }
            if (event.type === 'MemberLockedRewardsReleased') {
              for (const id of event.data.actionIds) {
                assert.ok(heldOrder.includes(id), `${id} released after it was held`);
                releaseCount.set(id, (releaseCount.get(id) ?? 0) + 1);
              }
              assert.notEqual(event.data.tier, 'basic');
            }
          }
          assert.deepEqual(new Set(heldOrder), heldIds, 'every action held once');
          for (const id of heldIds) assert.equal(releaseCount.get(id) ?? 0, qualified ? 1 : 0, `${id} released ${qualified ? 'once' : 'never'}`);
          assert.equal(waitingRewards(state).length, qualified ? 0 : heldIds.size);
        }),
        { numRuns: 500 },
      );
    });
  });
});
