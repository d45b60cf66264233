import * as t from 'io-ts';
import { LOCK_CONDITIONS, MAX_SPONSOR_LEVELS, REWARD_TYPES, type LockCondition, type RewardType } from './reward-facts.js';
import { isSupportedPath, OPERATORS, type Condition, type FactReference } from './rule-conditions.js';

/**
 * A rule version's document — rules as versioned data, not code. The format (snake case,
 * as admins write it; reference in docs/architecture.md "Rules as versioned data"):
 *
 * ```json
 * { "name": "Quest completed: points to the player",
 *   "event_type": "quest.completed",
 *   "priority": 10,
 *   "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2027-01-01T00:00:00Z",
 *   "conditions": { "all": [ { "fact": "context", "path": "$.base_reward_points", "operator": "greaterThan", "value": 0 } ] },
 *   "caps": { "per_rule_per_day": "1000000", "per_user_per_day": "5000" },
 *   "rewards": [
 *     { "target": { "kind": "actor" }, "reward_type": "points",
 *       "amount": { "from": { "fact": "context", "path": "$.base_reward_points" } } },
 *     { "target": { "kind": "context_user", "field": "pro_author_id", "otherwise": { "kind": "primary_subject" } },
 *       "reward_type": "points",
 *       "amount": { "from": { "fact": "context", "path": "$.base_reward_points" }, "numerator": "1", "denominator": "10" },
 *       "when": { "fact": "target", "path": "$.is_pro", "operator": "equal", "value": true } },
 *     { "target": { "kind": "sponsor", "of": "primary_subject", "level": 1 }, "reward_type": "points", "amount": "50",
 *       "locked_until_condition": "vip_or_pro" },
 *     { "target": { "kind": "actor" }, "reward_type": "nft", "badge": { "type": "quest_master_10", "level": 1 } } ] }
 * ```
 *
 * Every field is checked by `ruleDocumentProblem`, which names the first offending path
 * (`rewards[0].amount`, `conditions.all[1].operator`); unknown fields are refused by name, so a
 * typo never passes as an absent field.
 */
export interface RuleVersionDocument {
  readonly ruleId: string;
  readonly version: number;
  /** The JSON document as the admin wrote it (validated): event_type, conditions, rewards, lock, priority, validity, caps. */
  readonly document: Readonly<Record<string, unknown>>;
}

export type TargetSpec = (
  | { readonly kind: 'actor' }
  | { readonly kind: 'primary_subject' }
  /** The user whose id is the context's string field `field` (ending in `_id`: `pro_author_id`, `rf_partner_id`). */
  | { readonly kind: 'context_user'; readonly field: string }
  /** `level` steps up the referral chain of the actor or of the primary subject (1: their direct sponsor). */
  | { readonly kind: 'sponsor'; readonly of: 'actor' | 'primary_subject'; readonly level: number }
) & {
  /** Who gets it when this target cannot be resolved (no such context field, no sponsor that far up). */
  readonly otherwise?: TargetSpec;
};

/** floor(value × numerator / denominator), at most `at_most`; the value is a fact (a number or decimal string ≥ 0). */
export interface ComputedAmount {
  readonly from: FactReference;
  readonly numerator?: string;
  readonly denominator?: string;
  readonly at_most?: string;
}

export interface RewardSpec {
  readonly target: TargetSpec;
  readonly reward_type: RewardType;
  /** Whole units as a decimal string (points, or G2A jetton units with 9 decimals), or computed; absent for nft. */
  readonly amount?: string | ComputedAmount;
  /** nft only: the badge type and level (default 1). */
  readonly badge?: { readonly type: string; readonly level?: number };
  readonly locked_until_condition?: LockCondition;
  /** This reward only when these conditions hold too; `target` is the resolved target's MemberFacts here. */
  readonly when?: Condition;
}

export interface RuleDocument {
  readonly name?: string;
  readonly description?: string;
  readonly event_type: string;
  /** Higher first (json-rules-engine's sense); 1 … 1,000,000, default 1. */
  readonly priority?: number;
  /** ISO-8601 instants compared with the event's occurred_at (never the clock): from inclusive, until exclusive. */
  readonly valid_from?: string;
  readonly valid_until?: string;
  readonly conditions?: Condition;
  /** In the rewards' unit (so a rule with caps grants one unit: points, G2A or badges); whole numbers as decimal strings. */
  readonly caps?: { readonly per_rule_per_day?: string; readonly per_user_per_day?: string };
  readonly rewards: readonly RewardSpec[];
}

/** The first thing wrong with a document: where (`rewards[0].amount`; '' for the document itself) and why. */
export interface DocumentProblem {
  readonly path: string;
  readonly message: string;
}

/** The facts a rule's conditions may name (RewardFacts' keys); a reward's `when` may also name `target`. */
export const RULE_FACTS = ['event_type', 'source_service', 'external_id', 'occurred_at', 'actor_user_id', 'primary_subject_user_id', 'context', 'actor', 'subject', 'sponsors', 'context_users'] as const;

export const EVENT_TYPE_PATTERN = /^[a-z0-9_]{1,40}(?:\.[a-z0-9_]{1,40}){0,4}$/;
export const BADGE_TYPE_PATTERN = /^[a-z0-9_]{1,64}$/;
const CONTEXT_FIELD = /^[A-Za-z0-9_]{0,61}_id$/;
const WHOLE = /^[1-9][0-9]{0,36}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export const MAX_DOCUMENT_BYTES = 65_536;
export const MAX_REWARDS = 20;
const MAX_CONDITION_DEPTH = 16;
const MAX_CONDITION_NODES = 200;

/** The unit a reward's amount counts in (what caps add up). */
export const unitOf = (type: RewardType): 'points' | 'g2a' | 'badges' => (type === 'points' ? 'points' : type === 'nft' ? 'badges' : 'g2a');

type Check = DocumentProblem | undefined;
const at = (path: string, key: string | number): string => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);
const isObject = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);
const has = (o: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key) && o[key] !== undefined;
const first = (...checks: (() => Check)[]): Check => {
  for (const check of checks) {
    const problem = check();
    if (problem) return problem;
  }
  return undefined;
};

function closed(o: Record<string, unknown>, path: string, known: readonly string[]): Check {
  const unknown = Object.keys(o).find((k) => !known.includes(k));
  return unknown === undefined ? undefined : { path: at(path, unknown), message: `is not a field here (known: ${known.join(', ')})` };
}

function text(o: Record<string, unknown>, path: string, key: string, max: number, required = false): Check {
  if (!has(o, key)) return required ? { path: at(path, key), message: 'is required' } : undefined;
  const value = o[key];
  return typeof value === 'string' && value.trim().length > 0 && value.length <= max ? undefined : { path: at(path, key), message: `must be text of 1 to ${max} characters` };
}

function whole(o: Record<string, unknown>, path: string, key: string, what: string): Check {
  if (!has(o, key)) return undefined;
  return typeof o[key] === 'string' && WHOLE.test(o[key]) ? undefined : { path: at(path, key), message: `must be ${what}: a whole number above 0 as a decimal string ("100")` };
}

function instant(o: Record<string, unknown>, path: string, key: string): Check {
  if (!has(o, key)) return undefined;
  const value = o[key];
  return typeof value === 'string' && ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : { path: at(path, key), message: 'must be an ISO-8601 date-time with a zone ("2026-01-01T00:00:00Z")' };
}

function factReference(u: unknown, path: string, facts: readonly string[]): Check {
  if (!isObject(u)) return { path, message: 'must be a fact reference {fact, path?}' };
  return first(
    () => closed(u, path, ['fact', 'path']),
    () => (typeof u.fact === 'string' && facts.includes(u.fact) ? undefined : { path: at(path, 'fact'), message: `must name a fact: one of ${facts.join(', ')}` }),
    () => (!has(u, 'path') || (typeof u.path === 'string' && isSupportedPath(u.path)) ? undefined : { path: at(path, 'path'), message: 'must be a JSONPath of the form $.a.b or $.list[0].c' }),
  );
}

function condition(u: unknown, path: string, facts: readonly string[], depth: number, nodes: { count: number }): Check {
  if (++nodes.count > MAX_CONDITION_NODES) return { path, message: `too many conditions (at most ${MAX_CONDITION_NODES} in one tree)` };
  if (depth > MAX_CONDITION_DEPTH) return { path, message: `conditions nest at most ${MAX_CONDITION_DEPTH} levels` };
  if (!isObject(u)) return { path, message: 'must be a condition: {all: […]}, {any: […]}, {not: {…}} or {fact, path?, operator, value}' };
  for (const group of ['all', 'any'] as const) {
    if (!has(u, group)) continue;
    return first(
      () => closed(u, path, [group]),
      () => (Array.isArray(u[group]) ? undefined : { path: at(path, group), message: 'must be a list of conditions' }),
      () => {
        for (const [i, inner] of (u[group] as unknown[]).entries()) {
          const problem = condition(inner, at(at(path, group), i), facts, depth + 1, nodes);
          if (problem) return problem;
        }
        return undefined;
      },
    );
  }
  if (has(u, 'not')) return first(() => closed(u, path, ['not']), () => condition(u.not, at(path, 'not'), facts, depth + 1, nodes));
  return first(
    () => closed(u, path, ['fact', 'path', 'operator', 'value']),
    () => factReference({ fact: u.fact, ...(has(u, 'path') ? { path: u.path } : {}) }, path, facts),
    () => (typeof u.operator === 'string' && (OPERATORS as readonly string[]).includes(u.operator) ? undefined : { path: at(path, 'operator'), message: `must be one of ${OPERATORS.join(', ')}` }),
    () => (Object.prototype.hasOwnProperty.call(u, 'value') ? undefined : { path: at(path, 'value'), message: 'is required (a JSON value, or {fact, path?})' }),
    () => {
      const value = u.value;
      if (isObject(value) && has(value, 'fact')) return factReference(value, at(path, 'value'), facts);
      if ((u.operator === 'in' || u.operator === 'notIn') && !Array.isArray(value)) return { path: at(path, 'value'), message: `must be a list for ${u.operator}` };
      if (value === null && u.operator !== 'equal' && u.operator !== 'notEqual' && u.operator !== 'contains' && u.operator !== 'doesNotContain') return { path: at(path, 'value'), message: `cannot be null for ${u.operator}` };
      return undefined;
    },
  );
}

function target(u: unknown, path: string, depth = 0): Check {
  if (!isObject(u)) return { path, message: 'must be a target: {kind: actor | primary_subject | context_user | sponsor, …}' };
  if (depth > 3) return { path, message: 'at most 3 fallbacks (otherwise) in a row' };
  const fallback = () => (has(u, 'otherwise') ? target(u.otherwise, at(path, 'otherwise'), depth + 1) : undefined);
  switch (u.kind) {
    case 'actor':
    case 'primary_subject':
      return first(() => closed(u, path, ['kind', 'otherwise']), fallback);
    case 'context_user':
      return first(
        () => closed(u, path, ['kind', 'field', 'otherwise']),
        () => (typeof u.field === 'string' && CONTEXT_FIELD.test(u.field) ? undefined : { path: at(path, 'field'), message: 'must name a context field ending in _id ("pro_author_id")' }),
        fallback,
      );
    case 'sponsor':
      return first(
        () => closed(u, path, ['kind', 'of', 'level', 'otherwise']),
        () => (u.of === 'actor' || u.of === 'primary_subject' ? undefined : { path: at(path, 'of'), message: 'must be actor or primary_subject (whose referral chain)' }),
        () => (Number.isInteger(u.level) && (u.level as number) >= 1 && (u.level as number) <= MAX_SPONSOR_LEVELS ? undefined : { path: at(path, 'level'), message: `must be a whole number from 1 to ${MAX_SPONSOR_LEVELS}` }),
        fallback,
      );
    default:
      return { path: at(path, 'kind'), message: 'must be one of actor, primary_subject, context_user, sponsor' };
  }
}

function amount(u: unknown, path: string): Check {
  if (typeof u === 'string') return WHOLE.test(u) ? undefined : { path, message: 'must be a whole number above 0 as a decimal string ("100"), or {from, numerator?, denominator?, at_most?}' };
  if (!isObject(u)) return { path, message: 'must be a whole number above 0 as a decimal string ("100"), or {from, numerator?, denominator?, at_most?}' };
  return first(
    () => closed(u, path, ['from', 'numerator', 'denominator', 'at_most']),
    () => (has(u, 'from') ? factReference(u.from, at(path, 'from'), RULE_FACTS) : { path: at(path, 'from'), message: 'is required: the fact the amount is computed from' }),
    () => whole(u, path, 'numerator', 'the numerator'),
    () => whole(u, path, 'denominator', 'the denominator'),
    () => whole(u, path, 'at_most', 'the largest amount'),
  );
}

function reward(u: unknown, path: string): Check {
  if (!isObject(u)) return { path, message: 'must be a reward {target, reward_type, amount | badge, locked_until_condition?, when?}' };
  const type = u.reward_type;
  return first(
    () => closed(u, path, ['target', 'reward_type', 'amount', 'badge', 'locked_until_condition', 'when']),
    () => (has(u, 'target') ? target(u.target, at(path, 'target')) : { path: at(path, 'target'), message: 'is required' }),
    () => (typeof type === 'string' && (REWARD_TYPES as readonly string[]).includes(type) ? undefined : { path: at(path, 'reward_type'), message: `must be one of ${REWARD_TYPES.join(', ')}` }),
    () => {
      if (type === 'nft') {
        if (has(u, 'amount')) return { path: at(path, 'amount'), message: 'an nft reward grants a badge, not an amount' };
        if (!isObject(u.badge)) return { path: at(path, 'badge'), message: 'is required for an nft reward: {type, level?}' };
        const badge = u.badge;
        return first(
          () => closed(badge, at(path, 'badge'), ['type', 'level']),
          () => (typeof badge.type === 'string' && BADGE_TYPE_PATTERN.test(badge.type) ? undefined : { path: at(at(path, 'badge'), 'type'), message: 'must be a badge type (a-z, 0-9, _; up to 64)' }),
          () => (!has(badge, 'level') || (Number.isInteger(badge.level) && (badge.level as number) >= 1 && (badge.level as number) <= 1000) ? undefined : { path: at(at(path, 'badge'), 'level'), message: 'must be a whole number from 1 to 1000' }),
        );
      }
      if (has(u, 'badge')) return { path: at(path, 'badge'), message: 'only an nft reward has a badge' };
      return has(u, 'amount') ? amount(u.amount, at(path, 'amount')) : { path: at(path, 'amount'), message: 'is required for a points or G2A reward' };
    },
    () => (!has(u, 'locked_until_condition') || (LOCK_CONDITIONS as readonly unknown[]).includes(u.locked_until_condition) ? undefined : { path: at(path, 'locked_until_condition'), message: `must be one of ${LOCK_CONDITIONS.join(', ')}` }),
    () => (has(u, 'when') ? condition(u.when, at(path, 'when'), [...RULE_FACTS, 'target'], 0, { count: 0 }) : undefined),
  );
}

/** What is wrong with a rule document, the first thing found; undefined when it is a valid rule. */
export function ruleDocumentProblem(u: unknown): DocumentProblem | undefined {
  if (!isObject(u)) return { path: '', message: 'must be a JSON object' };
  let size: number;
  try {
    size = new TextEncoder().encode(JSON.stringify(u)).length;
  } catch {
    return { path: '', message: 'must be JSON' };
  }
  if (size > MAX_DOCUMENT_BYTES) return { path: '', message: `is larger than ${MAX_DOCUMENT_BYTES} bytes` };
  return first(
    () => closed(u, '', ['name', 'description', 'event_type', 'priority', 'valid_from', 'valid_until', 'conditions', 'caps', 'rewards']),
    () => text(u, '', 'name', 200),
    () => text(u, '', 'description', 2000),
    () => (typeof u.event_type === 'string' && EVENT_TYPE_PATTERN.test(u.event_type) ? undefined : { path: 'event_type', message: 'is required: an event type ("quest.completed": a-z, 0-9, _ in dot-separated parts)' }),
    () => (!has(u, 'priority') || (Number.isInteger(u.priority) && (u.priority as number) >= 1 && (u.priority as number) <= 1_000_000) ? undefined : { path: 'priority', message: 'must be a whole number from 1 to 1000000 (higher first)' }),
    () => instant(u, '', 'valid_from'),
    () => instant(u, '', 'valid_until'),
    () => (has(u, 'valid_from') && has(u, 'valid_until') && Date.parse(u.valid_until as string) <= Date.parse(u.valid_from as string) ? { path: 'valid_until', message: 'must be after valid_from' } : undefined),
    () => (has(u, 'conditions') ? condition(u.conditions, 'conditions', RULE_FACTS, 0, { count: 0 }) : undefined),
    () => {
      if (!Array.isArray(u.rewards) || u.rewards.length === 0 || u.rewards.length > MAX_REWARDS) return { path: 'rewards', message: `is required: a list of 1 to ${MAX_REWARDS} rewards` };
      for (const [i, r] of u.rewards.entries()) {
        const problem = reward(r, at('rewards', i));
        if (problem) return problem;
      }
      return undefined;
    },
    () => {
      if (!has(u, 'caps')) return undefined;
      if (!isObject(u.caps)) return { path: 'caps', message: 'must be {per_rule_per_day?, per_user_per_day?}' };
      const caps = u.caps;
      const units = new Set((u.rewards as { reward_type: RewardType }[]).map((r) => unitOf(r.reward_type)));
      return first(
        () => closed(caps, 'caps', ['per_rule_per_day', 'per_user_per_day']),
        () => whole(caps, 'caps', 'per_rule_per_day', 'the most this rule grants per day'),
        () => whole(caps, 'caps', 'per_user_per_day', 'the most this rule grants one user per day'),
        () => (units.size === 1 ? undefined : { path: 'caps', message: `caps count the rewards' unit, and this rule's rewards mix ${[...units].join(' and ')}: split it into one rule per unit` }),
      );
    },
  );
}

/** The io-ts codec of a rule document: decodes exactly what `ruleDocumentProblem` accepts (its message names the path). */
export const RuleDocument = new t.Type<RuleDocument, Record<string, unknown>, unknown>(
  'RuleDocument',
  (u): u is RuleDocument => ruleDocumentProblem(u) === undefined,
  (u, c) => {
    const problem = ruleDocumentProblem(u);
    return problem === undefined ? t.success(u as RuleDocument) : t.failure(u, c, `${problem.path === '' ? 'the document' : problem.path} ${problem.message}`);
  },
  (document) => document as unknown as Record<string, unknown>,
);

/** The document as a typed rule, or undefined when it is not a valid one. */
export const asRuleDocument = (u: unknown): RuleDocument | undefined => (ruleDocumentProblem(u) === undefined ? (u as RuleDocument) : undefined);

/** JSON with object keys sorted at every level: two documents are the same rule iff their canonical texts are equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
