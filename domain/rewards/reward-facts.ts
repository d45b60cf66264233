/**
 * The contract between Connect's parts (issue 14): what other services report, the facts a rule
 * sees, and what the rule engine proposes. Plain data, JSON-serializable, no clock and no I/O —
 * a facts snapshot is taken by the command side from the read models, passed in, and recorded
 * with the evaluation so a replay reproduces it.
 */

/** The reward types of SPEC R-3. */
export const REWARD_TYPES = ['points', 'g2a_offchain', 'g2a_onchain', 'nft'] as const;
export type RewardType = (typeof REWARD_TYPES)[number];

/** A member's tier: the highest of their upgrades (pro > vip > basic). */
export const TIERS = ['basic', 'vip', 'pro'] as const;
export type Tier = (typeof TIERS)[number];

/** The lock conditions a reward may wait for (`locked_until_condition`). */
export const LOCK_CONDITIONS = ['vip_or_pro'] as const;
export type LockCondition = (typeof LOCK_CONDITIONS)[number];

/** What a source service reported (POST /connect/events), as stored in the EconomicEvent. */
export interface ReportedEvent {
  readonly externalId: string;
  readonly eventType: string;
  readonly sourceService: string;
  readonly actorUserId: string;
  readonly primarySubjectUserId: string | null;
  /** Free-form JSON object from the source (amounts as numbers or decimal strings, ids, levels …). */
  readonly context: Readonly<Record<string, unknown>>;
  /** ISO-8601 instant from the source: rules' validity dates and daily caps use it, never the clock. */
  readonly occurredAt: string;
}

/** What the read models know of one member when the event is evaluated. */
export interface MemberFacts {
  readonly user_id: string;
  readonly tier: Tier;
  readonly is_vip: boolean;
  readonly is_pro: boolean;
  /** `quest.completed` events of this user ingested before this one. */
  readonly quests_completed: number;
  /** EconomicEvents of each type this user was the actor of, before this one. */
  readonly events_by_type: Readonly<Record<string, number>>;
}

/**
 * The facts a rule's conditions read: json-rules-engine style, `fact` names a top-level key and
 * `path` (`$.a.b`, `$.list[0]`) goes inside it. Snake case, as the rule documents are written.
 */
export interface RewardFacts {
  readonly event_type: string;
  readonly source_service: string;
  readonly external_id: string;
  readonly occurred_at: string;
  readonly actor_user_id: string;
  readonly primary_subject_user_id: string | null;
  readonly context: Readonly<Record<string, unknown>>;
  readonly actor: MemberFacts;
  readonly subject: MemberFacts | null;
  /**
   * The referral chains upward: `sponsors.actor[0]` is the actor's direct sponsor (level 1),
   * `[1]` their sponsor (level 2) … up to `MAX_SPONSOR_LEVELS`; the same for the primary subject.
   */
  readonly sponsors: { readonly actor: readonly MemberFacts[]; readonly subject: readonly MemberFacts[] };
  /** Members named in the context by a string field ending in `_id` (e.g. `pro_author_id`, `rf_partner_id`), by that field. */
  readonly context_users: Readonly<Record<string, MemberFacts>>;
}

export const MAX_SPONSOR_LEVELS = 3;

/** A rule version as evaluations reference it. */
export interface RuleVersionRef {
  readonly ruleId: string;
  readonly version: number;
}

/** Budget caps of a rule, in the reward's amount units (a badge counts 1). Decimal strings. */
export interface RewardCaps {
  /** Most granted by this rule (all users) per UTC day of the event's occurred_at. */
  readonly perRulePerDay?: string;
  /** Most granted by this rule to one target user per UTC day. */
  readonly perUserPerDay?: string;
}

/** One reward a rule grants for one event: what becomes a RewardAction. */
export interface RewardProposal extends RuleVersionRef {
  /** Position of the reward in the rule's `rewards` list (with ruleId, version and the event: the action's identity). */
  readonly rewardIndex: number;
  readonly targetUserId: string;
  readonly rewardType: RewardType;
  /** Whole units as a decimal string: points, or G2A jetton units (9 decimals); null for nft. */
  readonly amount: string | null;
  /** The badge of an nft reward (`quest_master_10`, level ≥ 1); null otherwise. */
  readonly badge: { readonly type: string; readonly level: number } | null;
  /** Set when the reward waits for the target to satisfy a condition (it is created `locked`). */
  readonly lockedUntil: LockCondition | null;
  readonly caps: RewardCaps;
  readonly priority: number;
}
