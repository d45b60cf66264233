import * as t from 'io-ts';

/**
 * The fields every public shape of a reward action carries, snake case: the ingestion's answer
 * (its proposed actions), the reward views of the queries and `reward.status.changed` v1.
 */
export const rewardFields = {
  action_id: t.string,
  rule_id: t.string,
  rule_version: t.number,
  target_user_id: t.string,
  reward_type: t.string,
  amount: t.union([t.string, t.null]),
  badge: t.union([t.type({ type: t.string, level: t.number }), t.null]),
  status: t.string,
};

/** With the event that caused it (the views and the published message). */
export const rewardWithEventFields = { ...rewardFields, event_id: t.string, event_type: t.string, source_service: t.string, external_id: t.string };
