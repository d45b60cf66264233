import type { MemberFacts, RewardFacts, Tier } from '../../../domain/rewards/reward-facts.js';

/** A member as the read models would give them: basic unless told, nothing done yet. */
export const member = (user_id: string, tier: Tier = 'basic', more: Partial<MemberFacts> = {}): MemberFacts => ({
  user_id,
  tier,
  is_vip: tier === 'vip',
  is_pro: tier === 'pro',
  quests_completed: 0,
  events_by_type: {},
  ...more,
});

/** The facts of one event (rule specs): the actor basic, no subject, no sponsors, unless told. */
export function factsOf(event_type: string, more: Partial<RewardFacts> = {}): RewardFacts {
  const actor = more.actor ?? member(more.actor_user_id ?? 'actor-1');
  return {
    event_type,
    source_service: 'spec_service',
    external_id: 'evt-1',
    occurred_at: '2026-03-01T12:00:00.000Z',
    actor_user_id: actor.user_id,
    primary_subject_user_id: more.subject?.user_id ?? null,
    context: {},
    subject: null,
    sponsors: { actor: [], subject: [] },
    context_users: {},
    ...more,
    actor,
  };
}
