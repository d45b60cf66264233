/**
 * The default rule set (issue 14 item 3, SPEC R-2): the seven scenarios of the original
 * (seed 001) and the G2A bonus of seed 000 §1, as rule documents — data, in the format of
 * rule-document.ts, seeded as version 1 of each rule and activated when Connect first starts
 * on a database (commands/rewards/rules.ts). After that they are rules like any other: an
 * admin changes one by adding a version and activating it; a later build with other defaults
 * does not touch a rule that exists.
 *
 * Amounts (points are whole points; G2A in jetton units, 9 decimals: 1 G2A = "1000000000"):
 *
 * | rule | event | who | what |
 * |---|---|---|---|
 * | referral_joined_level1 | referral.joined, context.level = 1 | the primary subject (the sponsor) | 100 points |
 * | referral_subjoined_level2 | referral.subjoined, context.level = 2 | the primary subject's sponsor (1 level up of it) | 50 points, locked until VIP or PRO |
 * | quest_completed_points | quest.completed | the actor | context.base_reward_points (≤ 10,000) |
 * |  |  | the PRO author (context.pro_author_id, else the primary subject), only if PRO | 10 % of base_reward_points |
 * | quest_completed_g2a_bonus | quest.completed with context.g2a_bonus (jetton units) | the actor | g2a_onchain: g2a_bonus (≤ 100 G2A); caps 10 G2A per user per day, 1,000 G2A per day |
 * | quest_master_10_badge | quest.completed, context.total_quests_completed ≥ 10 | the actor | nft badge quest_master_10, level 1 |
 * | voucher_premium_partner | voucher.premium_purchased | the partner (context.rf_partner_id) | g2a_offchain: 1 G2A |
 * | voucher_premium_points | voucher.premium_purchased | the PRO promoter (context.pro_promoter_id), only if PRO | 50 points |
 * |  |  | the buyer, when context.buyer_bonus_points > 0 | buyer_bonus_points (≤ 1,000) |
 * | rielt_booking_paid | rielt.booking_paid, context.amount_minor > 0 (kopecks) | the tenant (actor) | 1 point per 100 ₽ (≤ 5,000) |
 * |  |  | the host (context.host_id) | 1 point per 200 ₽ (≤ 2,500) |
 * |  |  | the actor's sponsor, 1 and 2 levels up | 1 point per 500 ₽ / per 1,000 ₽ (≤ 1,000 / ≤ 500) |
 * | rf_partner_review_created | rf_partner.review_created | the author (actor) | 10 points; caps 50 per user per day, 100,000 per day |
 * | rf_partner_review_high_rating | rf_partner.review_high_rating | the author (actor) | 5 points |
 * |  |  | the curator (context.curator_id), else the partner (context.rf_partner_id) | 5 points; caps 50 per user per day |
 */
export interface DefaultRule {
  readonly ruleId: string;
  readonly document: Readonly<Record<string, unknown>>;
}

const context = (path: string) => ({ fact: 'context', path });
const isPro = { fact: 'target', path: '$.is_pro', operator: 'equal', value: true };

export const DEFAULT_RULES: readonly DefaultRule[] = [
  {
    ruleId: 'referral_joined_level1',
    document: {
      name: 'Referral, level 1: points to the sponsor',
      description: 'A new member joined by a sponsor’s link (seed 001 §1): the sponsor (the primary subject) earns points.',
      event_type: 'referral.joined',
      priority: 10,
      conditions: { all: [{ ...context('$.level'), operator: 'equal', value: 1 }] },
      rewards: [{ target: { kind: 'primary_subject' }, reward_type: 'points', amount: '100' }],
    },
  },
  {
    ruleId: 'referral_subjoined_level2',
    document: {
      name: 'Referral, level 2: points to the sponsor above, locked until VIP or PRO',
      description:
        'A member joined by a referral’s link (seed 001 §2). The primary subject is the new member’s direct sponsor; their own sponsor earns points, locked while neither VIP nor PRO (released on the upgrade).',
      event_type: 'referral.subjoined',
      priority: 10,
      conditions: { all: [{ ...context('$.level'), operator: 'equal', value: 2 }] },
      rewards: [{ target: { kind: 'sponsor', of: 'primary_subject', level: 1 }, reward_type: 'points', amount: '50', locked_until_condition: 'vip_or_pro' }],
    },
  },
  {
    ruleId: 'quest_completed_points',
    document: {
      name: 'Quest completed: points to the player and to the PRO author',
      description: 'seed 001 §3: the player earns the quest’s base reward; its author, when PRO, a tenth of it.',
      event_type: 'quest.completed',
      priority: 10,
      rewards: [
        { target: { kind: 'actor' }, reward_type: 'points', amount: { from: context('$.base_reward_points'), at_most: '10000' } },
        {
          target: { kind: 'context_user', field: 'pro_author_id', otherwise: { kind: 'primary_subject' } },
          reward_type: 'points',
          amount: { from: context('$.base_reward_points'), numerator: '1', denominator: '10', at_most: '1000' },
          when: isPro,
        },
      ],
    },
  },
  {
    ruleId: 'quest_completed_g2a_bonus',
    document: {
      name: 'Quest completed: a G2A bonus minted on chain',
      description: 'seed 000 §1: when the quest service grants a G2A bonus (context.g2a_bonus, in jetton units), it is minted to the player through the gateway.',
      event_type: 'quest.completed',
      priority: 5,
      conditions: { all: [{ ...context('$.g2a_bonus'), operator: 'greaterThan', value: 0 }] },
      caps: { per_rule_per_day: '1000000000000', per_user_per_day: '10000000000' },
      rewards: [{ target: { kind: 'actor' }, reward_type: 'g2a_onchain', amount: { from: context('$.g2a_bonus'), at_most: '100000000000' } }],
    },
  },
  {
    ruleId: 'quest_master_10_badge',
    document: {
      name: 'Quest master: a badge at ten quests',
      description: 'seed 001 §7: context.total_quests_completed ≥ 10 earns the NFT badge quest_master_10 (the badge registry keeps one per member).',
      event_type: 'quest.completed',
      priority: 1,
      conditions: { all: [{ ...context('$.total_quests_completed'), operator: 'greaterThanInclusive', value: 10 }] },
      rewards: [{ target: { kind: 'actor' }, reward_type: 'nft', badge: { type: 'quest_master_10', level: 1 } }],
    },
  },
  {
    ruleId: 'voucher_premium_partner',
    document: {
      name: 'Premium voucher: G2A to the business partner',
      description: 'seed 001 §4: the partner whose voucher was bought (context.rf_partner_id) earns off-chain G2A.',
      event_type: 'voucher.premium_purchased',
      priority: 10,
      rewards: [{ target: { kind: 'context_user', field: 'rf_partner_id' }, reward_type: 'g2a_offchain', amount: '1000000000' }],
    },
  },
  {
    ruleId: 'voucher_premium_points',
    document: {
      name: 'Premium voucher: points to the PRO promoter and a buyer’s bonus',
      description: 'seed 001 §4: the PRO member who brought the partner (context.pro_promoter_id) earns points; the buyer a bonus when the voucher service grants one (context.buyer_bonus_points).',
      event_type: 'voucher.premium_purchased',
      priority: 10,
      rewards: [
        { target: { kind: 'context_user', field: 'pro_promoter_id' }, reward_type: 'points', amount: '50', when: isPro },
        {
          target: { kind: 'actor' },
          reward_type: 'points',
          amount: { from: context('$.buyer_bonus_points'), at_most: '1000' },
          when: { ...context('$.buyer_bonus_points'), operator: 'greaterThan', value: 0 },
        },
      ],
    },
  },
  {
    ruleId: 'rielt_booking_paid',
    document: {
      name: 'Booking paid: points to the tenant, the host and the tenant’s referral chain',
      description: 'seed 001 §5: shares of the booking’s amount (context.amount_minor, kopecks): tenant 1 point per 100 ₽, host 1 per 200 ₽, the tenant’s sponsors 1 per 500 ₽ and 1 per 1,000 ₽.',
      event_type: 'rielt.booking_paid',
      priority: 10,
      conditions: { all: [{ ...context('$.amount_minor'), operator: 'greaterThan', value: 0 }] },
      rewards: [
        { target: { kind: 'actor' }, reward_type: 'points', amount: { from: context('$.amount_minor'), numerator: '1', denominator: '10000', at_most: '5000' } },
        { target: { kind: 'context_user', field: 'host_id' }, reward_type: 'points', amount: { from: context('$.amount_minor'), numerator: '1', denominator: '20000', at_most: '2500' } },
        { target: { kind: 'sponsor', of: 'actor', level: 1 }, reward_type: 'points', amount: { from: context('$.amount_minor'), numerator: '1', denominator: '50000', at_most: '1000' } },
        { target: { kind: 'sponsor', of: 'actor', level: 2 }, reward_type: 'points', amount: { from: context('$.amount_minor'), numerator: '1', denominator: '100000', at_most: '500' } },
      ],
    },
  },
  {
    ruleId: 'rf_partner_review_created',
    document: {
      name: 'Review of a partner: points to the author',
      description: 'seed 001 §6: a short review and rating of an RF place earns its author points, at most five reviews’ worth a day.',
      event_type: 'rf_partner.review_created',
      priority: 10,
      caps: { per_rule_per_day: '100000', per_user_per_day: '50' },
      rewards: [{ target: { kind: 'actor' }, reward_type: 'points', amount: '10' }],
    },
  },
  {
    ruleId: 'rf_partner_review_high_rating',
    document: {
      name: 'Highly rated review: a bonus to the author and to the curator or partner',
      description: 'seed 001 §6: a quality review earns its author a bonus, and its PRO curator (context.curator_id) — or, without one, the partner (context.rf_partner_id) — one too.',
      event_type: 'rf_partner.review_high_rating',
      priority: 10,
      caps: { per_user_per_day: '50' },
      rewards: [
        { target: { kind: 'actor' }, reward_type: 'points', amount: '5' },
        { target: { kind: 'context_user', field: 'curator_id', otherwise: { kind: 'context_user', field: 'rf_partner_id' } }, reward_type: 'points', amount: '5' },
      ],
    },
  },
];
