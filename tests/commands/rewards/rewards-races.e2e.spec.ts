import assert from 'node:assert/strict';
import fc from 'fast-check';
import request from 'supertest';
import { ManualClock } from '../../../platform/clock.js';
import { badgeProjection } from '../../../projections/rewards/badge-projection.js';
import { balanceProjection } from '../../../projections/rewards/balance-projection.js';
import { memberProjection } from '../../../projections/rewards/member-projection.js';
import { rewardProjection } from '../../../projections/rewards/reward-projection.js';
import { ruleProjection } from '../../../projections/rewards/rule-projection.js';
import { replayProjection } from '../../../projections/replay.js';
import { aMember, anExternalId, connectSuite, eventually, type Caller, type Report } from './rewards-harness.js';

/**
 * Connect under concurrency and hostile order, against the database (issue 14 items 5 and 9):
 * an upgrade racing a new locked reward, a capped rule hit by many reports at once, reports
 * duplicated and reordered (a property), and the read models rebuilt from the log.
 */
describe('Connect: races, duplicates and reordering, rebuilt read models (R-1, R-4, R-2 caps)', function () {
  this.timeout(300_000);
  const clock = new ManualClock(new Date('2026-06-02T10:00:00Z'));
  const suite = connectSuite(clock);

  const api = () => request(suite.system.api);
  const post = (source: Caller, body: Report) => api().post('/connect/events').set('Authorization', source.token).send({ occurred_at: '2026-06-02T10:00:00.000Z', ...body });
  const points = async (userId: string) => (await api().get(`/connect/users/${userId}/balances`).set('Authorization', suite.support.token).expect(200)).body.points as string;
  /** The balances read model follows the rewards one (two projections): wait, bounded, until it shows `expected`, then assert it. */
  const pointsReach = async (userId: string, expected: string, message?: string) => {
    await eventually(async () => ((await points(userId)) === expected ? true : undefined), 10_000).catch(() => undefined);
    assert.equal(await points(userId), expected, message);
  };
  const rewardsOf = async (userId: string) =>
    (await api().get('/connect/rewards').query({ user_id: userId, limit: 100 }).set('Authorization', suite.support.token).expect(200)).body.items as { action_id: string; status: string; rule_id: string; amount: string }[];
  const settled = (userId: string, count: number, statuses: readonly string[] = ['completed']) =>
    eventually(async () => {
      const rewards = await rewardsOf(userId);
      return rewards.length === count && rewards.every((r) => statuses.includes(r.status)) ? rewards : undefined;
    }, 60_000);

  it('given a level-2 referral and its sponsor’s upgrade to VIP reported at the same instant, twenty times over, then every locked reward is released and paid exactly once — none stays locked', async () => {
    const sponsors: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const s = (await aMember(`race-s-${i}-${anExternalId('')}`)).id;
        sponsors.push(s);
        const r = `race-r-${s}`;
        const x = `race-x-${s}`;
        assert.equal((await post(suite.sources.referrals, { external_id: anExternalId('j'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: r, primary_subject_user_id: s, context: { level: 1 } })).status, 201);
        const [sub, vip] = await Promise.all([
          post(suite.sources.referrals, { external_id: anExternalId('sub'), event_type: 'referral.subjoined', source_service: 'referral_service', actor_user_id: x, primary_subject_user_id: r, context: { level: 2 } }),
          post(suite.sources.referrals, { external_id: anExternalId('vip'), event_type: 'referral.user_upgraded_to_vip', source_service: 'referral_service', actor_user_id: s }),
        ]);
        assert.equal(sub.status, 201, JSON.stringify(sub.body));
        assert.equal(vip.status, 201, JSON.stringify(vip.body));
      }),
    );
    for (const s of sponsors) {
      await settled(s, 2);
      await pointsReach(s, '150', `${s}: 100 for the referral, 50 released once`);
    }
  });

  it('given twelve reviews by one author reported at once, then the rule’s daily cap (50 points per author) holds: five are paid, seven rejected', async () => {
    const author = (await aMember()).id;
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => post(suite.sources.rf, { external_id: anExternalId('review'), event_type: 'rf_partner.review_created', source_service: 'rf_service', actor_user_id: author, context: { rf_partner_id: 'partner-1', rating: 5 } })),
    );
    assert.deepEqual(answers.map((a) => a.status), Array(12).fill(201));
    const rewards = await settled(author, 12, ['completed', 'rejected']);
    assert.equal(rewards.filter((r) => r.status === 'completed').length, 5);
    assert.equal(rewards.filter((r) => r.status === 'rejected').length, 7);
    await pointsReach(author, '50');
  });

  it('property: whatever order reports arrive in and however often each is repeated (also at once), each is one EconomicEvent with one answer, and every reward is paid once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ kind: fc.constantFrom('joined', 'quest'), repeats: fc.integer({ min: 1, max: 3 }), points: fc.integer({ min: 1, max: 500 }) }), { minLength: 3, maxLength: 8 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        async (specs, noise) => {
          const reports = specs.map((spec, i) => {
            const user = `prop-${i}-${anExternalId('')}`;
            return spec.kind === 'joined'
              ? { user, expected: '100', repeats: spec.repeats, body: { external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: `new-${user}`, primary_subject_user_id: user, context: { level: 1 } } }
              : { user, expected: String(spec.points), repeats: spec.repeats, body: { external_id: anExternalId('q'), event_type: 'quest.completed', source_service: 'quest_service', actor_user_id: user, context: { base_reward_points: spec.points } } };
          });
          const deliveries = reports.flatMap((r) => Array.from({ length: r.repeats }, () => r));
          const shuffled = deliveries.map((d) => ({ d, key: noise.next().value as number })).sort((a, b) => a.key - b.key).map((x) => x.d);
          // four at a time: repeats of one report may race each other
          const answers = new Map<string, unknown[]>();
          for (let i = 0; i < shuffled.length; i += 4) {
            await Promise.all(
              shuffled.slice(i, i + 4).map(async (r) => {
                const answer = await post(r.body.source_service === 'quest_service' ? suite.sources.quests : suite.sources.referrals, r.body);
                assert.equal(answer.status, 201, JSON.stringify(answer.body));
                answers.set(r.body.external_id, [...(answers.get(r.body.external_id) ?? []), answer.body]);
              }),
            );
          }
          for (const r of reports) {
            const seen = answers.get(r.body.external_id)!;
            for (const other of seen) assert.deepEqual(other, seen[0], 'every repeat answers as the first time');
            await settled(r.user, 1);
            await pointsReach(r.user, r.expected);
          }
        },
      ),
      { numRuns: 4 },
    );
  });

  it('given everything above, when the read models are rebuilt from the log (verify), then every Connect table, BI included, is equal to the live one', async () => {
    // the log has settled: nothing in flight
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const bi = suite.database.biSchema;
    for (const projection of [rewardProjection(bi), memberProjection(bi), balanceProjection(bi), ruleProjection(bi), badgeProjection(bi)]) {
      const report = await replayProjection(suite.database, suite.system.dependencies.store, projection, { mode: 'verify' });
      assert.equal(report.equal, true, `${projection.name}: ${JSON.stringify(report.tables)}`);
    }
  });
});
