import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';
import type { ReportedEvent, RewardFacts, RewardProposal, RuleVersionRef } from './reward-facts.js';

/**
 * An EconomicEvent (SPEC R-1): one report of a source service, stream `EconomicEvent-<id>`, the
 * id derived from (source_service, external_id) so a repeat lands on the same stream. It is
 * ingested and evaluated in one decision: the rule versions active at that moment, the facts
 * snapshot they saw and the rewards they proposed are recorded with it — a replay, or a rule
 * activated later, never changes what an event earned.
 *
 * A repeat with the same body (fingerprint) is nothing new; with another body it is a conflict.
 */
const Json = t.record(t.string, t.unknown);

const Proposal = t.type({
  actionId: t.string,
  ruleId: t.string,
  version: t.number,
  rewardIndex: t.number,
  targetUserId: t.string,
  rewardType: t.keyof({ points: null, g2a_offchain: null, g2a_onchain: null, nft: null }),
  amount: t.union([t.string, t.null]),
  badge: t.union([t.type({ type: t.string, level: t.number }), t.null]),
  lockedUntil: t.union([t.literal('vip_or_pro'), t.null]),
  caps: t.partial({ perRulePerDay: t.string, perUserPerDay: t.string }),
  priority: t.number,
});
export type ProposedAction = t.TypeOf<typeof Proposal>;

export const EconomicEventEvent = t.union([
  eventCodec(
    'EconomicEventIngested',
    t.type({
      eventId: t.string,
      externalId: t.string,
      sourceService: t.string,
      eventType: t.string,
      actorUserId: t.string,
      primarySubjectUserId: t.union([t.string, t.null]),
      context: Json,
      occurredAt: t.string,
      /** sha-256 of the canonical report: a repeat with another body is a 409. */
      fingerprint: t.string,
      /** The principal that reported it (`service:<id>` or `user:<id>` for an admin). */
      ingestedBy: t.string,
      ingestedAt: t.string,
    }),
  ),
  eventCodec(
    'EconomicEventEvaluated',
    t.type({
      eventId: t.string,
      /** Every rule version active when the event was evaluated (those for its type), matched or not. */
      rules: t.array(t.type({ ruleId: t.string, version: t.number })),
      /** The facts snapshot the rules saw. */
      facts: Json,
      actions: t.array(Proposal),
      evaluatedAt: t.string,
    }),
  ),
]);
export type EconomicEventEvent = t.TypeOf<typeof EconomicEventEvent>;
export type EconomicEventIngested = Extract<EconomicEventEvent, { type: 'EconomicEventIngested' }>;
export type EconomicEventEvaluated = Extract<EconomicEventEvent, { type: 'EconomicEventEvaluated' }>;

export type EconomicEventState =
  | { readonly status: 'none' }
  | { readonly status: 'ingested'; readonly ingested: EconomicEventIngested['data']; readonly rules: readonly RuleVersionRef[]; readonly actions: readonly ProposedAction[] };

export interface IngestEconomicEvent {
  readonly type: 'IngestEconomicEvent';
  readonly eventId: string;
  readonly report: ReportedEvent;
  readonly fingerprint: string;
  readonly ingestedBy: string;
  readonly rules: readonly RuleVersionRef[];
  readonly facts: RewardFacts;
  readonly proposals: readonly (RewardProposal & { readonly actionId: string })[];
  readonly now: Date;
}

export const streamOfEconomicEvent = (eventId: string): string => `EconomicEvent-${eventId}`;
export const economicEventOfStream = (stream: string): string | undefined => (stream.startsWith('EconomicEvent-') ? stream.slice('EconomicEvent-'.length) : undefined);

export const economicEventDecider: EventSourcedDecider<IngestEconomicEvent, EconomicEventEvent, EconomicEventState> = {
  events: EconomicEventEvent,
  initialState: { status: 'none' },
  decide(command, state) {
    if (state.status === 'ingested') {
      if (state.ingested.fingerprint === command.fingerprint) return right([]);
      return left(
        domainError(
          'conflict',
          'connect.external_id_reused',
          `external_id ${command.report.externalId} of ${command.report.sourceService} was already reported with another body`,
          'external_id',
        ),
      );
    }
    const { report } = command;
    const at = command.now.toISOString();
    return right([
      {
        type: 'EconomicEventIngested',
        data: {
          eventId: command.eventId,
          externalId: report.externalId,
          sourceService: report.sourceService,
          eventType: report.eventType,
          actorUserId: report.actorUserId,
          primarySubjectUserId: report.primarySubjectUserId,
          context: { ...report.context },
          occurredAt: report.occurredAt,
          fingerprint: command.fingerprint,
          ingestedBy: command.ingestedBy,
          ingestedAt: at,
        },
      },
      {
        type: 'EconomicEventEvaluated',
        data: {
          eventId: command.eventId,
          rules: command.rules.map((r) => ({ ruleId: r.ruleId, version: r.version })),
          facts: command.facts as unknown as Record<string, unknown>,
          actions: command.proposals.map((p) => ({
            actionId: p.actionId,
            ruleId: p.ruleId,
            version: p.version,
            rewardIndex: p.rewardIndex,
            targetUserId: p.targetUserId,
            rewardType: p.rewardType,
            amount: p.amount,
            badge: p.badge,
            lockedUntil: p.lockedUntil,
            caps: { ...p.caps },
            priority: p.priority,
          })),
          evaluatedAt: at,
        },
      },
    ]);
  },
  evolve(state, event) {
    switch (event.type) {
      case 'EconomicEventIngested':
        return { status: 'ingested', ingested: event.data, rules: [], actions: [] };
      case 'EconomicEventEvaluated':
        return state.status === 'ingested' ? { ...state, rules: event.data.rules, actions: event.data.actions } : state;
    }
  },
};
