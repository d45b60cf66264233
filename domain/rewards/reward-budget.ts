import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';
import type { RewardCaps } from './reward-facts.js';

/**
 * A rule's budget for one UTC day (R-2 budget caps), stream `RewardBudget-<ruleId>-<YYYY-MM-DD>`
 * (the day of the events' occurred_at): every reward of the rule that day claims its amount
 * (a badge counts 1), by its action id.
 * - A claim is granted while the rule's total for the day plus the amount stays within
 *   `perRulePerDay`, and the target user's total plus the amount within `perUserPerDay`;
 *   otherwise it is refused with the reason `rule_daily_cap` (checked first) or
 *   `user_daily_cap`. A refusal is an event too, so the same claim asked again answers the
 *   same — whatever was granted or refused in between.
 * - A claim asked again (same action id) answers as the first time and changes nothing.
 * - The caps come with each claim (from the rule version that proposed it): claims of two
 *   versions of a rule on one day share the day's totals, each checked against its own caps.
 * Invariant: the granted amounts of a day never add up past any cap a granted claim carried.
 */
export const RewardBudgetEvent = t.union([
  eventCodec(
    'RewardBudgetClaimGranted',
    t.type({
      ruleId: t.string,
      day: t.string,
      actionId: t.string,
      version: t.number,
      targetUserId: t.string,
      amount: t.string,
      /** The rule's and the user's totals for the day with this claim. */
      ruleTotalAfter: t.string,
      userTotalAfter: t.string,
      grantedAt: t.string,
    }),
  ),
  eventCodec(
    'RewardBudgetClaimRefused',
    t.type({
      ruleId: t.string,
      day: t.string,
      actionId: t.string,
      version: t.number,
      targetUserId: t.string,
      amount: t.string,
      reason: t.keyof({ rule_daily_cap: null, user_daily_cap: null }),
      refusedAt: t.string,
    }),
  ),
]);
export type RewardBudgetEvent = t.TypeOf<typeof RewardBudgetEvent>;

export type BudgetVerdict = { readonly granted: true } | { readonly granted: false; readonly reason: 'rule_daily_cap' | 'user_daily_cap' };

export interface ClaimBudget {
  readonly type: 'ClaimBudget';
  readonly ruleId: string;
  readonly day: string;
  readonly actionId: string;
  readonly version: number;
  readonly targetUserId: string;
  readonly amount: bigint;
  readonly caps: RewardCaps;
  readonly now: Date;
}

/**
 * What the budget has recorded, by key (a claim's verdict, a user's total), shared by the states
 * of one history so that folding a claim costs O(1), not a copy of every claim of the day (a
 * popular rule's day holds thousands). Each key keeps its values with the length they were
 * written at; a state sees the values written up to its own length, so its answers never change.
 * A state that is not the newest of its index (a batch decided again after a conflict) forks a
 * copy holding only what it sees. Observably pure, like a persistent map.
 */
class DayIndex {
  private constructor(
    private readonly values: Map<string, { readonly at: number; readonly value: unknown }[]>,
    private newest: number,
  ) {}

  static empty(): DayIndex {
    return new DayIndex(new Map(), 0);
  }

  get<V>(key: string, length: number): V | undefined {
    const versions = this.values.get(key);
    if (!versions) return undefined;
    for (let i = versions.length - 1; i >= 0; i--) if (versions[i]!.at <= length) return versions[i]!.value as V;
    return undefined;
  }

  with(added: readonly (readonly [string, unknown])[], length: number): DayIndex {
    let index: DayIndex = this;
    if (length === 0) index = new DayIndex(new Map(), 0);
    else if (this.newest !== length) {
      const seen = new Map<string, { at: number; value: unknown }[]>();
      for (const [key, versions] of this.values) {
        const kept = versions.filter((v) => v.at <= length);
        if (kept.length > 0) seen.set(key, kept);
      }
      index = new DayIndex(seen, length);
    }
    for (const [key, value] of added) {
      const versions = index.values.get(key);
      if (versions) versions.push({ at: length + 1, value });
      else index.values.set(key, [{ at: length + 1, value }]);
    }
    index.newest = length + 1;
    return index;
  }
}

export interface RewardBudgetState {
  readonly length: number;
  /** Granted by the rule this day, all users. */
  readonly ruleTotal: bigint;
  readonly index: DayIndex;
}

const claimKey = (actionId: string) => `claim\u0000${actionId}`;
const userKey = (userId: string) => `user\u0000${userId}`;

/** The verdict recorded for an action's claim, if it was claimed. */
export const verdictOf = (state: RewardBudgetState, actionId: string): BudgetVerdict | undefined => state.index.get<BudgetVerdict>(claimKey(actionId), state.length);
/** What one user was granted by the rule this day. */
export const userTotalOf = (state: RewardBudgetState, userId: string): bigint => state.index.get<bigint>(userKey(userId), state.length) ?? 0n;

export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const CAP = /^\d{1,37}$/;

export const streamOfRewardBudget = (ruleId: string, day: string): string => `RewardBudget-${ruleId}-${day}`;
/** The rule and day a budget stream is of (the day is the last 10 characters; rule ids may hold `-`). */
export function rewardBudgetOfStream(stream: string): { readonly ruleId: string; readonly day: string } | undefined {
  if (!stream.startsWith('RewardBudget-')) return undefined;
  const rest = stream.slice('RewardBudget-'.length);
  const day = rest.slice(-10);
  return rest.length > 11 && rest[rest.length - 11] === '-' && DAY_PATTERN.test(day) ? { ruleId: rest.slice(0, -11), day } : undefined;
}

/** The UTC day (`YYYY-MM-DD`) of an ISO-8601 instant; undefined when it is not one. */
export function utcDayOf(instant: string): string | undefined {
  const ms = Date.parse(instant);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
}

export const rewardBudgetDecider: EventSourcedDecider<ClaimBudget, RewardBudgetEvent, RewardBudgetState> = {
  events: RewardBudgetEvent,
  initialState: { length: 0, ruleTotal: 0n, index: DayIndex.empty() },
  decide(command, state) {
    const invalid = (code: string, message: string, field: string) => left(domainError('rule_violated', code, message, field));
    if (command.actionId.length === 0) return invalid('connect.budget_invalid_claim', 'a claim names its action', 'actionId');
    if (!DAY_PATTERN.test(command.day)) return invalid('connect.budget_invalid_claim', 'a budget is of a day: YYYY-MM-DD', 'day');
    if (command.amount <= 0n) return invalid('connect.budget_invalid_claim', 'a claim is of an amount above 0 (a badge counts 1)', 'amount');
    for (const cap of ['perRulePerDay', 'perUserPerDay'] as const) {
      const value = command.caps[cap];
      if (value !== undefined && !CAP.test(value)) return invalid('connect.budget_invalid_claim', `${cap} must be a whole number as a decimal string`, `caps.${cap}`);
    }
    if (verdictOf(state, command.actionId)) return right([]);
    const base = { ruleId: command.ruleId, day: command.day, actionId: command.actionId, version: command.version, targetUserId: command.targetUserId, amount: command.amount.toString() };
    const ruleTotal = state.ruleTotal + command.amount;
    const userTotal = userTotalOf(state, command.targetUserId) + command.amount;
    const refused = (reason: 'rule_daily_cap' | 'user_daily_cap') => right([{ type: 'RewardBudgetClaimRefused' as const, data: { ...base, reason, refusedAt: command.now.toISOString() } }]);
    if (command.caps.perRulePerDay !== undefined && ruleTotal > BigInt(command.caps.perRulePerDay)) return refused('rule_daily_cap');
    if (command.caps.perUserPerDay !== undefined && userTotal > BigInt(command.caps.perUserPerDay)) return refused('user_daily_cap');
    return right([{ type: 'RewardBudgetClaimGranted', data: { ...base, ruleTotalAfter: ruleTotal.toString(), userTotalAfter: userTotal.toString(), grantedAt: command.now.toISOString() } }]);
  },
  evolve(state, event) {
    const d = event.data;
    if (event.type === 'RewardBudgetClaimRefused') {
      return { length: state.length + 1, ruleTotal: state.ruleTotal, index: state.index.with([[claimKey(d.actionId), { granted: false, reason: event.data.reason }]], state.length) };
    }
    const amount = BigInt(d.amount);
    const userTotal = userTotalOf(state, d.targetUserId) + amount;
    return {
      length: state.length + 1,
      ruleTotal: state.ruleTotal + amount,
      index: state.index.with(
        [
          [claimKey(d.actionId), { granted: true }],
          [userKey(d.targetUserId), userTotal],
        ],
        state.length,
      ),
    };
  },
};
