import * as t from 'io-ts';
import type { DomainEvent } from '../../domain/decider.js';
import { pickEvents } from '../../domain/event-codec.js';
import { REWARD_ACTION_STATUS_EVENTS, RewardActionEvent, rewardActionDecider, rewardActionOfStream, type RewardActionState } from '../../domain/rewards/reward-action.js';
import { rewardWithEventFields } from './reward-fields.js';
import { definePublishedStream, type FoldedState, type PublicMessage } from '../published-streams/published-stream.js';

const StatusEvents = REWARD_ACTION_STATUS_EVENTS;
const RewardStreamEvents = pickEvents(RewardActionEvent, [...StatusEvents]);
type RewardStreamEvent = t.TypeOf<typeof RewardStreamEvents>;

/** `reward.status.changed` v1: a RewardAction as it stands after a change of status (ids, amounts, the rule that granted it). */
export const RewardStatusChangedV1 = t.exact(
  t.type({
    ...rewardWithEventFields,
    attempt: t.number,
    reason: t.union([t.string, t.null]),
    changed_at: t.string,
  }),
  'RewardStatusChangedV1',
);

const changedAt = (event: RewardStreamEvent): string => {
  const d = event.data as Record<string, unknown>;
  return String(d.createdAt ?? d.rejectedAt ?? d.unlockedAt ?? d.dispatchedAt ?? d.completedAt ?? d.failedAt ?? d.retriedAt);
};

const statusChanged: PublicMessage<RewardStreamEvent, typeof RewardStatusChangedV1, RewardActionState> = {
  type: 'reward.status.changed',
  version: 1,
  description: 'A reward action changed status (locked, pending, dispatched, completed, failed, rejected): the whole action as it stands',
  data: RewardStatusChangedV1,
  map: (event, folded: FoldedState<RewardActionState> | undefined) => {
    const after = folded?.after;
    if (!after || after.status === 'none') return null;
    const a = after.action;
    return {
      subject: a.actionId,
      data: {
        action_id: a.actionId,
        event_id: a.eventId,
        event_type: a.eventType,
        source_service: a.sourceService,
        external_id: a.externalId,
        rule_id: a.ruleId,
        rule_version: a.ruleVersion,
        target_user_id: a.targetUserId,
        reward_type: a.rewardType,
        amount: a.amount,
        badge: a.badge,
        status: after.status,
        attempt: after.attempt,
        reason: after.lastError,
        changed_at: changedAt(event),
      },
    };
  },
};

/**
 * `connect.rewards`: every status change of every reward action, for the services that
 * follow Connect (CRM, analytics, points). User ids and amounts only.
 */
export const rewardsStream = definePublishedStream<RewardStreamEvent, RewardActionState>({
  name: 'connect.rewards',
  description: 'reward actions and their status changes (locked → pending → dispatched → completed | failed; rejected over a budget)',
  events: RewardStreamEvents,
  state: {
    appliesTo: (streamName) => rewardActionOfStream(streamName) !== undefined,
    events: RewardActionEvent as unknown as t.Type<DomainEvent, unknown, unknown>,
    initial: () => rewardActionDecider.initialState,
    evolve: (state, event) => rewardActionDecider.evolve(state, event as unknown as RewardActionEvent),
  },
  messages: Object.fromEntries(StatusEvents.map((type) => [type, statusChanged])) as { [K in (typeof StatusEvents)[number]]: typeof statusChanged },
});
