import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { loadAggregate } from '../../../commands/load-aggregate.js';
import { decodeEvent } from '../../../domain/event-decoding.js';
import { BadgeEvent, streamOfBadge } from '../../../domain/rewards/badge.js';
import { G2aAccountEvent, streamOfG2aAccount } from '../../../domain/rewards/g2a-account.js';
import { PointsAccountEvent, streamOfPointsAccount } from '../../../domain/rewards/points-account.js';
import { rewardActionDecider, streamOfRewardAction } from '../../../domain/rewards/reward-action.js';
import { systemClock } from '../../../platform/clock.js';
import { freshServerDatabase, WorkerProcess, type ServerDatabase } from '../../support/killed-worker.js';
import { databaseKind } from '../../support/test-database.js';
import { anExternalId, aSourceService, aSupport, eventually, G2A, startConnect, type ConnectSystem } from './rewards-harness.js';

const RUNS = 50;

/**
 * R-5, item 6 of issue 14: the dispatcher never pays twice. The API (ingestion, queries) runs
 * here; the sagas, projections and the outbox run in a separate worker process (`npm run
 * worker`) killed with SIGKILL at random moments — between a payout and its recording, mid-batch
 * — and started again while 50 runs of events go through: each run a referral (points to the
 * sponsor), a premium voucher (off-chain G2A to the partner, a bonus to the buyer), a tenth quest
 * (points and a badge) and a level-2 referral locked until its sponsor's upgrade, which arrives
 * while the worker is being killed. Afterwards every reward action is completed and each payout
 * is in its ledger exactly once.
 *
 * Two processes need one database: the PostgreSQL server (a database of its own), skipped on PGlite.
 */
describe('Connect: the reward dispatcher survives a worker killed at random points (R-5)', function () {
  this.timeout(600_000);
  let server: ServerDatabase | undefined;
  let api: ConnectSystem;
  let dataDir: string;
  let worker: WorkerProcess;

  before(async function () {
    if (databaseKind !== 'pg') this.skip();
    server = await freshServerDatabase('connect_kill');
    dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-connect-kill-'));
    // badges stay off-chain here: the chain is the gateway's, tested with it
    api = await startConnect({ database: server.database, clock: systemClock, role: 'api', env: { CONNECT_ONCHAIN_BADGES: '' } });
    worker = new WorkerProcess({ DATABASE_URL: server.url, DATA_DIR: dataDir, PAYMENT_SANDBOX_PORT: '0', CLOUD_REGISTER_PORT: '0', CONNECT_ONCHAIN_BADGES: '' });
  });

  after(async () => {
    await worker?.kill();
    await api?.dispose();
    await server?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it(`given ${RUNS} runs of events in flight, when the worker is killed at random points and restarted until they settle, then every reward is completed and paid exactly once`, async () => {
    worker.start();
    const referrals = await aSourceService(['referral_service']);
    const vouchers = await aSourceService(['voucher_service']);
    const quests = await aSourceService(['quest_service']);
    // a source service reports again after a 503 (the worker being killed: the read side is behind), the same body
    const post = async (token: string, body: Record<string, unknown>) => {
      const sent = { occurred_at: new Date().toISOString(), ...body };
      for (;;) {
        const answer = await request(api.api).post('/connect/events').set('Authorization', token).send(sent);
        if (answer.status === 503) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        return answer.body as { actions: { action_id: string; reward_type: string; target_user_id: string; amount: string | null }[] };
      }
    };
    // the worker seeds the default rules at its start; an event reported before is answered 503
    const support = await aSupport();
    await eventually(async () => ((await request(api.api).get('/connect/rules/referral_joined_level1').set('Authorization', support.token)).body.active_version === 1 ? true : undefined), 60_000);
    const actions: { action_id: string; reward_type: string; target_user_id: string; amount: string | null }[] = [];
    const sponsors: string[] = [];

    // when: the events arrive while the worker is killed and restarted at random
    let reporting = true;
    const reports = (async () => {
      for (let i = 0; i < RUNS; i++) {
        const tag = `${i}-${randomBytes(3).toString('hex')}`;
        const [s, r, x, buyer, partner] = ['s', 'r', 'x', 'buyer', 'partner'].map((who) => `kill-${who}-${tag}`) as [string, string, string, string, string];
        sponsors.push(s);
        actions.push(...(await post(referrals.token, { external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: r, primary_subject_user_id: s, context: { level: 1 } })).actions);
        actions.push(...(await post(referrals.token, { external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: x, primary_subject_user_id: r, context: { level: 1 } })).actions);
        actions.push(...(await post(referrals.token, { external_id: anExternalId('sub'), event_type: 'referral.subjoined', source_service: 'referral_service', actor_user_id: x, primary_subject_user_id: r, context: { level: 2 } })).actions);
        actions.push(
          ...(await post(vouchers.token, { external_id: anExternalId('v'), event_type: 'voucher.premium_purchased', source_service: 'voucher_service', actor_user_id: buyer, context: { rf_partner_id: partner, buyer_bonus_points: 7 } })).actions,
        );
        actions.push(...(await post(quests.token, { external_id: anExternalId('q'), event_type: 'quest.completed', source_service: 'quest_service', actor_user_id: buyer, context: { base_reward_points: 40, total_quests_completed: 10 } })).actions);
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 60));
      }
      // the sponsors become VIP: their locked level-2 rewards are released and paid
      for (const s of sponsors) await post(referrals.token, { external_id: anExternalId('vip'), event_type: 'referral.user_upgraded_to_vip', source_service: 'referral_service', actor_user_id: s });
      reporting = false;
    })();

    let done = 0;
    const settled = async () => {
      done = 0;
      for (const a of actions) if ((await loadAggregate(api.dependencies.store, rewardActionDecider, streamOfRewardAction(a.action_id))).state.status === 'completed') done++;
      return !reporting && done === actions.length;
    };
    await worker.killAtRandom({ finished: () => !reporting, settled });
    await reports;
    await eventually(async () => ((await settled()) ? true : undefined), 180_000).catch((error) => {
      throw new Error(`${error}: ${done} of ${actions.length} completed after ${worker.kills} kills\nworker log:\n${worker.log}`);
    });
    assert.ok(worker.kills >= 5, `the worker was killed ${worker.kills} times`);
    assert.equal(actions.length, RUNS * 7, 'per run: 100 + 100 points (referrals), 50 locked points, 1 G2A and 7 points (voucher), 40 points and a badge (quest)');

    // then: each payout once, in its ledger
    const store = api.dependencies.store;
    for (const a of actions) {
      const completed = (await store.readStream(streamOfRewardAction(a.action_id))).filter((e) => e.type === 'RewardActionCompleted');
      assert.equal(completed.length, 1, `action ${a.action_id} completed once`);
      if (a.reward_type === 'points') {
        const credits = (await store.readStream(streamOfPointsAccount(a.target_user_id))).map((e) => decodeEvent(PointsAccountEvent, e)).filter((e) => e.type === 'PointsCredited' && e.data.creditId === a.action_id);
        assert.equal(credits.length, 1, `points of ${a.action_id} credited once`);
      } else if (a.reward_type === 'g2a_offchain') {
        const credits = (await store.readStream(streamOfG2aAccount(a.target_user_id))).map((e) => decodeEvent(G2aAccountEvent, e)).filter((e) => e.type === 'G2aCredited' && e.data.entryId === a.action_id);
        assert.equal(credits.length, 1, `G2A of ${a.action_id} credited once`);
        assert.equal((credits[0]!.data as { amount: string }).amount, G2A.toString());
      } else if (a.reward_type === 'nft') {
        const awards = (await store.readStream(streamOfBadge(a.target_user_id, 'quest_master_10'))).map((e) => decodeEvent(BadgeEvent, e)).filter((e) => e.type === 'BadgeAwarded' && e.data.awardId === a.action_id);
        assert.equal(awards.length, 1, `badge of ${a.action_id} awarded once`);
      }
    }
    for (const s of sponsors) {
      const total = (await store.readStream(streamOfPointsAccount(s))).map((e) => decodeEvent(PointsAccountEvent, e)).filter((e) => e.type === 'PointsCredited').reduce((sum, e) => sum + BigInt((e.data as { amount: string }).amount), 0n);
      assert.equal(total, 150n, `sponsor ${s}: 100 for the referral and 50 unlocked, each once`);
    }
  });
});
