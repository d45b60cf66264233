import assert from 'node:assert/strict';
import { DEFAULT_RULES } from '../../../domain/rewards/default-rules.js';
import type { RewardFacts } from '../../../domain/rewards/reward-facts.js';
import { ruleDocumentProblem } from '../../../domain/rewards/rule-document.js';
import { evaluateRules } from '../../../domain/rewards/rule-evaluation.js';
import { factsOf, member } from './rule-facts.js';

const rules = DEFAULT_RULES.map((r) => ({ ruleId: r.ruleId, version: 1, document: r.document }));
/** What the default rule set grants: `rule#index → user: amount|badge [locked]`. */
const grants = (facts: RewardFacts) =>
  evaluateRules(rules, facts).map((p) => `${p.ruleId}#${p.rewardIndex} → ${p.targetUserId}: ${p.rewardType} ${p.amount ?? `${p.badge!.type}@${p.badge!.level}`}${p.lockedUntil ? ` locked until ${p.lockedUntil}` : ''}`);

describe('connect: the default rule set — the seven scenarios of seed 001 (issue 14 item 3)', () => {
  it('given every default rule, then each is a valid document with a rule id of its own', () => {
    for (const rule of DEFAULT_RULES) assert.equal(ruleDocumentProblem(rule.document), undefined, `${rule.ruleId}: ${JSON.stringify(ruleDocumentProblem(rule.document))}`);
    assert.equal(new Set(DEFAULT_RULES.map((r) => r.ruleId)).size, DEFAULT_RULES.length);
    const types = new Set(DEFAULT_RULES.flatMap((r) => (r.document.rewards as { reward_type: string }[]).map((w) => w.reward_type)));
    assert.deepEqual([...types].sort(), ['g2a_offchain', 'g2a_onchain', 'nft', 'points'], 'every reward type has a default rule');
  });

  it('§1 referral.joined, level 1: the sponsor (primary subject) earns 100 points', () => {
    const facts = factsOf('referral.joined', { actor: member('user_new'), subject: member('user_sponsor'), primary_subject_user_id: 'user_sponsor', context: { level: 1 } });
    assert.deepEqual(grants(facts), ['referral_joined_level1#0 → user_sponsor: points 100']);
    assert.deepEqual(grants({ ...facts, context: { level: 2 } }), [], 'another level: nothing');
  });

  describe('§2 referral.subjoined, level 2: 50 points to the sponsor above the new member’s sponsor', () => {
    const facts = (sponsorTier: 'basic' | 'vip' | 'pro') =>
      factsOf('referral.subjoined', {
        actor: member('user_sub'),
        subject: member('user_ref'),
        primary_subject_user_id: 'user_ref',
        sponsors: { actor: [member('user_ref'), member('user_sponsor', sponsorTier)], subject: [member('user_sponsor', sponsorTier)] },
        context: { level: 2 },
      });

    it('given the sponsor is neither VIP nor PRO, then the reward is locked until vip_or_pro', () => {
      assert.deepEqual(grants(facts('basic')), ['referral_subjoined_level2#0 → user_sponsor: points 50 locked until vip_or_pro']);
    });

    it('given the sponsor is VIP, or PRO, then the reward is not locked', () => {
      assert.deepEqual(grants(facts('vip')), ['referral_subjoined_level2#0 → user_sponsor: points 50']);
      assert.deepEqual(grants(facts('pro')), ['referral_subjoined_level2#0 → user_sponsor: points 50']);
    });

    it('given the read models know no sponsor above, then nothing (no one to reward)', () => {
      assert.deepEqual(grants({ ...facts('basic'), sponsors: { actor: [], subject: [] } }), []);
    });
  });

  describe('§3 quest.completed: the player and the PRO author', () => {
    const quest = (more: Partial<RewardFacts> = {}, context: Record<string, unknown> = {}) =>
      factsOf('quest.completed', { actor: member('player'), context: { quest_id: 'q-1', pro_author_id: 'author', base_reward_points: 120, ...context }, context_users: { pro_author_id: member('author', 'pro') }, ...more });

    it('given a PRO author, then the player earns the base reward and the author a tenth of it', () => {
      assert.deepEqual(grants(quest()), ['quest_completed_points#0 → player: points 120', 'quest_completed_points#1 → author: points 12']);
    });

    it('given an author who is not PRO, then only the player', () => {
      assert.deepEqual(grants(quest({ context_users: { pro_author_id: member('author', 'vip') } })), ['quest_completed_points#0 → player: points 120']);
    });

    it('given no pro_author_id, then the primary subject is the author — rewarded when PRO', () => {
      const facts = factsOf('quest.completed', { actor: member('player'), subject: member('author-2', 'pro'), primary_subject_user_id: 'author-2', context: { base_reward_points: 50 } });
      assert.deepEqual(grants(facts), ['quest_completed_points#0 → player: points 50', 'quest_completed_points#1 → author-2: points 5']);
    });

    it('given a G2A bonus in the context, then it is minted on chain to the player (the on-chain default), within its caps', () => {
      const [bonus] = evaluateRules(rules, quest({}, { g2a_bonus: '2500000000' })).filter((p) => p.ruleId === 'quest_completed_g2a_bonus');
      assert.deepEqual(bonus && [bonus.targetUserId, bonus.rewardType, bonus.amount, bonus.caps], ['player', 'g2a_onchain', '2500000000', { perRulePerDay: '1000000000000', perUserPerDay: '10000000000' }]);
      assert.equal(grants(quest({}, { g2a_bonus: '0' })).filter((g) => g.includes('g2a')).length, 0);
    });
  });

  describe('§7 the badge quest_master_10', () => {
    const nth = (total: number) => grants(factsOf('quest.completed', { actor: member('player'), context: { base_reward_points: 10, total_quests_completed: total } })).filter((g) => g.includes('nft'));

    it('given the 10th quest, then the NFT badge quest_master_10 at level 1', () => {
      assert.deepEqual(nth(10), ['quest_master_10_badge#0 → player: nft quest_master_10@1']);
      assert.deepEqual(nth(11), ['quest_master_10_badge#0 → player: nft quest_master_10@1'], '≥ 10 (the registry keeps one badge per member)');
    });

    it('given the 9th, then no badge', () => {
      assert.deepEqual(nth(9), []);
    });
  });

  describe('§4 voucher.premium_purchased: partner, PRO promoter, optional buyer bonus', () => {
    const voucher = (promoter: 'basic' | 'pro', context: Record<string, unknown> = {}) =>
      factsOf('voucher.premium_purchased', {
        actor: member('buyer', 'vip'),
        context: { voucher_id: 'v-1', rf_partner_id: 'partner', pro_promoter_id: 'promoter', ...context },
        context_users: { rf_partner_id: member('partner'), pro_promoter_id: member('promoter', promoter) },
      });

    it('given a PRO promoter and a buyer bonus, then G2A to the partner, points to the promoter and to the buyer', () => {
      assert.deepEqual(grants(voucher('pro', { buyer_bonus_points: 30 })), [
        'voucher_premium_partner#0 → partner: g2a_offchain 1000000000',
        'voucher_premium_points#0 → promoter: points 50',
        'voucher_premium_points#1 → buyer: points 30',
      ]);
    });

    it('given a promoter who is not PRO and no bonus, then only the partner', () => {
      assert.deepEqual(grants(voucher('basic')), ['voucher_premium_partner#0 → partner: g2a_offchain 1000000000']);
    });
  });

  describe('§5 rielt.booking_paid: tenant, host and the referral chain', () => {
    it('given a booking of 50,000 ₽ and two sponsors above the tenant, then shares of it to each', () => {
      const facts = factsOf('rielt.booking_paid', {
        actor: member('tenant'),
        context: { booking_id: 'b-1', amount_minor: 5_000_000, city: 'Sochi', host_id: 'host' },
        context_users: { host_id: member('host') },
        sponsors: { actor: [member('sponsor-1'), member('sponsor-2')], subject: [] },
      });
      assert.deepEqual(grants(facts), [
        'rielt_booking_paid#0 → tenant: points 500',
        'rielt_booking_paid#1 → host: points 250',
        'rielt_booking_paid#2 → sponsor-1: points 100',
        'rielt_booking_paid#3 → sponsor-2: points 50',
      ]);
    });

    it('given no host and no sponsors, then only the tenant; a booking too small for a point, nothing', () => {
      assert.deepEqual(grants(factsOf('rielt.booking_paid', { actor: member('tenant'), context: { amount_minor: '150000' } })), ['rielt_booking_paid#0 → tenant: points 15']);
      assert.deepEqual(grants(factsOf('rielt.booking_paid', { actor: member('tenant'), context: { amount_minor: 9_999 } })), []);
    });
  });

  describe('§6 reviews of a partner: the author, and the curator or partner', () => {
    it('given a review, then 10 points to its author, capped at 50 a day per user', () => {
      const [review] = evaluateRules(rules, factsOf('rf_partner.review_created', { actor: member('author'), context: { rf_partner_id: 'partner', rating: 4 } }));
      assert.deepEqual(review && [review.targetUserId, review.amount, review.caps], ['author', '10', { perRulePerDay: '100000', perUserPerDay: '50' }]);
    });

    it('given a highly rated review, then a bonus to the author and to the curator — or, without one, the partner', () => {
      const high = (context: Record<string, unknown>) => grants(factsOf('rf_partner.review_high_rating', { actor: member('author'), context }));
      assert.deepEqual(high({ rf_partner_id: 'partner', curator_id: 'curator' }), ['rf_partner_review_high_rating#0 → author: points 5', 'rf_partner_review_high_rating#1 → curator: points 5']);
      assert.deepEqual(high({ rf_partner_id: 'partner' }), ['rf_partner_review_high_rating#0 → author: points 5', 'rf_partner_review_high_rating#1 → partner: points 5']);
    });
  });

  it('given an event type no default rule is about, then nothing', () => {
    assert.deepEqual(grants(factsOf('user.upgraded_to_pro')), []);
  });
});
