import assert from 'node:assert/strict';
import request from 'supertest';
import { ManualClock } from '../../../platform/clock.js';
import { aMember, anAdmin, anExternalId, aRewardsAdmin, aService, connectSuite, eventually, G2A, givenVerifiedWallet, type Caller, type Report } from './rewards-harness.js';

interface Reward {
  action_id: string;
  rule_id: string;
  rule_version: number;
  target_user_id: string;
  reward_type: string;
  amount: string | null;
  badge: { type: string; level: number } | null;
  status: string;
  result: Record<string, unknown> | null;
  event_id: string;
}

/**
 * The seven scenarios of the original (seed 001, SPEC R-2) with the default rule set, end to end
 * over HTTP: a source service reports, the rules decide, the dispatcher pays — points and
 * off-chain G2A to Connect's ledgers, on-chain G2A and the badge through the gateway on the TON
 * emulator — and every reward is paid once.
 */
describe('Connect: the seven scenarios of the default rule set, end to end (R-1 … R-5)', function () {
  this.timeout(240_000);
  const clock = new ManualClock(new Date('2026-06-01T10:00:00Z'));
  const suite = connectSuite(clock);

  const api = () => request(suite.system.api);
  const occurredAt = () => clock.now().toISOString();

  async function report(source: Caller, body: Report, expected = 201) {
    const answer = await api().post('/connect/events').set('Authorization', source.token).send({ occurred_at: occurredAt(), ...body });
    assert.equal(answer.status, expected, JSON.stringify(answer.body));
    return answer.body;
  }

  const rewardsOf = async (userId: string): Promise<Reward[]> => {
    const page = await api().get('/connect/rewards').query({ user_id: userId, limit: 100 }).set('Authorization', suite.support.token).expect(200);
    return page.body.items as Reward[];
  };

  /** Waits until `userId` has `count` rewards and every one of them is in `statuses`. */
  async function rewardsSettle(userId: string, count: number, statuses: readonly string[] = ['completed']): Promise<Reward[]> {
    return eventually(async () => {
      const rewards = await rewardsOf(userId);
      return rewards.length === count && rewards.every((r) => statuses.includes(r.status)) ? rewards : undefined;
    }, 60_000).catch(async (error) => {
      assert.fail(`${userId}: ${JSON.stringify(await rewardsOf(userId))} (${error})`);
    });
  }

  /** The balances read model follows the rewards one (two projections): wait, bounded, until it shows `points`. */
  async function pointsReach(userId: string, points: string): Promise<void> {
    await eventually(async () => ((await balances(userId)).points === points ? true : undefined), 10_000).catch(async () => assert.equal((await balances(userId)).points, points));
  }

  const balances = async (userId: string) => (await api().get(`/connect/users/${userId}/balances`).set('Authorization', suite.support.token).expect(200)).body as { points: string; g2a: { balance: string; available: string } };

  async function upgrade(userId: string, tier: 'vip' | 'pro') {
    if (tier === 'vip') await report(suite.sources.referrals, { external_id: anExternalId('vip'), event_type: 'referral.user_upgraded_to_vip', source_service: 'referral_service', actor_user_id: userId });
    else await report(suite.sources.users, { external_id: anExternalId('pro'), event_type: 'user.upgraded_to_pro', source_service: 'user_service', actor_user_id: userId });
    await eventually(async () => {
      const membership = await api().get(`/connect/users/${userId}/membership`).set('Authorization', suite.support.token);
      return membership.status === 200 && (membership.body.tier === tier || membership.body.tier === 'pro') ? true : undefined;
    });
  }

  it('scenario 1 — given a new member joins by a sponsor’s link, then the sponsor earns 100 points, paid once', async () => {
    const sponsor = await aMember();
    const joined = await report(suite.sources.referrals, { external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: `new-${sponsor.id}`, primary_subject_user_id: sponsor.id, context: { level: 1 } });
    assert.equal(joined.actions.length, 1);
    assert.deepEqual({ ...joined.actions[0], action_id: undefined }, { action_id: undefined, rule_id: 'referral_joined_level1', rule_version: 1, target_user_id: sponsor.id, reward_type: 'points', amount: '100', badge: null, status: 'pending' });
    const [reward] = await rewardsSettle(sponsor.id, 1);
    assert.equal(reward!.action_id, joined.actions[0].action_id);
    await pointsReach(sponsor.id, '100');
    const mine = await api().get('/connect/rewards').set('Authorization', sponsor.token).expect(200);
    assert.equal(mine.body.items.length, 1, 'the sponsor reads their own rewards');
  });

  it('scenario 2 — given a level-2 referral of a basic sponsor, then the reward stays locked until the sponsor becomes VIP, then it is paid once (also when the upgrade comes twice)', async () => {
    const s = await aMember();
    const r = `r-${s.id}`;
    const x = `x-${s.id}`;
    await report(suite.sources.referrals, { external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: r, primary_subject_user_id: s.id, context: { level: 1 } });
    await report(suite.sources.referrals, { external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: x, primary_subject_user_id: r, context: { level: 1 } });
    const sub = await report(suite.sources.referrals, { external_id: anExternalId('sub'), event_type: 'referral.subjoined', source_service: 'referral_service', actor_user_id: x, primary_subject_user_id: r, context: { level: 2 } });
    assert.deepEqual(
      sub.actions.map((a: Reward) => [a.rule_id, a.target_user_id, a.amount, a.status]),
      [['referral_subjoined_level2', s.id, '50', 'locked']],
    );
    const locked = await rewardsSettle(s.id, 2, ['completed', 'locked']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await rewardsOf(s.id)).find((w) => w.rule_id === 'referral_subjoined_level2')!.status, 'locked', 'still locked while basic');
    assert.equal(locked.filter((w) => w.status === 'completed').length, 1, 'the level-1 reward is paid');
    await pointsReach(s.id, '100');

    const vip = anExternalId('vip');
    await Promise.all([
      report(suite.sources.referrals, { external_id: vip, event_type: 'referral.user_upgraded_to_vip', source_service: 'referral_service', actor_user_id: s.id }),
      report(suite.sources.referrals, { external_id: anExternalId('vip-again'), event_type: 'referral.user_upgraded_to_vip', source_service: 'referral_service', actor_user_id: s.id }),
    ]);
    await rewardsSettle(s.id, 2);
    await eventually(async () => ((await balances(s.id)).points === '150' ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await balances(s.id)).points, '150', 'paid once');
    const detail = await api().get(`/connect/rewards/${sub.actions[0].action_id}`).set('Authorization', s.token).expect(200);
    assert.deepEqual(
      detail.body.history.map((h: { status: string }) => h.status),
      ['locked', 'pending', 'dispatched', 'completed'],
    );
  });

  it('scenario 3 — given a quest completed with a PRO author, then the player earns the base reward and the author a tenth; a basic author earns nothing', async () => {
    const player = await aMember();
    const author = await aMember();
    await upgrade(author.id, 'pro');
    const done = await report(suite.sources.quests, { external_id: anExternalId('quest'), event_type: 'quest.completed', source_service: 'quest_service', actor_user_id: player.id, primary_subject_user_id: author.id, context: { quest_id: 'q-1', pro_author_id: author.id, base_reward_points: 300 } });
    assert.deepEqual(done.actions.map((a: Reward) => [a.target_user_id, a.amount]).sort(), [[author.id, '30'], [player.id, '300']].sort());
    await rewardsSettle(player.id, 1);
    await rewardsSettle(author.id, 1);
    await pointsReach(author.id, '30');

    const basicAuthor = await aMember();
    const other = await report(suite.sources.quests, { external_id: anExternalId('quest'), event_type: 'quest.completed', source_service: 'quest_service', actor_user_id: player.id, context: { quest_id: 'q-2', pro_author_id: basicAuthor.id, base_reward_points: 100 } });
    assert.deepEqual(other.actions.map((a: Reward) => a.target_user_id), [player.id]);
  });

  it('scenario 4 — given a premium voucher bought, then the partner earns off-chain G2A, the PRO promoter points and the buyer their bonus', async () => {
    const buyer = await aMember();
    const partner = await aMember();
    const promoter = await aMember();
    await upgrade(promoter.id, 'pro');
    const bought = await report(suite.sources.vouchers, {
      external_id: anExternalId('voucher'),
      event_type: 'voucher.premium_purchased',
      source_service: 'voucher_service',
      actor_user_id: buyer.id,
      context: { voucher_id: 'v-1', rf_partner_id: partner.id, pro_promoter_id: promoter.id, price_minor: 150000, buyer_bonus_points: 20 },
    });
    assert.equal(bought.actions.length, 3);
    await rewardsSettle(partner.id, 1);
    await rewardsSettle(promoter.id, 1);
    await rewardsSettle(buyer.id, 1);
    await eventually(async () => ((await balances(partner.id)).g2a.balance === G2A.toString() ? true : undefined), 10_000).catch(async () => assert.equal((await balances(partner.id)).g2a.balance, G2A.toString()));
    await pointsReach(promoter.id, '50');
    await pointsReach(buyer.id, '20');
  });

  it('scenario 5 — given a booking paid, then the tenant, the host and the tenant’s two sponsors earn their shares', async () => {
    const top = await aMember();
    const sponsor = await aMember();
    const tenant = await aMember();
    const host = await aMember();
    await report(suite.sources.referrals, { external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: sponsor.id, primary_subject_user_id: top.id, context: { level: 1 } });
    await report(suite.sources.referrals, { external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: tenant.id, primary_subject_user_id: sponsor.id, context: { level: 1 } });
    const paid = await report(suite.sources.rielt, { external_id: anExternalId('booking'), event_type: 'rielt.booking_paid', source_service: 'rielt_service', actor_user_id: tenant.id, context: { booking_id: 'b-1', amount_minor: 1_000_000, city: 'Kazan', host_id: host.id } });
    // 10,000 ₽: tenant 100, host 50, sponsor 20, top 10
    assert.deepEqual(
      Object.fromEntries(paid.actions.map((a: Reward) => [a.target_user_id, a.amount])),
      { [tenant.id]: '100', [host.id]: '50', [sponsor.id]: '20', [top.id]: '10' },
    );
    await rewardsSettle(tenant.id, 1);
    await rewardsSettle(host.id, 1);
    await eventually(async () => ((await balances(top.id)).points === '110' ? true : undefined));
  });

  it('scenario 6 — given reviews of an RF partner, then the author earns points, a high rating a bonus to the curator (or the partner), within the author’s daily cap', async () => {
    const author = await aMember();
    const partner = await aMember();
    const curator = await aMember();
    await report(suite.sources.rf, { external_id: anExternalId('review'), event_type: 'rf_partner.review_created', source_service: 'rf_service', actor_user_id: author.id, context: { rf_partner_id: partner.id, rating: 5 } });
    const high = await report(suite.sources.rf, { external_id: anExternalId('high'), event_type: 'rf_partner.review_high_rating', source_service: 'rf_service', actor_user_id: author.id, context: { rf_partner_id: partner.id, curator_id: curator.id, rating: 5 } });
    assert.deepEqual(high.actions.map((a: Reward) => a.target_user_id).sort(), [author.id, curator.id].sort());
    await rewardsSettle(curator.id, 1);
    await rewardsSettle(author.id, 2);
    await pointsReach(author.id, '15');
    // the review rule's cap: 50 points per author per day = five reviews; the sixth is rejected
    for (let i = 0; i < 5; i++) await report(suite.sources.rf, { external_id: anExternalId('review'), event_type: 'rf_partner.review_created', source_service: 'rf_service', actor_user_id: author.id, context: { rf_partner_id: partner.id, rating: 4 } });
    const rewards = await rewardsSettle(author.id, 7, ['completed', 'rejected']);
    assert.equal(rewards.filter((r) => r.status === 'rejected').length, 1);
    await pointsReach(author.id, '55');
  });

  it('scenario 7 — given the tenth quest of a member with a linked wallet, then the NFT badge quest_master_10 is awarded and confirmed on the TON emulator; a G2A bonus is minted on chain', async () => {
    const player = await aMember();
    await givenVerifiedWallet(suite.system, clock, player.id);
    const ninth = await report(suite.sources.quests, { external_id: anExternalId('quest'), event_type: 'quest.completed', source_service: 'quest_service', actor_user_id: player.id, context: { quest_id: 'q-9', base_reward_points: 10, total_quests_completed: 9 } });
    assert.deepEqual(ninth.actions.map((a: Reward) => a.reward_type), ['points']);
    const tenth = await report(suite.sources.quests, {
      external_id: anExternalId('quest'),
      event_type: 'quest.completed',
      source_service: 'quest_service',
      actor_user_id: player.id,
      context: { quest_id: 'q-10', base_reward_points: 10, total_quests_completed: 10, g2a_bonus: (2n * G2A).toString() },
    });
    assert.deepEqual(tenth.actions.map((a: Reward) => a.reward_type).sort(), ['g2a_onchain', 'nft', 'points']);
    const rewards = await rewardsSettle(player.id, 4);
    const onchain = rewards.find((r) => r.reward_type === 'g2a_onchain')!;
    assert.ok(onchain.result?.task_id, 'the gateway task that minted it');
    const badge = rewards.find((r) => r.reward_type === 'nft')!;
    assert.deepEqual(badge.badge, { type: 'quest_master_10', level: 1 });
    const badges = await eventually(async () => {
      const answer = await api().get(`/connect/users/${player.id}/badges`).set('Authorization', suite.support.token).expect(200);
      const item = (answer.body.items ?? answer.body).find((b: { badge_type: string }) => b.badge_type === 'quest_master_10');
      return item?.onchain_status === 'confirmed' ? item : undefined;
    }, 60_000);
    assert.match(String(badges.onchain_token_id), /^\d+$/);
    const task = await api().get(`/tasks/${onchain.result!.task_id}`).set('Authorization', suite.support.token);
    assert.equal(task.status, 200, JSON.stringify(task.body));
    assert.equal(task.body.status, 'confirmed');
  });

  it('given a g2a_onchain reward for a member without a wallet, then it fails naming why, and once they link one an admin’s retry mints it', async () => {
    const player = await aMember();
    const admin = await aRewardsAdmin();
    const done = await report(suite.sources.quests, { external_id: anExternalId('quest'), event_type: 'quest.completed', source_service: 'quest_service', actor_user_id: player.id, context: { quest_id: 'q-1', base_reward_points: 1, g2a_bonus: G2A.toString() } });
    const onchain = done.actions.find((a: Reward) => a.reward_type === 'g2a_onchain');
    const failed = await eventually(async () => {
      const r = (await rewardsOf(player.id)).find((w) => w.action_id === onchain.action_id);
      return r?.status === 'failed' ? r : undefined;
    });
    assert.match(String((failed as unknown as { last_error: string }).last_error), /reward\.no_verified_wallet/);
    await givenVerifiedWallet(suite.system, clock, player.id);
    await api().post(`/connect/rewards/${onchain.action_id}/retry`).set('Authorization', admin.token).expect(202);
    await api().post(`/connect/rewards/${onchain.action_id}/retry`).set('Authorization', admin.token).expect(409);
    await rewardsSettle(player.id, 2);
  });

  it('given a report repeated, then it answers as the first time and changes nothing; the same id with another body is a 409; an unknown type is kept and rewards nothing', async () => {
    const sponsor = await aMember();
    const body: Report = { external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: `new-${sponsor.id}`, primary_subject_user_id: sponsor.id, context: { level: 1 } };
    const at = occurredAt();
    const first = await report(suite.sources.referrals, { ...body, occurred_at: at });
    const again = await report(suite.sources.referrals, { ...body, occurred_at: at });
    assert.deepEqual(again, first);
    const changed = await report(suite.sources.referrals, { ...body, occurred_at: at, context: { level: 2 } }, 409);
    assert.equal(changed.code, 'connect.external_id_reused');
    await rewardsSettle(sponsor.id, 1);
    await pointsReach(sponsor.id, '100');

    const unknown = await report(suite.sources.quests, { external_id: anExternalId('odd'), event_type: 'quest.abandoned', source_service: 'quest_service', actor_user_id: sponsor.id });
    assert.deepEqual(unknown.actions, []);
    // read-your-writes: the 201 waited for the events read model, so its Location answers at once
    const event = await api().get(`/connect/events/${unknown.event_id}`).set('Authorization', suite.support.token).expect(200);
    assert.equal(event.body.event_type, 'quest.abandoned');
    assert.deepEqual(event.body.actions, []);
  });

  it('given a source service reporting for another source, then 403 naming source_service; a member cannot report at all', async () => {
    const wrong = await api().post('/connect/events').set('Authorization', suite.sources.quests.token).send({ external_id: 'x', event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: 'u', occurred_at: occurredAt() }).expect(403);
    assert.equal(wrong.body.field, 'source_service');
    const member = await aMember();
    await api().post('/connect/events').set('Authorization', member.token).send({ external_id: 'x', event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: 'u', occurred_at: occurredAt() }).expect(403);
  });

  it('given a batch of a referral chain in order, then each is answered on its own and the level-2 reward finds the chain', async () => {
    const s = await aMember();
    const r = `r-${s.id}`;
    const x = `x-${s.id}`;
    const answer = await api()
      .post('/connect/events/batch')
      .set('Authorization', suite.sources.referrals.token)
      .send({
        events: [
          { external_id: anExternalId('b'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: r, primary_subject_user_id: s.id, context: { level: 1 }, occurred_at: occurredAt() },
          { external_id: anExternalId('b'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: x, primary_subject_user_id: r, context: { level: 1 }, occurred_at: occurredAt() },
          { external_id: anExternalId('b'), event_type: 'referral.subjoined', source_service: 'referral_service', actor_user_id: x, primary_subject_user_id: r, context: { level: 2 }, occurred_at: occurredAt() },
          { external_id: 'bad', event_type: 'Not A Type', source_service: 'referral_service', actor_user_id: x, occurred_at: occurredAt() },
          { external_id: anExternalId('b'), event_type: 'quest.completed', source_service: 'quest_service', actor_user_id: x, occurred_at: occurredAt() },
        ],
      })
      .expect(200);
    assert.deepEqual(answer.body.results.map((r: { status: number }) => r.status), [201, 201, 201, 400, 403]);
    assert.match(answer.body.results[3].problem.detail, /events\.3\.event_type/);
    assert.deepEqual(answer.body.results[2].event.actions.map((a: Reward) => [a.target_user_id, a.status]), [[s.id, 'locked']]);
    // read-your-writes: the batch's answer waited for the events read model, so every event it took is there at once
    for (const result of answer.body.results.slice(0, 3)) {
      const event = await api().get(`/connect/events/${result.event.event_id}`).set('Authorization', suite.support.token).expect(200);
      assert.equal(event.body.event_type, result.event.event_type);
    }
  });

  it('given a rule’s v2 activated, then events evaluated under v1 keep v1’s result and new events get v2’s', async () => {
    const admin = await aRewardsAdmin();
    const before = await aMember();
    const v1Event = await report(suite.sources.referrals, { external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: `new-${before.id}`, primary_subject_user_id: before.id, context: { level: 1 } });
    const current = await api().get('/connect/rules/referral_joined_level1').set('Authorization', admin.token).expect(200);
    assert.equal(current.body.active_version, 1);
    const v1 = await api().get('/connect/rules/referral_joined_level1/versions/1').set('Authorization', admin.token).expect(200);
    const document = { ...v1.body.document, rewards: [{ target: { kind: 'primary_subject' }, reward_type: 'points', amount: '250' }] };
    const created = await api().post('/connect/rules/referral_joined_level1/versions').set('Authorization', admin.token).send({ document });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const version = created.body.version as number;
    await api().post(`/connect/rules/referral_joined_level1/versions/${version}/activate`).set('Authorization', admin.token).expect((res) => assert.ok(res.status < 300, JSON.stringify(res.body)));
    try {
      const after = await aMember();
      const v2Event = await report(suite.sources.referrals, { external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: `new-${after.id}`, primary_subject_user_id: after.id, context: { level: 1 } });
      assert.deepEqual(v2Event.actions.map((a: Reward) => [a.rule_version, a.amount]), [[version, '250']]);
      await rewardsSettle(after.id, 1);
      await rewardsSettle(before.id, 1);
      const old = await api().get(`/connect/events/${v1Event.event_id}`).set('Authorization', suite.support.token).expect(200);
      assert.deepEqual(old.body.actions.map((a: Reward) => [a.rule_version, a.amount]), [[1, '100']]);
      await pointsReach(before.id, '100');
      await pointsReach(after.id, '250');
    } finally {
      await api().post('/connect/rules/referral_joined_level1/versions/1/activate').set('Authorization', admin.token);
    }
  });

  it('given the rewards paid above, then the published stream connect.rewards carries each status change and the BI role reads the actions, their changes and the daily totals', async () => {
    const sponsor = await aMember();
    const joined = await report(suite.sources.referrals, { external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: `new-${sponsor.id}`, primary_subject_user_id: sponsor.id, context: { level: 1 } });
    const actionId = joined.actions[0].action_id as string;
    await rewardsSettle(sponsor.id, 1);
    const consumer = await aService(['stream:connect.rewards']);
    await api().get('/streams/connect.rewards').set('Authorization', (await aService(['stream:game-store.purchases'])).token).expect(403);
    const statuses: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 50; page++) {
      const answer = await api().get('/streams/connect.rewards').query(after ? { after } : {}).set('Authorization', consumer.token).expect(200);
      for (const m of answer.body.items as { type: string; version: number; subject: string; data: { status: string; target_user_id: string; amount: string; rule_id: string } }[]) {
        assert.equal(m.type, 'reward.status.changed');
        assert.equal(m.version, 1);
        if (m.subject !== actionId) continue;
        statuses.push(m.data.status);
        assert.deepEqual([m.data.target_user_id, m.data.amount, m.data.rule_id], [sponsor.id, '100', 'referral_joined_level1']);
      }
      after = answer.body.next_cursor;
      if (!answer.body.has_more) break;
    }
    assert.deepEqual(statuses, ['pending', 'dispatched', 'completed']);

    const admin = await anAdmin();
    const tables = (await api().get('/api/admin/bi').set('Authorization', admin.token).expect(200)).body.items as { name: string; description: string | null }[];
    for (const name of ['economic_events', 'reward_actions', 'reward_action_status_changes', 'reward_totals_daily', 'reward_rules', 'connect_members', 'points_entries', 'g2a_entries', 'g2a_withdrawals', 'nft_badges']) {
      assert.ok(tables.find((t) => t.name === name)?.description, `BI ${name} is there with its description`);
    }
    const rows = async (table: string, column: string, equals: string) => (await api().get(`/api/admin/bi/${table}`).query({ column, equals }).set('Authorization', admin.token).expect(200)).body.rows as Record<string, unknown>[];
    assert.equal((await rows('reward_actions', 'action_id', actionId))[0]!.status, 'completed');
    assert.deepEqual((await rows('reward_action_status_changes', 'action_id', actionId)).map((r) => r.status).sort(), ['completed', 'dispatched', 'pending']);
    const totals = await rows('reward_totals_daily', 'rule_id', 'referral_joined_level1');
    assert.ok(totals.some((r) => Number(r.completed) >= 1 && r.reward_type === 'points'), JSON.stringify(totals));
  });
});
