import assert from 'node:assert/strict';
import { sql } from 'kysely';
import request from 'supertest';
import { DEFAULT_RULES } from '../../../domain/rewards/default-rules.js';
import { ManualClock } from '../../../platform/clock.js';
import { ruleQueries } from '../../../projections/rewards/rule-projection.js';
import { openTestDatabase } from '../../support/test-database.js';
import { aMember, anAdmin, aRewardsAdmin, aSupport, startConnect, type Caller, type ConnectSystem } from './rewards-harness.js';

const RULES = '/connect/rules';
const reviewRule = (amount = '10') => ({ name: 'Spec reviews', event_type: 'spec.review_created', rewards: [{ target: { kind: 'actor' }, reward_type: 'points', amount }] });

/**
 * Rules as versioned data over HTTP (issue 14 item 2): the default rule set seeded at start,
 * admins create rules and versions, activate and deactivate them (the rule book sees it as soon
 * as the answer comes), list and read them, simulate a version against a sample event without
 * creating anything; a bad document is a 422 naming its path; who may do what.
 */
describe('connect: reward rules over HTTP (R-2)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: ConnectSystem;
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  let admin: Caller;
  let queries: ReturnType<typeof ruleQueries>;

  before(async () => {
    database = await openTestDatabase();
    system = await startConnect({ database, clock });
    admin = await aRewardsAdmin();
    queries = ruleQueries(database.db);
  });
  after(async () => {
    await system?.dispose();
    await database?.dispose();
  });

  const api = () => request(system.api);
  const as = (caller: Caller) => ({
    get: (path: string) => api().get(path).set('Authorization', caller.token),
    post: (path: string, body: object = {}) => api().post(path).set('Authorization', caller.token).send(body),
  });

  it('given a fresh start, then every default rule is there, version 1 active, and the rule book has them by event type', async () => {
    const listed = await as(admin).get(RULES).query({ limit: '100' }).expect(200);
    const defaults = listed.body.items.filter((r: { rule_id: string }) => DEFAULT_RULES.some((d) => d.ruleId === r.rule_id));
    assert.equal(defaults.length, DEFAULT_RULES.length);
    for (const rule of defaults) assert.deepEqual([rule.active_version, rule.latest_version], [1, 1], rule.rule_id);
    const quest = await queries.activeFor('quest.completed');
    assert.deepEqual(quest.map((r) => r.ruleId), ['quest_completed_g2a_bonus', 'quest_completed_points', 'quest_master_10_badge']);
  });

  it('given a rewards admin, when a rule is created, versioned and activated, then each answer is in the rule book at once', async () => {
    const created = await as(admin).post(RULES, { rule_id: 'spec-reviews', document: reviewRule('10') }).expect(201);
    assert.deepEqual(created.body, { rule_id: 'spec-reviews', version: 1 });
    assert.equal(created.headers.location, '/connect/rules/spec-reviews/versions/1');
    assert.deepEqual(await queries.activeFor('spec.review_created'), [], 'created inactive');

    const again = await as(admin).post(RULES, { rule_id: 'spec-reviews', document: { rewards: reviewRule('10').rewards, event_type: 'spec.review_created', name: 'Spec reviews' } }).expect(200);
    assert.deepEqual(again.body, { rule_id: 'spec-reviews', version: 1 }, 'the same document (keys in another order): nothing new');
    const other = await as(admin).post(RULES, { rule_id: 'spec-reviews', document: reviewRule('11') }).expect(409);
    assert.equal(other.body.code, 'connect.rule_exists');

    const activated = await as(admin).post(`${RULES}/spec-reviews/versions/1/activate`).expect(200);
    assert.deepEqual(activated.body, { rule_id: 'spec-reviews', event_type: 'spec.review_created', active_version: 1, latest_version: 1 });
    assert.deepEqual((await queries.activeFor('spec.review_created')).map((r) => [r.ruleId, r.version, (r.document.rewards as { amount: string }[])[0]!.amount]), [['spec-reviews', 1, '10']]);

    const v2 = await as(admin).post(`${RULES}/spec-reviews/versions`, { document: reviewRule('20') }).expect(201);
    assert.deepEqual(v2.body, { rule_id: 'spec-reviews', version: 2 });
    assert.deepEqual((await as(admin).post(`${RULES}/spec-reviews/versions`, { document: reviewRule('20') }).expect(200)).body, { rule_id: 'spec-reviews', version: 2 });
    assert.deepEqual((await queries.activeFor('spec.review_created')).map((r) => r.version), [1], 'a new version is not active until activated');

    await as(admin).post(`${RULES}/spec-reviews/versions/2/activate`).expect(200);
    assert.deepEqual((await queries.activeFor('spec.review_created')).map((r) => r.version), [2], 'version 2 replaced version 1');
    assert.equal((await as(admin).post(`${RULES}/spec-reviews/versions/2/activate`).expect(200)).body.active_version, 2, 'activating the active one again: the same');

    const detail = await as(admin).get(`${RULES}/spec-reviews`).expect(200);
    assert.deepEqual(
      detail.body.versions.map((v: { version: number; active: boolean; created_by: string }) => [v.version, v.active, v.created_by]),
      [
        [1, false, `user:${admin.id}`],
        [2, true, `user:${admin.id}`],
      ],
    );
    assert.deepEqual([detail.body.active_version, detail.body.latest_version, detail.body.name, detail.body.event_type], [2, 2, 'Spec reviews', 'spec.review_created']);
    const version1 = await as(admin).get(`${RULES}/spec-reviews/versions/1`).expect(200);
    assert.deepEqual([version1.body.active, version1.body.document], [false, reviewRule('10')], 'versions are immutable: v1 still reads as written');

    const off = await as(admin).post(`${RULES}/spec-reviews/deactivate`).expect(200);
    assert.equal(off.body.active_version, null);
    assert.deepEqual(await queries.activeFor('spec.review_created'), []);
    await as(admin).post(`${RULES}/spec-reviews/deactivate`).expect(200);
    await as(admin).post(`${RULES}/spec-reviews/versions/1/activate`).expect(200);
    assert.deepEqual((await queries.activeFor('spec.review_created')).map((r) => r.version), [1], 'an older version can be brought back');

    const { rows } = await sql<{ version: number; active_from: Date | null; active_to: Date | null }>`select version, active_from, active_to from ${sql.table(`${database.biSchema}.reward_rules`)} where rule_id = 'spec-reviews' order by version`.execute(database.db);
    assert.deepEqual(rows.map((r) => [r.version, r.active_from !== null, r.active_to !== null]), [
      [1, true, false],
      [2, true, true],
    ]);
    const periods = await sql<{ version: number; open: boolean }>`select version, active_to is null as open from ${sql.table(`${database.biSchema}.reward_rule_activations`)} where rule_id = 'spec-reviews' order by activation_revision`.execute(database.db);
    assert.deepEqual(periods.rows.map((p) => [p.version, p.open]), [[1, false], [2, false], [1, true]]);
  });

  it('given a bad document, then a 422 problem whose field names the path inside it; a malformed body is a 400', async () => {
    const bad = await as(admin).post(RULES, { rule_id: 'spec-bad', document: { ...reviewRule(), rewards: [{ target: { kind: 'actor' }, reward_type: 'points', amount: 10 }] } }).expect(422);
    assert.match(bad.headers['content-type']!, /application\/problem\+json/);
    assert.deepEqual([bad.body.code, bad.body.field], ['connect.rule_invalid', 'document.rewards[0].amount']);
    const operator = await as(admin).post(RULES, { rule_id: 'spec-bad', document: { ...reviewRule(), conditions: { all: [{ fact: 'context', path: '$.x', operator: 'roughly', value: 1 }] } } }).expect(422);
    assert.equal(operator.body.field, 'document.conditions.all[0].operator');
    await as(admin).post(RULES, { rule_id: 'spec-changes', document: reviewRule() }).expect(201);
    const moved = await as(admin).post(`${RULES}/spec-changes/versions`, { document: { ...reviewRule(), event_type: 'spec.other' } }).expect(422);
    assert.deepEqual([moved.body.code, moved.body.field], ['connect.rule_event_type_changed', 'document.event_type']);
    const invalidVersion = await as(admin).post(`${RULES}/spec-changes/versions`, { document: { ...reviewRule(), priority: 'high' } }).expect(422);
    assert.equal(invalidVersion.body.field, 'document.priority');

    assert.equal((await as(admin).post(RULES, { rule_id: 'Spec Bad!', document: reviewRule() }).expect(400)).body.field, 'rule_id');
    assert.equal((await as(admin).post(RULES, { rule_id: 'spec-bad', document: 'rule' }).expect(400)).body.field, 'document');
    assert.equal((await as(admin).post(RULES, { rule_id: 'spec-bad', document: reviewRule(), activate: true }).expect(400)).body.field, 'activate');
    assert.equal((await as(admin).get(`${RULES}/spec-bad`).expect(404)).body.code, 'connect.rule_not_found', 'nothing was created');
  });

  it('given unknown rules and versions, then 404s', async () => {
    assert.equal((await as(admin).post(`${RULES}/spec-changes/versions/9/activate`).expect(404)).body.code, 'connect.rule_version_not_found');
    assert.equal((await as(admin).post(`${RULES}/no-such-rule/versions/1/activate`).expect(404)).body.code, 'connect.rule_not_found');
    assert.equal((await as(admin).post(`${RULES}/no-such-rule/deactivate`).expect(404)).body.code, 'connect.rule_not_found');
    assert.equal((await as(admin).post(`${RULES}/no-such-rule/versions`, { document: reviewRule() }).expect(404)).body.code, 'connect.rule_not_found');
    await as(admin).get(`${RULES}/spec-changes/versions/two`).expect(404);
    await as(admin).get(`${RULES}/spec-changes/versions/2`).expect(404);
  });

  it('given many rules, then the list pages through them by id, once each, and filters by event type', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await as(admin).get(RULES).query({ limit: '3', ...(cursor ? { cursor } : {}) }).expect(200);
      assert.ok(page.body.items.length <= 3);
      seen.push(...page.body.items.map((r: { rule_id: string }) => r.rule_id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...seen].sort(), 'by rule id');
    assert.equal(new Set(seen).size, seen.length, 'each once');
    for (const id of [...DEFAULT_RULES.map((d) => d.ruleId), 'spec-reviews', 'spec-changes']) assert.ok(seen.includes(id), id);
    const referral = await as(admin).get(RULES).query({ event_type: 'referral.subjoined' }).expect(200);
    assert.deepEqual(referral.body.items.map((r: { rule_id: string }) => r.rule_id), ['referral_subjoined_level2']);
    assert.equal((await as(admin).get(RULES).query({ cursor: 'not-a-cursor' }).expect(400)).body.field, 'cursor');
  });

  describe('simulate', () => {
    const subjoined = {
      external_id: 'sim-1',
      event_type: 'referral.subjoined',
      source_service: 'referral_service',
      actor_user_id: 'user_sub',
      primary_subject_user_id: 'user_ref',
      context: { level: 2 },
      occurred_at: '2026-03-01T09:00:00Z',
    };
    const simulate = (body: object, caller = admin) => as(caller).post(`${RULES}/referral_subjoined_level2/versions/1/simulate`, body);

    it('given a sponsor who is neither VIP nor PRO, then the action it would create is locked; for a VIP sponsor not — and nothing is created', async () => {
      const head = await system.dependencies.store.headPosition();
      const basic = await simulate({ event: subjoined, facts: { sponsors: { subject: [{ user_id: 'user_sponsor', tier: 'basic' }] } } }).expect(200);
      assert.deepEqual(basic.body.actions, [
        { rule_id: 'referral_subjoined_level2', version: 1, reward_index: 0, target_user_id: 'user_sponsor', reward_type: 'points', amount: '50', badge: null, locked_until: 'vip_or_pro', caps: {}, priority: 10 },
      ]);
      assert.deepEqual(basic.body.facts.sponsors.subject[0], { user_id: 'user_sponsor', tier: 'basic', is_vip: false, is_pro: false, quests_completed: 0, events_by_type: {} });
      assert.equal(basic.body.facts.occurred_at, '2026-03-01T09:00:00Z');
      const vip = await simulate({ event: subjoined, facts: { sponsors: { subject: [{ user_id: 'user_sponsor', tier: 'vip' }] } } }).expect(200);
      assert.equal(vip.body.actions[0].locked_until, null);
      assert.deepEqual(await system.dependencies.store.headPosition(), head, 'the log is as it was: a simulation records nothing');
    });

    it('given facts that do not satisfy the rule, then no actions; a version that is not active simulates too', async () => {
      const levelOne = await simulate({ event: { ...subjoined, context: { level: 1 } }, facts: { sponsors: { subject: [{ user_id: 'user_sponsor' }] } } }).expect(200);
      assert.deepEqual(levelOne.body.actions, []);
      const noSponsor = await simulate({ event: subjoined, facts: { sponsors: { subject: [] } } }).expect(200);
      assert.deepEqual(noSponsor.body.actions, []);
      const inactive = await as(admin).post(`${RULES}/spec-changes/versions/1/simulate`, { event: { ...subjoined, event_type: 'spec.review_created', actor_user_id: 'writer' } }).expect(200);
      assert.deepEqual(inactive.body.actions.map((a: { target_user_id: string; amount: string }) => [a.target_user_id, a.amount]), [['writer', '10']]);
    });

    it('given the quest rule and a PRO author among the context users, then the author’s tenth; without PRO, none', async () => {
      const quest = { external_id: 'sim-q', event_type: 'quest.completed', source_service: 'quest_service', actor_user_id: 'player', context: { base_reward_points: 120, pro_author_id: 'author' } };
      const pro = await as(admin).post(`${RULES}/quest_completed_points/versions/1/simulate`, { event: quest, facts: { context_users: { pro_author_id: { tier: 'pro' } } } }).expect(200);
      assert.deepEqual(pro.body.actions.map((a: { target_user_id: string; amount: string }) => [a.target_user_id, a.amount]), [['player', '120'], ['author', '12']]);
      const basic = await as(admin).post(`${RULES}/quest_completed_points/versions/1/simulate`, { event: quest, facts: { context_users: { pro_author_id: { tier: 'basic' } } } }).expect(200);
      assert.deepEqual(basic.body.actions.map((a: { target_user_id: string }) => a.target_user_id), ['player']);
    });

    it('given a malformed sample, then a 400 naming the field; an unknown version a 404', async () => {
      assert.equal((await simulate({ event: { ...subjoined, event_type: 'Not A Type' } }).expect(400)).body.field, 'event.event_type');
      assert.equal((await simulate({ event: { ...subjoined, occurred_at: '2026-02-30T00:00:00Z' } }).expect(400)).body.field, 'event.occurred_at');
      assert.equal((await simulate({ event: subjoined, facts: { actor: { tier: 'gold' } } }).expect(400)).body.field, 'facts.actor.tier');
      assert.equal((await simulate({ event: subjoined, facts: { sponsors: { subject: [{ user_id: 'a' }, { user_id: 'b' }, { user_id: 'c' }, { user_id: 'd' }] } } }).expect(400)).body.field, 'facts.sponsors.subject');
      await as(admin).post(`${RULES}/referral_subjoined_level2/versions/7/simulate`, { event: subjoined }).expect(404);
    });
  });

  it('authorization: rewards admins and admins write; support reads and simulates; members and strangers neither', async () => {
    const member = await aMember();
    const supporter = await aSupport();
    const superAdmin = await anAdmin();
    const sample = { event: { external_id: 'x', event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: 'u', primary_subject_user_id: 's', context: { level: 1 } } };

    await api().get(RULES).expect(401);
    await api().post(RULES).send({ rule_id: 'spec-anon', document: reviewRule() }).expect(401);
    for (const path of [RULES, `${RULES}/referral_joined_level1`, `${RULES}/referral_joined_level1/versions/1`]) await as(member).get(path).expect(403);
    await as(member).post(RULES, { rule_id: 'spec-member', document: reviewRule() }).expect(403);
    await as(member).post(`${RULES}/referral_joined_level1/versions/1/simulate`, sample).expect(403);

    await as(supporter).get(RULES).expect(200);
    await as(supporter).get(`${RULES}/referral_joined_level1`).expect(200);
    await as(supporter).get(`${RULES}/referral_joined_level1/versions/1`).expect(200);
    const simulated = await as(supporter).post(`${RULES}/referral_joined_level1/versions/1/simulate`, sample).expect(200);
    assert.deepEqual(simulated.body.actions.map((a: { target_user_id: string; amount: string }) => [a.target_user_id, a.amount]), [['s', '100']]);
    await as(supporter).post(RULES, { rule_id: 'spec-support', document: reviewRule() }).expect(403);
    await as(supporter).post(`${RULES}/referral_joined_level1/versions`, { document: reviewRule() }).expect(403);
    await as(supporter).post(`${RULES}/referral_joined_level1/versions/1/activate`).expect(403);
    await as(supporter).post(`${RULES}/referral_joined_level1/deactivate`).expect(403);

    await as(superAdmin).post(RULES, { rule_id: 'spec-admin', document: reviewRule() }).expect(201);
    await as(superAdmin).post(`${RULES}/spec-admin/versions/1/activate`).expect(200);
  });
});
