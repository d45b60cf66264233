import assert from 'node:assert/strict';
import { isLeft } from 'fp-ts/Either';
import { sql } from 'kysely';
import request from 'supertest';
import type { Position } from '../../../adapters/eventstore/event-store.js';
import { handleCommand } from '../../../commands/command-handler.js';
import { derivedUuid } from '../../../commands/derived-uuid.js';
import { memberDesk } from '../../../commands/rewards/member-desk.js';
import type { MemberDesk } from '../../../commands/rewards/rewards-desks.js';
import { economicEventDecider, streamOfEconomicEvent } from '../../../domain/rewards/economic-event.js';
import { memberDecider, streamOfMember } from '../../../domain/rewards/member.js';
import type { ReportedEvent } from '../../../domain/rewards/reward-facts.js';
import { loadAggregate } from '../../../commands/load-aggregate.js';
import { ManualClock } from '../../../platform/clock.js';
import { MEMBERS_PROJECTION } from '../../../projections/rewards/member-projection.js';
import { openTestDatabase } from '../../support/test-database.js';
import { aMember, aSupport, anExternalId, eventually, startMembersOnly } from './rewards-harness.js';

/**
 * The members read models as rules see them (issue 14 item 4): EconomicEvents are ingested as
 * the lead's ingestion does it — the facts from the desk, then one decision on the event's
 * stream — and the facts of the next report show tiers, sponsor chains, counters and the
 * members its context names.
 */
describe('rewards: the members read models and the facts a rule sees', function () {
  this.timeout(120_000);
  const clock = new ManualClock(new Date('2026-04-01T09:00:00Z'));
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: Awaited<ReturnType<typeof startMembersOnly>>;
  let members: MemberDesk;
  let run: string;

  before(async () => {
    database = await openTestDatabase();
    system = await startMembersOnly({ database, clock });
    members = memberDesk(system.dependencies);
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });
  beforeEach(() => {
    run = anExternalId('run');
  });

  /** A user id of this test. */
  const u = (name: string) => `${name}-${run}`;
  const report = (eventType: string, actor: string, subject: string | null = null, context: Record<string, unknown> = {}): ReportedEvent => ({
    externalId: anExternalId(eventType),
    eventType,
    sourceService: 'referral_service',
    actorUserId: actor,
    primarySubjectUserId: subject,
    context,
    occurredAt: clock.now().toISOString(),
  });

  /** Ingest as the lead's ingestion does: facts first, then the EconomicEvent's one decision (no rules here); the read models then have it. */
  async function ingest(reported: ReportedEvent): Promise<Position> {
    const facts = await members.factsFor(reported);
    const eventId = derivedUuid('connect-event', reported.sourceService, reported.externalId);
    const outcome = await handleCommand(
      system.dependencies.store,
      economicEventDecider,
      streamOfEconomicEvent(eventId),
      { type: 'IngestEconomicEvent', eventId, report: reported, fingerprint: eventId, ingestedBy: 'service:spec', rules: [], facts, proposals: [], now: clock.now() },
      { now: clock.now(), actor: 'service:spec' },
    );
    if (isLeft(outcome)) assert.fail(outcome.left.message);
    const position = outcome.right.position!;
    assert.ok(await system.dependencies.waitForProjection(MEMBERS_PROJECTION, position, 10_000), 'the members read models caught up');
    return position;
  }

  it('given S ← R ← X (R joined through S’s link, X through R’s), upgrades and quests, when X reports, then the facts give tiers, both chains, counters before the event and the context’s members', async () => {
    await ingest(report('referral.joined', u('R'), u('S'), { level: 1 }));
    // the join of X is evaluated before it is projected: X's chain already starts with R (the subject it joins through)
    const joinOfX = report('referral.subjoined', u('X'), u('R'), { level: 2 });
    const atJoin = await members.factsFor(joinOfX);
    assert.deepEqual(atJoin.sponsors.actor.map((m) => m.user_id), [u('R'), u('S')]);
    assert.deepEqual(atJoin.sponsors.subject.map((m) => m.user_id), [u('S')]);
    assert.equal(atJoin.actor.tier, 'basic');
    await ingest(joinOfX);

    await ingest(report('referral.user_upgraded_to_vip', u('S')));
    await ingest(report('user.upgraded_to_pro', u('P')));
    await ingest(report('quest.completed', u('X'), u('P'), { total_quests_completed: 1 }));
    await ingest(report('quest.completed', u('X'), u('P'), { total_quests_completed: 2 }));

    const third = report('quest.completed', u('X'), u('P'), { total_quests_completed: 3, pro_author_id: u('P'), curator_id: u('nobody'), level_id: 7, empty_id: '' });
    const facts = await members.factsFor(third);
    assert.equal(facts.event_type, 'quest.completed');
    assert.equal(facts.actor_user_id, u('X'));
    assert.deepEqual(facts.context, third.context);
    assert.deepEqual(facts.actor, { user_id: u('X'), tier: 'basic', is_vip: false, is_pro: false, quests_completed: 2, events_by_type: { 'referral.subjoined': 1, 'quest.completed': 2 } });
    assert.deepEqual(
      facts.sponsors.actor.map((m) => [m.user_id, m.tier, m.is_vip, m.is_pro]),
      [
        [u('R'), 'basic', false, false],
        [u('S'), 'vip', true, false],
      ],
    );
    assert.deepEqual(facts.subject, { user_id: u('P'), tier: 'pro', is_vip: true, is_pro: true, quests_completed: 0, events_by_type: { 'user.upgraded_to_pro': 1 } });
    assert.deepEqual(facts.sponsors.subject, []);
    assert.deepEqual(Object.keys(facts.context_users).sort(), ['curator_id', 'pro_author_id'], 'only non-empty strings of fields ending in _id');
    assert.equal(facts.context_users.pro_author_id!.tier, 'pro');
    assert.deepEqual(facts.context_users.curator_id, { user_id: u('nobody'), tier: 'basic', is_vip: false, is_pro: false, quests_completed: 0, events_by_type: {} }, 'a user never seen is a basic member with nothing done');
    assert.deepEqual(JSON.parse(JSON.stringify(facts)), facts, 'the snapshot is plain JSON (it is recorded with the evaluation)');
  });

  it('given a chain longer than the levels a rule may look at, then the facts stop at MAX_SPONSOR_LEVELS; a later join naming another sponsor does not move a member, nor does a join naming oneself', async () => {
    // L0 ← L1 ← L2 ← L3 ← L4 ← L5
    for (let i = 1; i <= 5; i++) await ingest(report('referral.joined', u(`L${i}`), u(`L${i - 1}`)));
    const facts = await members.factsFor(report('quest.completed', u('L5')));
    assert.deepEqual(facts.sponsors.actor.map((m) => m.user_id), [u('L4'), u('L3'), u('L2')]);
    const atJoin = await members.factsFor(report('referral.joined', u('new'), u('L5')));
    assert.deepEqual(atJoin.sponsors.actor.map((m) => m.user_id), [u('L5'), u('L4'), u('L3')]);

    await ingest(report('referral.joined', u('L5'), u('elsewhere')));
    await ingest(report('referral.joined', u('L0'), u('L0')));
    const again = await members.factsFor(report('quest.completed', u('L5')));
    assert.deepEqual(again.sponsors.actor.map((m) => m.user_id), [u('L4'), u('L3'), u('L2')], 'the first sponsor stays');
    const root = await members.factsFor(report('quest.completed', u('L0')));
    assert.deepEqual(root.sponsors.actor, []);
  });

  it('given a cycle in what the sources reported (A joined through B, B through C, C through A), then each chain ends at a member already seen, for facts and the membership route alike', async () => {
    await ingest(report('referral.joined', u('A'), u('B')));
    await ingest(report('referral.joined', u('B'), u('C')));
    await ingest(report('referral.joined', u('C'), u('A')));
    const facts = await members.factsFor(report('quest.completed', u('A'), u('B')));
    assert.deepEqual(facts.sponsors.actor.map((m) => m.user_id), [u('B'), u('C')]);
    assert.deepEqual(facts.sponsors.subject.map((m) => m.user_id), [u('C'), u('A')]);
    const support = await aSupport();
    const view = await request(system.api).get(`/connect/users/${encodeURIComponent(u('A'))}/membership`).set('Authorization', support.token).expect(200);
    assert.deepEqual(view.body.sponsor_chain, [u('B'), u('C')]);
  });

  it('given a member with a locked reward waiting, when their VIP upgrade is ingested, then the saga raises the tier and releases it once; the membership route and BI show it', async () => {
    const s = await aMember(u('S'));
    await ingest(report('referral.joined', u('R'), s.id));
    await ingest(report('referral.subjoined', u('X'), u('R')));
    await members.holdLocked({ actionId: `act-${run}`, userId: s.id, condition: 'vip_or_pro', eventId: `ev-${run}` });
    const memberStreamHas = async () => (await system.dependencies.store.readStream(streamOfMember(s.id))).at(-1)?.position;
    await system.dependencies.waitForProjection(MEMBERS_PROJECTION, (await memberStreamHas())!, 10_000);

    const before = await request(system.api).get('/connect/users/me/membership').set('Authorization', s.token).expect(200);
    assert.deepEqual(before.body, {
      user_id: s.id,
      tier: 'basic',
      vip_since: null,
      pro_since: null,
      sponsor_id: null,
      sponsor_chain: [],
      joined_at: null,
      referral_count: 1,
      second_level_referral_count: 1,
      locked_rewards_waiting: 1,
    });
    const r = await request(system.api).get('/connect/users/me/membership').set('Authorization', (await aMember(u('R'))).token).expect(200);
    assert.equal(r.body.sponsor_id, s.id);
    assert.deepEqual(r.body.sponsor_chain, [s.id]);
    assert.equal(r.body.referral_count, 1);

    await ingest(report('referral.user_upgraded_to_vip', s.id));
    await ingest(report('referral.user_upgraded_to_vip', s.id)); // the same upgrade reported again (another external id)
    const after = await eventually(async () => {
      const view = await request(system.api).get('/connect/users/me/membership').set('Authorization', s.token).expect(200);
      return view.body.locked_rewards_waiting === 0 && view.body.tier === 'vip' && view.body;
    });
    assert.equal(after.vip_since, clock.now().toISOString());
    const loaded = await loadAggregate(system.dependencies.store, memberDecider, streamOfMember(s.id));
    assert.deepEqual(
      loaded.events.map((e) => e.type),
      ['MemberLockedRewardHeld', 'MemberTierRaised', 'MemberLockedRewardsReleased'],
      'raised once, released once',
    );
    const bi = await eventually(async () => {
      const { rows } = await sql<{ tier: string; direct_referrals: number; second_level_referrals: number; locked_rewards_waiting: number; locked_rewards_released: number }>`
        select tier, direct_referrals, second_level_referrals, locked_rewards_waiting, locked_rewards_released from ${sql.table(`${database.biSchema}.connect_members`)} where user_id = ${s.id}`.execute(database.db);
      return rows[0]?.locked_rewards_released === 1 && rows[0];
    });
    assert.deepEqual(bi, { tier: 'vip', direct_referrals: 1, second_level_referrals: 1, locked_rewards_waiting: 0, locked_rewards_released: 1 });
  });

  it('given the membership routes, then a member reads only their own; support reads anyone’s; a user never seen is basic with nothing', async () => {
    const member = await aMember();
    await request(system.api).get('/connect/users/someone/membership').set('Authorization', member.token).expect(403);
    await request(system.api).get('/connect/users/me/membership').expect(401);
    const support = await aSupport();
    const view = await request(system.api).get(`/connect/users/${u('ghost')}/membership`).set('Authorization', support.token).expect(200);
    assert.equal(view.body.tier, 'basic');
    assert.equal(view.body.locked_rewards_waiting, 0);
  });
});
