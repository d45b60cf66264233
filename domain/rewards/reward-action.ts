import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError, type DomainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * A RewardAction (SPEC R-3), stream `RewardAction-<actionId>`: one reward one rule version
 * granted one user for one EconomicEvent. Its life:
 *
 *   locked ──unlock──▶ pending ──dispatch──▶ dispatched ──▶ completed
 *                        ▲                        └────────▶ failed ──retry (admin)──▶ pending
 *   (a capped rule's budget refused) ──▶ rejected
 *
 * `locked` waits for its target to satisfy `lockedUntil` (the member stream decides when);
 * a rule with daily caps claims its budget first (`budgetGranted`), and a refusal rejects the
 * action for good. Every dispatch is an attempt: the payout is keyed by the action id (and the
 * attempt for the gateway, whose failed tasks are final), so an attempt asked again pays once.
 * Every transition asked again is nothing new.
 */
const RewardTypeCodec = t.keyof({ points: null, g2a_offchain: null, g2a_onchain: null, nft: null });
const Badge = t.union([t.type({ type: t.string, level: t.number }), t.null]);

export const RewardActionEvent = t.union([
  eventCodec(
    'RewardActionCreated',
    t.type({
      actionId: t.string,
      eventId: t.string,
      externalId: t.string,
      sourceService: t.string,
      eventType: t.string,
      /** The EconomicEvent's occurred_at: the day its budget counts on. */
      occurredAt: t.string,
      ruleId: t.string,
      ruleVersion: t.number,
      rewardIndex: t.number,
      targetUserId: t.string,
      rewardType: RewardTypeCodec,
      amount: t.union([t.string, t.null]),
      badge: Badge,
      lockedUntil: t.union([t.literal('vip_or_pro'), t.null]),
      caps: t.partial({ perRulePerDay: t.string, perUserPerDay: t.string }),
      status: t.keyof({ locked: null, pending: null }),
      createdAt: t.string,
    }),
  ),
  eventCodec('RewardActionBudgetGranted', t.type({ actionId: t.string, day: t.string, grantedAt: t.string })),
  eventCodec('RewardActionRejected', t.type({ actionId: t.string, reason: t.keyof({ rule_daily_cap: null, user_daily_cap: null }), rejectedAt: t.string })),
  eventCodec('RewardActionUnlocked', t.type({ actionId: t.string, cause: t.string, unlockedAt: t.string })),
  eventCodec(
    'RewardActionDispatched',
    t.intersection([
      t.type({ actionId: t.string, attempt: t.number, dispatchedAt: t.string }),
      /** A g2a_onchain action: the gateway request and the task stream its outcome arrives on. */
      t.partial({ gatewayRequestId: t.string, gatewayTaskStream: t.string }),
    ]),
  ),
  eventCodec(
    'RewardActionCompleted',
    t.type({
      actionId: t.string,
      attempt: t.number,
      /** What the payout answered: an entry id and balance, a task id and token, a badge instance … (no personal data). */
      result: t.record(t.string, t.union([t.string, t.number, t.null])),
      completedAt: t.string,
    }),
  ),
  eventCodec('RewardActionFailed', t.type({ actionId: t.string, attempt: t.number, code: t.string, reason: t.string, failedAt: t.string })),
  eventCodec('RewardActionRetried', t.type({ actionId: t.string, attempt: t.number, retriedBy: t.string, retriedAt: t.string })),
]);
export type RewardActionEvent = t.TypeOf<typeof RewardActionEvent>;

/** The events that change an action's status (a budget granted does not). */
export const REWARD_ACTION_STATUS_EVENTS = ['RewardActionCreated', 'RewardActionRejected', 'RewardActionUnlocked', 'RewardActionDispatched', 'RewardActionCompleted', 'RewardActionFailed', 'RewardActionRetried'] as const;
export type RewardActionCreated = Extract<RewardActionEvent, { type: 'RewardActionCreated' }>;

export type RewardActionStatus = 'locked' | 'pending' | 'dispatched' | 'completed' | 'failed' | 'rejected';
export const REWARD_ACTION_STATUSES: readonly RewardActionStatus[] = ['locked', 'pending', 'dispatched', 'completed', 'failed', 'rejected'];

export type RewardActionState =
  | { readonly status: 'none' }
  | {
      readonly status: RewardActionStatus;
      readonly action: RewardActionCreated['data'];
      readonly budgetGranted: boolean;
      /** The attempt now (1 at creation, +1 per admin retry). */
      readonly attempt: number;
      /** Whether the current attempt was dispatched. */
      readonly dispatched: boolean;
      readonly lastError: string | null;
    };

export type RewardActionCommand =
  | { readonly type: 'CreateRewardAction'; readonly action: Omit<RewardActionCreated['data'], 'createdAt' | 'status'>; readonly now: Date }
  | { readonly type: 'GrantBudget'; readonly actionId: string; readonly day: string; readonly now: Date }
  | { readonly type: 'RejectOverBudget'; readonly actionId: string; readonly reason: 'rule_daily_cap' | 'user_daily_cap'; readonly now: Date }
  | { readonly type: 'UnlockRewardAction'; readonly actionId: string; readonly cause: string; readonly now: Date }
  | { readonly type: 'DispatchRewardAction'; readonly actionId: string; readonly attempt: number; readonly gateway?: { readonly requestId: string; readonly taskStream: string }; readonly now: Date }
  | { readonly type: 'CompleteRewardAction'; readonly actionId: string; readonly attempt: number; readonly result: Readonly<Record<string, string | number | null>>; readonly now: Date }
  | { readonly type: 'FailRewardAction'; readonly actionId: string; readonly attempt: number; readonly code: string; readonly reason: string; readonly now: Date }
  | { readonly type: 'RetryRewardAction'; readonly actionId: string; readonly by: string; readonly now: Date };

export const streamOfRewardAction = (actionId: string): string => `RewardAction-${actionId}`;
export const rewardActionOfStream = (stream: string): string | undefined => (stream.startsWith('RewardAction-') ? stream.slice('RewardAction-'.length) : undefined);

const nothing = right([] as RewardActionEvent[]);
const refuse = (kind: DomainError['kind'], code: string, message: string): Either<DomainError, never> => left(domainError(kind, code, message));

/** Whether the action waits for anything before it may be dispatched (its budget, its lock). */
export const readyToDispatch = (state: RewardActionState): boolean =>
  state.status === 'pending' && !state.dispatched && (state.budgetGranted || (state.action.caps.perRulePerDay === undefined && state.action.caps.perUserPerDay === undefined));

/** A reward needs a budget claim when its rule has caps. */
export const needsBudget = (caps: { readonly perRulePerDay?: string | undefined; readonly perUserPerDay?: string | undefined }): boolean =>
  caps.perRulePerDay !== undefined || caps.perUserPerDay !== undefined;

export const rewardActionDecider: EventSourcedDecider<RewardActionCommand, RewardActionEvent, RewardActionState> = {
  events: RewardActionEvent,
  initialState: { status: 'none' },
  decide(command, state) {
    const at = command.now.toISOString();
    if (command.type === 'CreateRewardAction') {
      if (state.status !== 'none') return nothing; // created once; the same command again is the same action
      const a = command.action;
      if (a.rewardType === 'nft' ? a.badge === null : a.amount === null || !/^[1-9]\d*$/.test(a.amount)) {
        return refuse('rule_violated', 'reward.invalid', a.rewardType === 'nft' ? 'an nft reward needs a badge' : 'a reward needs an amount of whole units, more than 0');
      }
      return right([{ type: 'RewardActionCreated', data: { ...a, caps: { ...a.caps }, status: a.lockedUntil === null ? 'pending' : 'locked', createdAt: at } }]);
    }
    if (state.status === 'none') return refuse('not_found', 'reward.not_found', `no reward action ${command.actionId}`);
    switch (command.type) {
      case 'GrantBudget':
        if (state.budgetGranted || state.status === 'rejected') return nothing;
        return right([{ type: 'RewardActionBudgetGranted', data: { actionId: command.actionId, day: command.day, grantedAt: at } }]);
      case 'RejectOverBudget':
        if (state.budgetGranted || state.status === 'rejected') return nothing;
        if (state.status !== 'locked' && state.status !== 'pending') return nothing;
        return right([{ type: 'RewardActionRejected', data: { actionId: command.actionId, reason: command.reason, rejectedAt: at } }]);
      case 'UnlockRewardAction':
        if (state.status !== 'locked') return nothing; // unlocked before (or never locked): exactly once
        return right([{ type: 'RewardActionUnlocked', data: { actionId: command.actionId, cause: command.cause, unlockedAt: at } }]);
      case 'DispatchRewardAction':
        if (command.attempt !== state.attempt || state.dispatched) return nothing;
        if (state.status === 'locked') return refuse('conflict', 'reward.locked', `reward action ${command.actionId} is locked until ${state.action.lockedUntil}`);
        if (state.status !== 'pending') return nothing;
        if (!readyToDispatch(state)) return refuse('conflict', 'reward.budget_pending', `reward action ${command.actionId} waits for its budget`);
        return right([
          {
            type: 'RewardActionDispatched',
            data: { actionId: command.actionId, attempt: command.attempt, dispatchedAt: at, ...(command.gateway ? { gatewayRequestId: command.gateway.requestId, gatewayTaskStream: command.gateway.taskStream } : {}) },
          },
        ]);
      case 'CompleteRewardAction':
        if (command.attempt !== state.attempt || state.status !== 'dispatched') return nothing;
        return right([{ type: 'RewardActionCompleted', data: { actionId: command.actionId, attempt: command.attempt, result: { ...command.result }, completedAt: at } }]);
      case 'FailRewardAction':
        if (command.attempt !== state.attempt || state.status !== 'dispatched') return nothing;
        return right([{ type: 'RewardActionFailed', data: { actionId: command.actionId, attempt: command.attempt, code: command.code, reason: command.reason, failedAt: at } }]);
      case 'RetryRewardAction':
        if (state.status !== 'failed') return refuse('conflict', 'reward.not_failed', `reward action ${command.actionId} is ${state.status}; only a failed one is retried`);
        return right([{ type: 'RewardActionRetried', data: { actionId: command.actionId, attempt: state.attempt + 1, retriedBy: command.by, retriedAt: at } }]);
    }
  },
  evolve(state, event) {
    if (event.type === 'RewardActionCreated') {
      return { status: event.data.status, action: event.data, budgetGranted: false, attempt: 1, dispatched: false, lastError: null };
    }
    if (state.status === 'none') return state;
    switch (event.type) {
      case 'RewardActionBudgetGranted':
        return { ...state, budgetGranted: true };
      case 'RewardActionRejected':
        return { ...state, status: 'rejected', lastError: event.data.reason };
      case 'RewardActionUnlocked':
        return { ...state, status: 'pending' };
      case 'RewardActionDispatched':
        return { ...state, status: 'dispatched', dispatched: true };
      case 'RewardActionCompleted':
        return { ...state, status: 'completed', lastError: null };
      case 'RewardActionFailed':
        return { ...state, status: 'failed', lastError: `${event.data.code}: ${event.data.reason}` };
      case 'RewardActionRetried':
        return { ...state, status: 'pending', attempt: event.data.attempt, dispatched: false };
    }
  },
};
