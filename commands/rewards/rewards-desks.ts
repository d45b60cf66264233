import type { ContextPart, SystemDependencies } from '../../adapters/app/context-module.js';
import type { LockCondition, ReportedEvent, RewardCaps, RewardFacts, Tier } from '../../domain/rewards/reward-facts.js';
import type { RuleVersionDocument } from '../../domain/rewards/rule-document.js';
import type { BlockchainGateway } from './ports/blockchain-gateway.js';
import type { NftService } from './ports/nft-service.js';
import type { PointsService } from './ports/points-service.js';

/**
 * What Connect's parts offer each other (issue 14). Each part is its own file and returns its
 * ContextPart together with the desk others use; `rewards-module.ts` wires them.
 */

/** What every part is built from (one set per process). */
export interface RewardsDependencies {
  readonly system: SystemDependencies;
  readonly gateway: BlockchainGateway;
}

/** Rules (rules.ts): the active rule versions, read when an event is evaluated. */
export interface RuleBook {
  /** Every active rule version whose event type is `eventType` (its document included), in no particular order. */
  activeFor(eventType: string): Promise<readonly RuleVersionDocument[]>;
  /**
   * Whether the rule book has been loaded at all (a rule exists, active or not): before the
   * first worker seeded the default rules, an event would be evaluated against none.
   */
  ready(): Promise<boolean>;
}

/** A reward's claim on its rule's daily budget. */
export interface BudgetClaim {
  readonly actionId: string;
  readonly ruleId: string;
  readonly version: number;
  readonly targetUserId: string;
  /** Amount units (a badge counts 1), > 0. */
  readonly amount: bigint;
  readonly caps: RewardCaps;
  /** The UTC day (`YYYY-MM-DD`) of the event's occurred_at. */
  readonly day: string;
}

export type BudgetAnswer = { readonly granted: true } | { readonly granted: false; readonly reason: 'rule_daily_cap' | 'user_daily_cap' };

/** Budgets (rules.ts): daily caps per rule and per user, one hot stream per rule and day; idempotent by action id. */
export interface BudgetDesk {
  claim(claim: BudgetClaim): Promise<BudgetAnswer>;
}

/** Members (members.ts): tiers, the referral graph and counters (read models of the ingested events), and the locks. */
export interface MemberDesk {
  /** The facts snapshot an event is evaluated with (read models as they stand). */
  factsFor(report: ReportedEvent): Promise<RewardFacts>;
  /** Wait until the members read model has applied the log up to `position` (bounded): whether it did. */
  caughtUpWith(position: import('../../adapters/eventstore/event-store.js').Position): Promise<boolean>;
  /**
   * Record that a locked reward waits for its target: on `ConnectMember-<userId>` (one stream per
   * member, so a hold and an upgrade at the same moment are decided one after the other). If the
   * member already satisfies the condition, it is released at once (`MemberLockedRewardsReleased`).
   * Idempotent by action id.
   */
  holdLocked(hold: { readonly actionId: string; readonly userId: string; readonly condition: LockCondition; readonly eventId: string }): Promise<void>;
  /** An upgrade (`referral.user_upgraded_to_vip`, `user.upgraded_to_pro`): raise the tier, release every held reward it satisfies. Idempotent by event id. */
  raiseTier(raise: { readonly userId: string; readonly tier: Exclude<Tier, 'basic'>; readonly eventId: string }): Promise<void>;
}

/** Connect's off-chain G2A ledger (payouts.ts): credits of rewards; withdrawals hold and settle on it. Idempotent by entry id. */
export interface G2aLedgerDesk {
  credit(credit: { readonly entryId: string; readonly userId: string; readonly amount: bigint; readonly reason: string }): Promise<{ readonly balanceAfter: bigint }>;
}

export interface RulesPart {
  readonly part: ContextPart;
  readonly ruleBook: RuleBook;
  readonly budgets: BudgetDesk;
}
export interface MembersPart {
  readonly part: ContextPart;
  readonly members: MemberDesk;
}
export interface PayoutsPart {
  readonly part: ContextPart;
  readonly points: PointsService;
  readonly g2a: G2aLedgerDesk;
}
export interface BadgesPart {
  readonly part: ContextPart;
  readonly nft: NftService;
}
