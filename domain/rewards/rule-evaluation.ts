import type { MemberFacts, RewardCaps, RewardFacts, RewardProposal } from './reward-facts.js';
import { conditionHolds, decimalOf, isMissing, resolveFact } from './rule-conditions.js';
import { asRuleDocument, canonicalJson, type ComputedAmount, type RewardSpec, type RuleDocument, type RuleVersionDocument, type TargetSpec } from './rule-document.js';

/**
 * The rule engine: which rewards the given rule versions grant for one event's facts.
 * Pure and deterministic — the same rules and facts give the same proposals, in the same
 * order, whatever order the rules come in; no clock (validity dates are compared with the
 * event's `occurred_at`), no I/O, never a throw (a document that is not a valid rule grants
 * nothing). The EconomicEvent records the rules and the facts with the proposals, so a replay
 * or a later activation never changes what an event earned.
 *
 * A rule applies when its `event_type` is the event's, `occurred_at` is within
 * [valid_from, valid_until), and its `conditions` hold. Rules are taken by priority (higher
 * first), then rule id, then version; each reward of a rule in its order:
 * - its target is resolved (actor, primary subject, the user a context field names, a sponsor N
 *   levels up; `otherwise` when it cannot be): a target that cannot be resolved skips the reward;
 * - its `when` conditions, if any, must hold — with the fact `target`: the target's MemberFacts;
 * - its amount: fixed, or floor(fact × numerator / denominator) in exact integer arithmetic (at
 *   most `at_most`); a fact that is no number ≥ 0, or an amount of 0, skips the reward;
 * - `locked_until_condition: vip_or_pro` locks it while the target is neither VIP nor PRO.
 */
export function evaluateRules(rules: readonly RuleVersionDocument[], facts: RewardFacts): readonly RewardProposal[] {
  const applicable = orderedRules(rules).filter(({ document }) => applies(document, facts));
  return applicable.flatMap(({ rule, document }) =>
    document.rewards.flatMap((spec, rewardIndex) => {
      const proposal = proposalOf(spec, document, facts);
      return proposal ? [{ ruleId: rule.ruleId, version: rule.version, rewardIndex, ...proposal }] : [];
    }),
  );
}

/** What the read models say of a member they do not know (or when no facts are at hand): basic, nothing done yet. */
export const basicMember = (userId: string): MemberFacts => ({ user_id: userId, tier: 'basic', is_vip: false, is_pro: false, quests_completed: 0, events_by_type: {} });

/** Whether a member satisfies `vip_or_pro` (either flag, or the tier). */
export const isVipOrPro = (member: MemberFacts): boolean => member.is_vip === true || member.is_pro === true || member.tier === 'vip' || member.tier === 'pro';

interface Valid {
  readonly rule: RuleVersionDocument;
  readonly document: RuleDocument;
  readonly priority: number;
  readonly canonical: string;
}

/** Valid documents only, one per (rule, version), by priority desc, rule id, version (and the document's text, should two differ). */
function orderedRules(rules: readonly RuleVersionDocument[]): readonly Valid[] {
  const valid: Valid[] = [];
  for (const rule of rules) {
    const document = asRuleDocument(rule.document);
    if (document) valid.push({ rule, document, priority: document.priority ?? 1, canonical: canonicalJson(document) });
  }
  valid.sort((a, b) => b.priority - a.priority || compareText(a.rule.ruleId, b.rule.ruleId) || a.rule.version - b.rule.version || compareText(a.canonical, b.canonical));
  return valid.filter((v, i) => i === 0 || v.rule.ruleId !== valid[i - 1]!.rule.ruleId || v.rule.version !== valid[i - 1]!.rule.version);
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function applies(document: RuleDocument, facts: RewardFacts): boolean {
  if (document.event_type !== facts.event_type) return false;
  if (document.valid_from !== undefined || document.valid_until !== undefined) {
    const occurred = Date.parse(facts.occurred_at);
    if (Number.isNaN(occurred)) return false;
    if (document.valid_from !== undefined && occurred < Date.parse(document.valid_from)) return false;
    if (document.valid_until !== undefined && occurred >= Date.parse(document.valid_until)) return false;
  }
  return document.conditions === undefined || conditionHolds(document.conditions, factsRecord(facts));
}

const factsRecord = (facts: RewardFacts): Readonly<Record<string, unknown>> => facts as unknown as Readonly<Record<string, unknown>>;

function proposalOf(spec: RewardSpec, document: RuleDocument, facts: RewardFacts): Omit<RewardProposal, 'ruleId' | 'version' | 'rewardIndex'> | undefined {
  const target = resolveTarget(spec.target, facts);
  if (!target) return undefined;
  if (spec.when !== undefined && !conditionHolds(spec.when, { ...factsRecord(facts), target: target.member })) return undefined;
  let amount: string | null = null;
  let badge: RewardProposal['badge'] = null;
  if (spec.reward_type === 'nft') {
    if (!spec.badge) return undefined;
    badge = { type: spec.badge.type, level: spec.badge.level ?? 1 };
  } else {
    const value = amountOf(spec.amount, facts);
    if (value === undefined || value <= 0n) return undefined;
    amount = value.toString();
  }
  return {
    targetUserId: target.userId,
    rewardType: spec.reward_type,
    amount,
    badge,
    lockedUntil: spec.locked_until_condition === 'vip_or_pro' && !isVipOrPro(target.member) ? 'vip_or_pro' : null,
    caps: capsOf(document),
    priority: document.priority ?? 1,
  };
}

function capsOf(document: RuleDocument): RewardCaps {
  const caps = document.caps;
  return {
    ...(caps?.per_rule_per_day !== undefined ? { perRulePerDay: caps.per_rule_per_day } : {}),
    ...(caps?.per_user_per_day !== undefined ? { perUserPerDay: caps.per_user_per_day } : {}),
  };
}

const TEN = 10n;

/** The amount in whole units; undefined when it cannot be computed from the facts. */
function amountOf(amount: string | ComputedAmount | undefined, facts: RewardFacts): bigint | undefined {
  if (amount === undefined) return undefined;
  if (typeof amount === 'string') return BigInt(amount);
  const value = resolveFact(factsRecord(facts), amount.from);
  if (isMissing(value)) return undefined;
  const decimal = decimalOf(value);
  if (!decimal || decimal.digits < 0n) return undefined;
  const numerator = BigInt(amount.numerator ?? '1');
  const denominator = BigInt(amount.denominator ?? '1') * TEN ** BigInt(decimal.scale);
  const computed = (decimal.digits * numerator) / denominator;
  return amount.at_most !== undefined && computed > BigInt(amount.at_most) ? BigInt(amount.at_most) : computed;
}

interface Resolved {
  readonly userId: string;
  readonly member: MemberFacts;
}

const isUserId = (u: unknown): u is string => typeof u === 'string' && u.length > 0;

/** The member a target names, with the facts the read models gave of them (basic when none). */
export function resolveTarget(spec: TargetSpec, facts: RewardFacts): Resolved | undefined {
  const found = resolveOne(spec, facts);
  if (found) return found;
  return spec.otherwise ? resolveTarget(spec.otherwise, facts) : undefined;
}

function resolveOne(spec: TargetSpec, facts: RewardFacts): Resolved | undefined {
  const known = (userId: string, member: MemberFacts | null | undefined): Resolved => ({ userId, member: member && member.user_id === userId ? member : basicMember(userId) });
  switch (spec.kind) {
    case 'actor':
      return isUserId(facts.actor_user_id) ? known(facts.actor_user_id, facts.actor) : undefined;
    case 'primary_subject':
      return isUserId(facts.primary_subject_user_id) ? known(facts.primary_subject_user_id, facts.subject) : undefined;
    case 'context_user': {
      const context = facts.context as Record<string, unknown> | undefined;
      const userId = context && Object.prototype.hasOwnProperty.call(context, spec.field) ? context[spec.field] : undefined;
      const members = facts.context_users as Record<string, MemberFacts> | undefined;
      return isUserId(userId) ? known(userId, members && Object.prototype.hasOwnProperty.call(members, spec.field) ? members[spec.field] : undefined) : undefined;
    }
    case 'sponsor': {
      const chain = spec.of === 'actor' ? facts.sponsors?.actor : facts.sponsors?.subject;
      const sponsor = Array.isArray(chain) ? chain[spec.level - 1] : undefined;
      return sponsor && isUserId(sponsor.user_id) ? known(sponsor.user_id, sponsor) : undefined;
    }
  }
}
