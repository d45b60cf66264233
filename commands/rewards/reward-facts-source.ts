import { REFERRAL_JOIN_EVENT_TYPES } from '../../domain/rewards/member.js';
import { MAX_SPONSOR_LEVELS, type MemberFacts, type ReportedEvent, type RewardFacts } from '../../domain/rewards/reward-facts.js';
import { sponsorChain, unknownMember, type MemberQueries, type MemberRecord } from '../../projections/rewards/member-projection.js';

/** Most context fields read as members (`…_id` strings): a context is the source's free-form JSON. */
const MAX_CONTEXT_USERS = 32;
const MAX_USER_ID_LENGTH = 200;

/** The context's top-level string fields ending in `_id`, by field, as a rule's `context_users` names them. */
export function contextUserFields(context: Readonly<Record<string, unknown>>): [string, string][] {
  const fields: [string, string][] = [];
  for (const [field, value] of Object.entries(context)) {
    if (!field.endsWith('_id') || typeof value !== 'string' || value.length === 0 || value.length > MAX_USER_ID_LENGTH) continue;
    fields.push([field, value]);
    if (fields.length === MAX_CONTEXT_USERS) break;
  }
  return fields;
}

export function memberFactsOf(record: MemberRecord): MemberFacts {
  return {
    user_id: record.user_id,
    tier: record.tier,
    // at least VIP: a PRO member is a VIP one too
    is_vip: record.tier === 'vip' || record.tier === 'pro',
    is_pro: record.tier === 'pro',
    quests_completed: record.events_by_type['quest.completed'] ?? 0,
    events_by_type: { ...record.events_by_type },
  };
}

/**
 * The facts snapshot a report is evaluated with (issue 14 item 2), from the members read
 * models as they stand — the report itself not yet counted (it is evaluated as it is ingested):
 * the actor and the primary subject (tier, counters), their sponsor chains up to
 * `MAX_SPONSOR_LEVELS`, and the members the context names. Two things read it: ingestion and
 * a rule's simulation. One query for every member it needs.
 *
 * A join report (`referral.joined`, `referral.subjoined`) links its actor to the primary subject:
 * the actor's chain starts with the subject when the read models know no sponsor of the actor
 * yet (they will once this report is projected), so a rule for "the sponsor one level up" of a
 * join finds them. A member already seen ends a chain (a cycle in what sources reported).
 */
export function rewardFactsSource(queries: Pick<MemberQueries, 'records'>): { factsFor(report: ReportedEvent): Promise<RewardFacts> } {
  return {
    async factsFor(report) {
      const subjectId = report.primarySubjectUserId;
      const contextUsers = contextUserFields(report.context);
      const walkFrom = subjectId === null ? [report.actorUserId] : [...new Set([report.actorUserId, subjectId])];
      const records = await queries.records(walkFrom, [...new Set(contextUsers.map(([, id]) => id))], MAX_SPONSOR_LEVELS);
      const facts = (userId: string): MemberFacts => memberFactsOf(records.get(userId) ?? unknownMember(userId));
      const joins = REFERRAL_JOIN_EVENT_TYPES.includes(report.eventType) && subjectId !== null && subjectId !== report.actorUserId;
      const actorChain = sponsorChain(records, report.actorUserId, { firstSponsor: joins ? subjectId : null });
      const subjectChain = subjectId === null ? [] : sponsorChain(records, subjectId);
      return {
        event_type: report.eventType,
        source_service: report.sourceService,
        external_id: report.externalId,
        occurred_at: report.occurredAt,
        actor_user_id: report.actorUserId,
        primary_subject_user_id: subjectId,
        context: { ...report.context },
        actor: facts(report.actorUserId),
        subject: subjectId === null ? null : facts(subjectId),
        sponsors: { actor: actorChain.map(facts), subject: subjectChain.map(facts) },
        context_users: Object.fromEntries(contextUsers.map(([field, id]) => [field, facts(id)])),
      };
    },
  };
}
