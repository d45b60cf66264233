import assert from 'node:assert/strict';
import { WrongExpectedVersion, type EventStore } from '../../../adapters/eventstore/event-store.js';
import { memberDesk } from '../../../commands/rewards/member-desk.js';
import type { MemberDesk } from '../../../commands/rewards/rewards-desks.js';
import { loadAggregate } from '../../../commands/load-aggregate.js';
import { memberDecider, streamOfMember, waitingRewards, type MemberEvent } from '../../../domain/rewards/member.js';
import { ManualClock } from '../../../platform/clock.js';
import { MEMBERS_PROJECTION, memberQueries } from '../../../projections/rewards/member-projection.js';
import { twoInstancesOnOneDatabase } from '../../support/two-instances.js';
import { anExternalId, startMembersOnly } from './rewards-harness.js';

/**
 * R-4's race, for real against the database, across two instances on it (each with its own
 * member desk and connections, as two workers would be): a locked reward held on one and the
 * member's upgrade on the other at the same instant, many times over; the upgrade twice at
 * once; many holds and upgrades of one member at once. Whatever the order the two appends land
 * in, every held reward is released exactly once (the member's stream decides them one after
 * the other: the second writer's append is refused, and it decides again on what the first wrote).
 */
describe('rewards: a locked reward held and its member upgraded at the same instant (race, against the database)', function () {
  this.timeout(300_000);
  const clock = new ManualClock(new Date('2026-04-01T09:00:00Z'));
  const instances = twoInstancesOnOneDatabase((database, role) => startMembersOnly({ database, clock, role }));
  let desks: [MemberDesk, MemberDesk];
  /** Appends refused because the other writer got there first (each one decided again). */
  let conflicts = 0;
  const counting = (store: EventStore): EventStore =>
    new Proxy(store, {
      get(target, key, receiver) {
        if (key !== 'append') return Reflect.get(target, key, receiver);
        return async (...args: Parameters<EventStore['append']>) => {
          try {
            return await target.append(...args);
          } catch (error) {
            if (error instanceof WrongExpectedVersion) conflicts++;
            throw error;
          }
        };
      },
    });
  before(() => {
    desks = [
      memberDesk({ ...instances.first.dependencies, store: counting(instances.first.dependencies.store) }),
      memberDesk({ ...instances.second.dependencies, store: counting(instances.second.dependencies.store) }),
    ];
  });
  beforeEach(() => {
    conflicts = 0;
  });

  async function streamOf(userId: string): Promise<{ events: readonly MemberEvent[]; waiting: number; tier: string }> {
    const loaded = await loadAggregate(instances.first.dependencies.store, memberDecider, streamOfMember(userId));
    return { events: loaded.events, waiting: waitingRewards(loaded.state).length, tier: loaded.state.tier };
  }
  /** How often each action id was released on a member's stream. */
  const releases = (events: readonly MemberEvent[]): Map<string, number> => {
    const count = new Map<string, number>();
    for (const e of events) if (e.type === 'MemberLockedRewardsReleased') for (const id of e.data.actionIds) count.set(id, (count.get(id) ?? 0) + 1);
    return count;
  };
  async function readModelCaughtUp(userIds: readonly string[]): Promise<void> {
    for (const userId of userIds) {
      const last = (await instances.first.dependencies.store.readStream(streamOfMember(userId))).at(-1);
      if (last) assert.ok(await instances.first.dependencies.waitForProjection(MEMBERS_PROJECTION, last.position, 20_000), 'the members read model caught up');
    }
  }

  it('given 30 basic members, when each one’s locked reward is held on one instance and their upgrade raised on the other at the same instant, then each reward is released exactly once, by whichever came second', async () => {
    const run = anExternalId('race');
    const rounds = Array.from({ length: 30 }, (_, i) => ({ userId: `m${i}-${run}`, actionId: `act${i}-${run}`, eventId: `up${i}-${run}` }));
    await Promise.all(
      rounds.map(async ({ userId, actionId, eventId }, i) => {
        const holdOn = desks[i % 2]!;
        const raiseOn = desks[(i + 1) % 2]!;
        const hold = () => holdOn.holdLocked({ actionId, userId, condition: 'vip_or_pro', eventId: `ev-${actionId}` });
        const raise = () => raiseOn.raiseTier({ userId, tier: i % 3 === 0 ? 'pro' : 'vip', eventId });
        // both at the same instant, started in either order
        await Promise.all(i % 2 === 0 ? [hold(), raise()] : [raise(), hold()]);
      }),
    );
    const causes = new Map<string, number>();
    for (const { userId, actionId } of rounds) {
      const { events, waiting, tier } = await streamOf(userId);
      assert.deepEqual([...releases(events)], [[actionId, 1]], `${userId}: released exactly once`);
      assert.equal(waiting, 0);
      assert.notEqual(tier, 'basic');
      assert.equal(events.filter((e) => e.type === 'MemberTierRaised').length, 1, 'raised once');
      const cause = events.find((e) => e.type === 'MemberLockedRewardsReleased')!.data as { cause: string };
      causes.set(cause.cause, (causes.get(cause.cause) ?? 0) + 1);
    }
    // the read model agrees: nothing waits
    await readModelCaughtUp(rounds.map((r) => r.userId));
    const queries = memberQueries(instances.first.dependencies.database.db);
    for (const { userId } of rounds) assert.equal(await queries.waitingLockedRewards(userId), 0);
    assert.equal([...causes.values()].reduce((a, b) => a + b, 0), 30);
    // the race happened for real: appends were refused and decided again
    assert.ok(conflicts > 0, 'some holds and raises collided');
    console.log(`      (${conflicts} collisions; released by: ${[...causes].map(([c, n]) => `${c} ${n}`).join(', ')})`);
  });

  it('given a member with two rewards held, when the same upgrade arrives twice at once (on both instances), with a PRO upgrade and a new hold at the same moment, then each of the three rewards is released exactly once', async () => {
    for (let round = 0; round < 10; round++) {
      const run = anExternalId(`twice${round}`);
      const userId = `m-${run}`;
      await desks[0].holdLocked({ actionId: `a1-${run}`, userId, condition: 'vip_or_pro', eventId: `ev1-${run}` });
      await desks[1].holdLocked({ actionId: `a2-${run}`, userId, condition: 'vip_or_pro', eventId: `ev2-${run}` });
      await Promise.all([
        desks[0].raiseTier({ userId, tier: 'vip', eventId: `vip-${run}` }),
        desks[1].raiseTier({ userId, tier: 'vip', eventId: `vip-${run}` }),
        desks[round % 2]!.raiseTier({ userId, tier: 'pro', eventId: `pro-${run}` }),
        desks[(round + 1) % 2]!.holdLocked({ actionId: `a3-${run}`, userId, condition: 'vip_or_pro', eventId: `ev3-${run}` }),
      ]);
      const { events, waiting, tier } = await streamOf(userId);
      assert.deepEqual(
        [...releases(events)].sort(),
        [
          [`a1-${run}`, 1],
          [`a2-${run}`, 1],
          [`a3-${run}`, 1],
        ],
      );
      assert.equal(waiting, 0);
      assert.equal(tier, 'pro');
      assert.ok(events.filter((e) => e.type === 'MemberTierRaised' && e.data.eventId === `vip-${run}`).length <= 1, 'the VIP upgrade raised at most once');
    }
  });

  it('given one member, when 12 locked rewards are held and two upgrades raised all at once across both instances, and each call is repeated (a retried effect), then every reward is held once and released exactly once', async () => {
    const run = anExternalId('many');
    const userId = `m-${run}`;
    const actions = Array.from({ length: 12 }, (_, i) => `a${i}-${run}`);
    const calls = [
      ...actions.map((actionId, i) => () => desks[i % 2]!.holdLocked({ actionId, userId, condition: 'vip_or_pro', eventId: `ev-${actionId}` })),
      () => desks[0].raiseTier({ userId, tier: 'vip', eventId: `vip-${run}` }),
      () => desks[1].raiseTier({ userId, tier: 'pro', eventId: `pro-${run}` }),
    ];
    await Promise.all([...calls, ...calls].map((call) => call()));
    assert.ok(conflicts > 0, 'the calls collided');
    const { events, waiting } = await streamOf(userId);
    assert.equal(events.filter((e) => e.type === 'MemberLockedRewardHeld').length, 12, 'each held once');
    assert.deepEqual([...releases(events)].sort(), actions.map((a) => [a, 1]).sort(), 'each released exactly once');
    assert.equal(waiting, 0);
    await readModelCaughtUp([userId]);
    assert.equal(await memberQueries(instances.first.dependencies.database.db).waitingLockedRewards(userId), 0);
  });
});
