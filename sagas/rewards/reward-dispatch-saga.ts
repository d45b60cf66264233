import * as t from 'io-ts';
import {
  ClaimRewardBudget,
  claimBudgetKey,
  CreateRewardAction,
  createActionKey,
  DispatchRewardAction,
  dispatchKey,
  HoldLockedReward,
  holdKey,
  SettleOnchainReward,
  settleKey,
} from '../../commands/rewards/reward-action-effect-kinds.js';
import { BlockchainTaskEvent } from '../../domain/blockchain/blockchain-task-events.js';
import { pickEvents } from '../../domain/event-codec.js';
import { EconomicEventEvent } from '../../domain/rewards/economic-event.js';
import { needsBudget, REWARD_ACTION_STATUS_EVENTS, RewardActionEvent, rewardActionOfStream } from '../../domain/rewards/reward-action.js';
import type { Effect } from '../outbox.js';
import { defineSaga, type SagaReaction } from '../saga.js';

export const REWARD_DISPATCH = 'rewards-dispatch';

export const RewardDispatchEvents = pickEvents(t.union([EconomicEventEvent, RewardActionEvent, BlockchainTaskEvent]), [
  'EconomicEventEvaluated',
  'RewardActionBudgetGranted',
  ...REWARD_ACTION_STATUS_EVENTS,
  'BlockchainTaskConfirmed',
  'BlockchainTaskFailed',
]);

/** What the flow of one reward action has seen (no personal data: ids, kinds, statuses). */
export interface RewardDispatchState {
  readonly actionId: string | null;
  readonly created: boolean;
  readonly status: string;
  readonly capped: boolean;
  readonly budgetGranted: boolean;
  readonly locked: boolean;
  readonly attempt: number;
  readonly dispatchedAttempt: number;
  /** The gateway task stream of the current attempt (g2a_onchain). */
  readonly taskStream: string | null;
  readonly taskOutcome: { readonly attempt: number; readonly outcome: 'confirmed' | 'failed'; readonly taskId: string; readonly txHash: string | null; readonly error: string | null } | null;
  /** Keys of the effects enqueued so far. */
  readonly enqueued: readonly string[];
}

const initialState: RewardDispatchState = { actionId: null, created: false, status: 'none', capped: false, budgetGranted: false, locked: false, attempt: 1, dispatchedAttempt: 0, taskStream: null, taskOutcome: null, enqueued: [] };

/** Every effect the state calls for (enqueued once each: the keys are kept in the state). */
function wanted(actionId: string, s: RewardDispatchState): Effect[] {
  if (!s.created || s.status === 'rejected') return [];
  const out: Effect[] = [];
  const budgetReady = !s.capped || s.budgetGranted;
  if (s.capped && !s.budgetGranted) out.push(ClaimRewardBudget.effect(claimBudgetKey(actionId), { actionId }));
  if (budgetReady && s.locked) out.push(HoldLockedReward.effect(holdKey(actionId), { actionId }));
  if (budgetReady && s.status === 'pending' && s.dispatchedAttempt < s.attempt) out.push(DispatchRewardAction.effect(dispatchKey(actionId, s.attempt), { actionId, attempt: s.attempt }));
  if (s.status === 'dispatched' && s.taskOutcome !== null && s.taskOutcome.attempt === s.attempt) {
    const o = s.taskOutcome;
    out.push(SettleOnchainReward.effect(settleKey(actionId, s.attempt), { actionId, attempt: s.attempt, outcome: o.outcome, taskId: o.taskId, txHash: o.txHash, error: o.error }));
  }
  return out;
}

/**
 * The reward dispatcher (SPEC R-5), one flow per reward action, plus the step before: an
 * evaluated EconomicEvent asks for each of its actions to be created (flow: the event). After
 * every event it works out what the action needs next — its budget claimed, its lock held by
 * the member, the payout of the current attempt, the gateway's outcome recorded — and enqueues
 * what it has not enqueued yet. The payouts are idempotent by the action id (and attempt), so
 * the outbox's at-least-once delivery pays once.
 */
export const rewardDispatchSaga = defineSaga({
  name: REWARD_DISPATCH,
  events: RewardDispatchEvents,
  linksStreams: true,
  initialState,
  flowId: (event) => {
    if (event.type === 'EconomicEventEvaluated') return `event:${event.data.eventId}`;
    if (event.type === 'BlockchainTaskConfirmed' || event.type === 'BlockchainTaskFailed') return null; // linked streams only
    return rewardActionOfStream(event.streamName) ?? null;
  },
  react(state, event): SagaReaction<RewardDispatchState> {
    if (event.type === 'EconomicEventEvaluated') {
      const effects = event.data.actions.map((a) => CreateRewardAction.effect(createActionKey(a.actionId), { eventId: event.data.eventId, actionId: a.actionId }, { correlationId: event.data.eventId }));
      return { state, effects };
    }
    let next = state;
    let linkStreams: string[] | undefined;
    switch (event.type) {
      case 'RewardActionCreated':
        next = { ...next, actionId: event.data.actionId, created: true, status: event.data.status, capped: needsBudget(event.data.caps), locked: event.data.status === 'locked' };
        break;
      case 'RewardActionBudgetGranted':
        next = { ...next, budgetGranted: true };
        break;
      case 'RewardActionRejected':
        next = { ...next, status: 'rejected' };
        break;
      case 'RewardActionUnlocked':
        next = { ...next, status: 'pending', locked: false };
        break;
      case 'RewardActionDispatched':
        next = { ...next, status: 'dispatched', dispatchedAttempt: event.data.attempt, taskStream: event.data.gatewayTaskStream ?? null };
        if (event.data.gatewayTaskStream) linkStreams = [event.data.gatewayTaskStream];
        break;
      case 'RewardActionCompleted':
        next = { ...next, status: 'completed' };
        break;
      case 'RewardActionFailed':
        next = { ...next, status: 'failed' };
        break;
      case 'RewardActionRetried':
        next = { ...next, status: 'pending', attempt: event.data.attempt, taskStream: null, taskOutcome: null };
        break;
      case 'BlockchainTaskConfirmed':
      case 'BlockchainTaskFailed': {
        if (event.streamName !== state.taskStream) return { state }; // an earlier attempt's task
        const taskId = event.streamName.slice('BlockchainTask-'.length);
        next = {
          ...next,
          taskOutcome:
            event.type === 'BlockchainTaskConfirmed'
              ? { attempt: state.dispatchedAttempt, outcome: 'confirmed', taskId, txHash: event.data.result.txHash ?? null, error: null }
              : { attempt: state.dispatchedAttempt, outcome: 'failed', taskId, txHash: null, error: event.data.error },
        };
        break;
      }
    }
    const id = next.actionId;
    if (id === null) return { state: next };
    const fresh = wanted(id, next).filter((e) => !next.enqueued.includes(e.idempotencyKey));
    next = fresh.length === 0 ? next : { ...next, enqueued: [...next.enqueued, ...fresh.map((e) => e.idempotencyKey)] };
    return { state: next, effects: fresh, ...(linkStreams ? { linkStreams } : {}) };
  },
});
