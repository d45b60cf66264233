import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError, type DomainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';
import { canonicalJson, ruleDocumentProblem } from './rule-document.js';

/**
 * A reward rule, stream `RewardRule-<ruleId>`: its versions — immutable documents numbered
 * 1, 2, … — and which one is active. Activating a version is an event (so is deactivating the
 * rule); an EconomicEvent records the rule versions it was evaluated with, so what an event
 * earned never changes when another version is activated later.
 *
 * - A document is validated here (rule-document.ts); a bad one is refused naming its path
 *   (`document.rewards[0].amount`, a 422).
 * - A rule is about one event type: a version with another `event_type` is refused (make a new
 *   rule). The rule book looks rules up by event type, and a rule's history stays one story.
 * - Creating is idempotent: the rule again with the document of its version 1 is nothing new
 *   (another document: a conflict); a version whose document is the latest one's (key order
 *   aside) is nothing new either — it answers that version. The same document as an older
 *   version is a new version (a revert is recorded as one).
 * - Activating the active version, deactivating an inactive rule: nothing new.
 * - `SeedRule` (the default rule set at start): version 1 created and activated in one append
 *   when the stream does not exist; nothing at all when it does, whatever it holds — an admin's
 *   changes and deactivations are never undone by a restart.
 */
const Document = t.record(t.string, t.unknown);

export const RewardRuleEvent = t.union([
  eventCodec(
    'RuleVersionCreated',
    t.type({
      ruleId: t.string,
      version: t.number,
      /** The document's event_type (the rule's; the same in every version). */
      eventType: t.string,
      document: Document,
      createdBy: t.string,
      createdAt: t.string,
    }),
  ),
  eventCodec('RuleVersionActivated', t.type({ ruleId: t.string, version: t.number, activatedBy: t.string, activatedAt: t.string })),
  eventCodec('RuleDeactivated', t.type({ ruleId: t.string, version: t.number, deactivatedBy: t.string, deactivatedAt: t.string })),
]);
export type RewardRuleEvent = t.TypeOf<typeof RewardRuleEvent>;
export type RuleVersionCreated = Extract<RewardRuleEvent, { type: 'RuleVersionCreated' }>;

export interface RuleVersion {
  readonly version: number;
  readonly document: Readonly<Record<string, unknown>>;
  readonly canonical: string;
  readonly createdBy: string;
  readonly createdAt: string;
}

export type RewardRuleState =
  | { readonly status: 'none' }
  | {
      readonly status: 'exists';
      readonly ruleId: string;
      readonly eventType: string;
      readonly versions: readonly RuleVersion[];
      /** The active version; null while the rule is inactive. */
      readonly active: number | null;
    };

type By = { readonly by: string; readonly now: Date };
export type RewardRuleCommand =
  | ({ readonly type: 'CreateRule'; readonly ruleId: string; readonly document: unknown } & By)
  | ({ readonly type: 'AddRuleVersion'; readonly ruleId: string; readonly document: unknown } & By)
  | ({ readonly type: 'ActivateRuleVersion'; readonly ruleId: string; readonly version: number } & By)
  | ({ readonly type: 'DeactivateRule'; readonly ruleId: string } & By)
  | ({ readonly type: 'SeedRule'; readonly ruleId: string; readonly document: unknown } & By);

export const RULE_ID_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
export const isRuleId = (s: string): boolean => RULE_ID_PATTERN.test(s);

export const streamOfRewardRule = (ruleId: string): string => `RewardRule-${ruleId}`;
export const rewardRuleOfStream = (stream: string): string | undefined => (stream.startsWith('RewardRule-') ? stream.slice('RewardRule-'.length) : undefined);

export const ruleNotFound = (ruleId: string): DomainError => domainError('not_found', 'connect.rule_not_found', `no rule ${ruleId}`);

/** The refusal of a document that is not a valid rule: 422 naming the path inside `document`. */
export function invalidDocument(document: unknown): DomainError | undefined {
  const problem = ruleDocumentProblem(document);
  if (!problem) return undefined;
  const field = problem.path === '' ? 'document' : `document.${problem.path}`;
  return domainError('rule_violated', 'connect.rule_invalid', `${field} ${problem.message}`, field);
}

const eventTypeOf = (document: unknown): string => (document as { event_type: string }).event_type;

function created(ruleId: string, version: number, document: unknown, by: By): RewardRuleEvent {
  return { type: 'RuleVersionCreated', data: { ruleId, version, eventType: eventTypeOf(document), document: structuredCopy(document), createdBy: by.by, createdAt: by.now.toISOString() } };
}

/** A JSON copy: the event holds the document as it will be read back, not a reference the caller may change. */
const structuredCopy = (document: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(document)) as Record<string, unknown>;

export const rewardRuleDecider: EventSourcedDecider<RewardRuleCommand, RewardRuleEvent, RewardRuleState> = {
  events: RewardRuleEvent,
  initialState: { status: 'none' },
  decide(command, state): Either<DomainError, readonly RewardRuleEvent[]> {
    if (!isRuleId(command.ruleId)) return left(domainError('rule_violated', 'connect.rule_id_invalid', 'a rule id is 1 to 64 of a-z, 0-9, _ . - (starting with a letter or digit)', 'rule_id'));
    switch (command.type) {
      case 'SeedRule': {
        if (state.status === 'exists') return right([]);
        const invalid = invalidDocument(command.document);
        if (invalid) return left(invalid);
        return right([created(command.ruleId, 1, command.document, command), { type: 'RuleVersionActivated', data: { ruleId: command.ruleId, version: 1, activatedBy: command.by, activatedAt: command.now.toISOString() } }]);
      }
      case 'CreateRule': {
        const invalid = invalidDocument(command.document);
        if (invalid) return left(invalid);
        if (state.status === 'exists') {
          if (state.versions[0]?.canonical === canonicalJson(command.document)) return right([]);
          return left(domainError('conflict', 'connect.rule_exists', `rule ${command.ruleId} exists: add a version to it (POST /connect/rules/${command.ruleId}/versions)`, 'rule_id'));
        }
        return right([created(command.ruleId, 1, command.document, command)]);
      }
      case 'AddRuleVersion': {
        if (state.status === 'none') return left(ruleNotFound(command.ruleId));
        const invalid = invalidDocument(command.document);
        if (invalid) return left(invalid);
        const eventType = eventTypeOf(command.document);
        if (eventType !== state.eventType) {
          return left(domainError('rule_violated', 'connect.rule_event_type_changed', `rule ${command.ruleId} is about ${state.eventType}; a rule for ${eventType} is a new rule`, 'document.event_type'));
        }
        const latest = state.versions[state.versions.length - 1]!;
        if (latest.canonical === canonicalJson(command.document)) return right([]);
        return right([created(command.ruleId, latest.version + 1, command.document, command)]);
      }
      case 'ActivateRuleVersion': {
        if (state.status === 'none') return left(ruleNotFound(command.ruleId));
        if (!state.versions.some((v) => v.version === command.version)) return left(domainError('not_found', 'connect.rule_version_not_found', `rule ${command.ruleId} has no version ${command.version}`));
        if (state.active === command.version) return right([]);
        return right([{ type: 'RuleVersionActivated', data: { ruleId: command.ruleId, version: command.version, activatedBy: command.by, activatedAt: command.now.toISOString() } }]);
      }
      case 'DeactivateRule': {
        if (state.status === 'none') return left(ruleNotFound(command.ruleId));
        if (state.active === null) return right([]);
        return right([{ type: 'RuleDeactivated', data: { ruleId: command.ruleId, version: state.active, deactivatedBy: command.by, deactivatedAt: command.now.toISOString() } }]);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'RuleVersionCreated': {
        const d = event.data;
        const version: RuleVersion = { version: d.version, document: d.document, canonical: canonicalJson(d.document), createdBy: d.createdBy, createdAt: d.createdAt };
        if (state.status === 'none') return { status: 'exists', ruleId: d.ruleId, eventType: d.eventType, versions: [version], active: null };
        return { ...state, versions: [...state.versions, version] };
      }
      case 'RuleVersionActivated':
        return state.status === 'exists' ? { ...state, active: event.data.version } : state;
      case 'RuleDeactivated':
        return state.status === 'exists' ? { ...state, active: null } : state;
    }
  },
};
