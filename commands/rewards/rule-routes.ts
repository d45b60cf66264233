import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import { closedObject } from '../../adapters/http/closed-object.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { pageCodec, pageOf, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import type { Principal } from '../../adapters/http/principal.js';
import { invalidInput } from '../../adapters/http/problem.js';
import { defineRoute, type Route, type RouteResult } from '../../adapters/http/route.js';
import { IsoDateTime } from '../../adapters/http/text-codecs.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { MAX_SPONSOR_LEVELS, TIERS, type MemberFacts, type ReportedEvent, type RewardFacts, type RewardProposal, type Tier } from '../../domain/rewards/reward-facts.js';
import { isRuleId, rewardRuleDecider, ruleNotFound, streamOfRewardRule, type RewardRuleCommand, type RewardRuleState } from '../../domain/rewards/reward-rule.js';
import { EVENT_TYPE_PATTERN } from '../../domain/rewards/rule-document.js';
import { basicMember, evaluateRules } from '../../domain/rewards/rule-evaluation.js';
import type { Clock } from '../../platform/clock.js';
import { RuleDetailView, RuleSummaryView, RuleVersionView, type ruleQueries } from '../../projections/rewards/rule-projection.js';
import { ConcurrencyExhausted, handleCommand } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';

export interface RuleRouteDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly rules: ReturnType<typeof ruleQueries>;
  /** Read-your-writes: resolves once the rules read model (and so the rule book) has applied `position` (bounded). */
  readonly rulesReached: (position: Position) => Promise<unknown>;
  /** The facts the members read models give for a report (simulate); may fail while they are not built. */
  readonly factsFor: (report: ReportedEvent) => Promise<RewardFacts>;
}

export const RULES_ADMIN = 'rewards_admin';
const WRITERS = [RULES_ADMIN] as const;
const READERS = [RULES_ADMIN, 'support'] as const;

const text = (name: string, max: number, expected: string) =>
  withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= max, name), { type: 'string', minLength: 1, maxLength: max }, { expected });
const RuleIdField = withJsonSchema(t.refinement(t.string, isRuleId, 'RuleId'), { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$' }, { expected: 'a rule id: 1 to 64 of a-z, 0-9, _ . - (starting with a letter or digit)' });
const EventTypeField = withJsonSchema(t.refinement(t.string, (s) => EVENT_TYPE_PATTERN.test(s), 'EventType'), { type: 'string', pattern: EVENT_TYPE_PATTERN.source }, { expected: 'an event type ("quest.completed")' });
const JsonObject = withJsonSchema(t.record(t.string, t.unknown), { type: 'object', description: 'A rule document (docs/architecture.md "Rules as versioned data")' }, { expected: 'a JSON object (the rule document)' });
const UserIdField = text('UserId', 200, 'a user id (1 to 200 characters)');
const Count = withJsonSchema(t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n <= 1_000_000_000, 'Count'), { type: 'integer', minimum: 0, maximum: 1_000_000_000 }, { expected: 'a whole number from 0' });
const TierField = withJsonSchema(t.keyof({ basic: null, vip: null, pro: null }, 'Tier'), { type: 'string', enum: [...TIERS] }, { expected: `one of ${TIERS.join(', ')}` });

const CreateRuleBody = closedObject('CreateRule', { rule_id: RuleIdField, document: JsonObject }, {});
const AddVersionBody = closedObject('AddRuleVersion', { document: JsonObject }, {});

const memberProps = { tier: TierField, is_vip: t.boolean, is_pro: t.boolean, quests_completed: Count, events_by_type: t.record(t.string, Count) };
const MemberOverride = closedObject('MemberFactsOverride', {}, { user_id: UserIdField, ...memberProps });
const SponsorFacts = closedObject('SponsorFacts', { user_id: UserIdField }, memberProps);
const FactsOverride = closedObject(
  'FactsOverride',
  {},
  {
    actor: MemberOverride,
    subject: t.union([MemberOverride, t.null]),
    sponsors: closedObject('SponsorChains', {}, { actor: t.array(SponsorFacts), subject: t.array(SponsorFacts) }),
    context_users: t.record(t.string, MemberOverride),
  },
);
const SampleEvent = closedObject(
  'SampleEvent',
  { external_id: text('ExternalId', 200, 'an id of 1 to 200 characters'), event_type: EventTypeField, source_service: text('SourceService', 100, 'a source service (1 to 100 characters)'), actor_user_id: UserIdField },
  { primary_subject_user_id: t.union([UserIdField, t.null]), context: t.record(t.string, t.unknown), occurred_at: IsoDateTime },
);
const SimulateBody = closedObject('SimulateRule', { event: SampleEvent }, { facts: FactsOverride });
type MemberOverride = t.TypeOf<typeof MemberOverride>;

const RuleIdParams = t.type({ id: t.string });
const VersionParams = t.type({ id: t.string, v: t.string });

const CreatedView = t.type({ rule_id: t.string, version: t.number });
const RuleStatusView = t.type({ rule_id: t.string, event_type: t.string, active_version: t.union([t.number, t.null]), latest_version: t.number });
const ActionView = t.type({
  rule_id: t.string,
  version: t.number,
  reward_index: t.number,
  target_user_id: t.string,
  reward_type: t.string,
  amount: t.union([t.string, t.null]),
  badge: t.union([t.type({ type: t.string, level: t.number }), t.null]),
  locked_until: t.union([t.string, t.null]),
  caps: t.partial({ per_rule_per_day: t.string, per_user_per_day: t.string }),
  priority: t.number,
});
const SimulationView = t.type({
  actions: t.array(ActionView),
  facts: t.record(t.string, t.unknown),
  /** Where the member facts came from before the overrides: the members read models, or defaults (basic members) when those could not answer. */
  facts_from: t.keyof({ read_models: null, defaults: null }),
});

const ListKey = t.type({ ruleId: t.string });
const busy = (): DomainError => domainError('rate_limited', 'connect.rule_busy', 'the rule is being changed by many at once; retry');
const versionNotFound = (ruleId: string, version: string) => domainError('not_found', 'connect.rule_version_not_found', `rule ${ruleId} has no version ${version}`);
const versionOf = (v: string): number | undefined => (/^[1-9]\d{0,8}$/.test(v) ? Number(v) : undefined);

const actionView = (p: RewardProposal): t.TypeOf<typeof ActionView> => ({
  rule_id: p.ruleId,
  version: p.version,
  reward_index: p.rewardIndex,
  target_user_id: p.targetUserId,
  reward_type: p.rewardType,
  amount: p.amount,
  badge: p.badge,
  locked_until: p.lockedUntil,
  caps: { ...(p.caps.perRulePerDay !== undefined ? { per_rule_per_day: p.caps.perRulePerDay } : {}), ...(p.caps.perUserPerDay !== undefined ? { per_user_per_day: p.caps.perUserPerDay } : {}) },
  priority: p.priority,
});

const statusOf = (state: RewardRuleState & { status: 'exists' }): t.TypeOf<typeof RuleStatusView> => ({
  rule_id: state.ruleId,
  event_type: state.eventType,
  active_version: state.active,
  latest_version: state.versions[state.versions.length - 1]!.version,
});

/** Facts a simulation starts from when the members read models cannot answer: everyone basic, no sponsors known. */
export function defaultFactsOf(report: ReportedEvent): RewardFacts {
  const contextUsers: Record<string, MemberFacts> = {};
  for (const [field, value] of Object.entries(report.context)) if (field.endsWith('_id') && typeof value === 'string' && value.length > 0) contextUsers[field] = basicMember(value);
  return {
    event_type: report.eventType,
    source_service: report.sourceService,
    external_id: report.externalId,
    occurred_at: report.occurredAt,
    actor_user_id: report.actorUserId,
    primary_subject_user_id: report.primarySubjectUserId,
    context: report.context,
    actor: basicMember(report.actorUserId),
    subject: report.primarySubjectUserId === null ? null : basicMember(report.primarySubjectUserId),
    sponsors: { actor: [], subject: [] },
    context_users: contextUsers,
  };
}

function mergedMember(base: MemberFacts, override: MemberOverride): MemberFacts {
  const tier: Tier = override.tier ?? base.tier;
  return {
    user_id: override.user_id ?? base.user_id,
    tier,
    is_vip: override.is_vip ?? (override.tier !== undefined ? tier === 'vip' : base.is_vip),
    is_pro: override.is_pro ?? (override.tier !== undefined ? tier === 'pro' : base.is_pro),
    quests_completed: override.quests_completed ?? base.quests_completed,
    events_by_type: override.events_by_type ?? base.events_by_type,
  };
}

/** The facts with a simulation's overrides: members merged field by field, sponsor chains replaced. */
export function withOverrides(facts: RewardFacts, overrides: t.TypeOf<typeof FactsOverride> | undefined): RewardFacts {
  if (!overrides) return facts;
  const contextUsers: Record<string, MemberFacts> = { ...facts.context_users };
  for (const [field, override] of Object.entries(overrides.context_users ?? {})) {
    const named = facts.context[field];
    contextUsers[field] = mergedMember(contextUsers[field] ?? basicMember(override.user_id ?? (typeof named === 'string' ? named : '')), override);
  }
  const sponsor = (s: t.TypeOf<typeof SponsorFacts>) => mergedMember(basicMember(s.user_id), s);
  return {
    ...facts,
    actor: overrides.actor ? mergedMember(facts.actor, overrides.actor) : facts.actor,
    subject:
      overrides.subject === null ? null : overrides.subject ? mergedMember(facts.subject ?? basicMember(overrides.subject.user_id ?? facts.primary_subject_user_id ?? ''), overrides.subject) : facts.subject,
    sponsors: {
      actor: overrides.sponsors?.actor ? overrides.sponsors.actor.map(sponsor) : facts.sponsors.actor,
      subject: overrides.sponsors?.subject ? overrides.sponsors.subject.map(sponsor) : facts.sponsors.subject,
    },
    context_users: contextUsers,
  };
}

/**
 * Rules as versioned data over HTTP: admins (`rewards_admin`, or `admin`) create rules and
 * versions, activate and deactivate them, and simulate a version against a sample event;
 * support reads them. Commands are decided on the rule's stream (RewardRule-<id>); each answer
 * waits until the rules read model — which the rule book reads — shows the change, so an event
 * reported right after an activation is evaluated with the new version.
 */
export function ruleRoutes(deps: RuleRouteDependencies): Route[] {
  async function decide(ruleId: string, command: RewardRuleCommand, principal: Principal, correlationId: string): Promise<Either<DomainError, { state: RewardRuleState & { status: 'exists' }; created: boolean }>> {
    let outcome;
    try {
      outcome = await handleCommand(deps.store, rewardRuleDecider, streamOfRewardRule(ruleId), command, { correlationId, actor: `user:${principal.id}`, now: command.now }, { maxRetries: 20 });
    } catch (error) {
      if (error instanceof ConcurrencyExhausted) return left(busy());
      throw error;
    }
    if (outcome._tag === 'Left') return outcome;
    const { state, position, events } = outcome.right;
    if (state.status !== 'exists') return left(ruleNotFound(ruleId));
    if (position) await deps.rulesReached(position);
    return right({ state, created: events.some((e) => e.type === 'RuleVersionCreated') });
  }
  const by = (principal: Principal) => ({ by: `user:${principal.id}`, now: deps.clock.now() });

  return [
    defineRoute({
      method: 'post',
      path: '/connect/rules',
      summary: 'Create a reward rule: its id and the document of its version 1 (R-2)',
      description:
        'Rewards admins. The rule is created inactive: activate a version to put it in force. The same rule id with the same document again answers 200 with version 1 (nothing new); with another document 409 (add a version instead). A document that is not a valid rule is a 422 whose `field` names the offending path (`document.rewards[0].amount`). Honours Idempotency-Key.',
      tags: ['connect'],
      auth: { roles: WRITERS },
      body: CreateRuleBody,
      responses: {
        201: { description: 'Created: version 1, inactive', schema: CreatedView },
        200: { description: 'The rule exists with this very document as version 1 (nothing new)', schema: CreatedView },
        400: { description: 'rule_id malformed, document not an object, or an unknown field' },
        401: { description: 'No valid access token' },
        403: { description: 'Neither rewards_admin nor admin' },
        409: { description: 'connect.rule_exists: the rule exists with another document' },
        422: { description: 'connect.rule_invalid: the document is not a valid rule (`field` names the path)' },
      },
      handle: async ({ body, principal, correlationId }) => {
        const outcome = await decide(body.rule_id, { type: 'CreateRule', ruleId: body.rule_id, document: body.document, ...by(principal) }, principal, correlationId);
        if (outcome._tag === 'Left') return outcome;
        return right({ status: outcome.right.created ? 201 : 200, body: { rule_id: body.rule_id, version: 1 }, headers: { Location: `/connect/rules/${body.rule_id}/versions/1` } });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/connect/rules/:id/versions',
      summary: 'Add a version to a reward rule (R-2): immutable, numbered on',
      description:
        'Rewards admins. The new version is not active until activated. Its `event_type` must be the rule’s (a rule for another event type is a new rule). A document equal to the latest version’s answers 200 with that version (nothing new). A document that is not a valid rule is a 422 naming the path in `field`.',
      tags: ['connect'],
      auth: { roles: WRITERS },
      params: RuleIdParams,
      body: AddVersionBody,
      responses: {
        201: { description: 'The new version', schema: CreatedView },
        200: { description: 'The latest version has this very document (nothing new)', schema: CreatedView },
        400: { description: 'document not an object, or an unknown field' },
        401: { description: 'No valid access token' },
        403: { description: 'Neither rewards_admin nor admin' },
        404: { description: 'connect.rule_not_found' },
        422: { description: 'connect.rule_invalid (`field` names the path); connect.rule_event_type_changed' },
      },
      handle: async ({ params, body, principal, correlationId }) => {
        if (!isRuleId(params.id)) return left(ruleNotFound(params.id));
        const outcome = await decide(params.id, { type: 'AddRuleVersion', ruleId: params.id, document: body.document, ...by(principal) }, principal, correlationId);
        if (outcome._tag === 'Left') return outcome;
        const version = statusOf(outcome.right.state).latest_version;
        return right({ status: outcome.right.created ? 201 : 200, body: { rule_id: params.id, version }, headers: { Location: `/connect/rules/${params.id}/versions/${version}` } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/connect/rules',
      summary: 'Reward rules by id, with their active version (R-2), cursor-paginated',
      description: 'Rewards admins and support. `event_type` keeps one event type’s rules. `active_version` null: the rule is inactive. `limit` 1–100 (default 20); pass `nextCursor` as `cursor` for the next page.',
      tags: ['connect'],
      auth: { roles: READERS },
      query: t.intersection([pageQuery, t.partial({ event_type: EventTypeField })]),
      responses: {
        200: { description: 'A page of rules', schema: pageCodec(RuleSummaryView) },
        400: { description: 'A malformed event_type, limit or cursor' },
        401: { description: 'No valid access token' },
        403: { description: 'Neither rewards_admin, support nor admin' },
      },
      handle: async ({ query }) => {
        const page = readPageRequest(query, ListKey);
        const rows = await deps.rules.rules({ ...(page.after ? { after: page.after.ruleId } : {}), ...(query.event_type ? { eventType: query.event_type } : {}), limit: page.limit });
        return right({ status: 200, body: pageOf(rows, page, (r) => ({ ruleId: r.rule_id }), ListKey) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/connect/rules/:id',
      summary: 'One reward rule with its versions (R-2)',
      description: 'Rewards admins and support. The versions without their documents (GET …/versions/{v} gives one), which one is active.',
      tags: ['connect'],
      auth: { roles: READERS },
      params: RuleIdParams,
      responses: { 200: { description: 'The rule', schema: RuleDetailView }, 401: { description: 'No valid access token' }, 403: { description: 'Neither rewards_admin, support nor admin' }, 404: { description: 'connect.rule_not_found' } },
      handle: async ({ params }) => {
        const rule = isRuleId(params.id) ? await deps.rules.rule(params.id) : undefined;
        return rule ? right({ status: 200, body: rule }) : left(ruleNotFound(params.id));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/connect/rules/:id/versions/:v',
      summary: 'One version of a reward rule, with its document (R-2)',
      description: 'Rewards admins and support.',
      tags: ['connect'],
      auth: { roles: READERS },
      params: VersionParams,
      responses: {
        200: { description: 'The version', schema: RuleVersionView },
        401: { description: 'No valid access token' },
        403: { description: 'Neither rewards_admin, support nor admin' },
        404: { description: 'connect.rule_version_not_found' },
      },
      handle: async ({ params }) => {
        const version = versionOf(params.v);
        const found = version !== undefined && isRuleId(params.id) ? await deps.rules.version(params.id, version) : undefined;
        return found ? right({ status: 200, body: found }) : left(versionNotFound(params.id, params.v));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/connect/rules/:id/versions/:v/activate',
      summary: 'Activate a version of a reward rule (R-2): it replaces the active one',
      description:
        'Rewards admins. Events reported from the answer on are evaluated with this version; events evaluated before keep what they earned. Activating the active version changes nothing.',
      tags: ['connect'],
      auth: { roles: WRITERS },
      params: VersionParams,
      responses: {
        200: { description: 'The rule with its active version', schema: RuleStatusView },
        401: { description: 'No valid access token' },
        403: { description: 'Neither rewards_admin nor admin' },
        404: { description: 'connect.rule_not_found; connect.rule_version_not_found' },
      },
      handle: async ({ params, principal, correlationId }): Promise<Either<DomainError, RouteResult>> => {
        const version = versionOf(params.v);
        if (!isRuleId(params.id)) return left(ruleNotFound(params.id));
        if (version === undefined) return left(versionNotFound(params.id, params.v));
        const outcome = await decide(params.id, { type: 'ActivateRuleVersion', ruleId: params.id, version, ...by(principal) }, principal, correlationId);
        return outcome._tag === 'Left' ? outcome : right({ status: 200, body: statusOf(outcome.right.state) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/connect/rules/:id/deactivate',
      summary: 'Deactivate a reward rule (R-2): no version of it is in force',
      description: 'Rewards admins. Events reported from the answer on are not evaluated with it; activate a version to bring it back. Deactivating an inactive rule changes nothing.',
      tags: ['connect'],
      auth: { roles: WRITERS },
      params: RuleIdParams,
      responses: {
        200: { description: 'The rule, inactive', schema: RuleStatusView },
        401: { description: 'No valid access token' },
        403: { description: 'Neither rewards_admin nor admin' },
        404: { description: 'connect.rule_not_found' },
      },
      handle: async ({ params, principal, correlationId }): Promise<Either<DomainError, RouteResult>> => {
        if (!isRuleId(params.id)) return left(ruleNotFound(params.id));
        const outcome = await decide(params.id, { type: 'DeactivateRule', ruleId: params.id, ...by(principal) }, principal, correlationId);
        return outcome._tag === 'Left' ? outcome : right({ status: 200, body: statusOf(outcome.right.state) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/connect/rules/:id/versions/:v/simulate',
      summary: 'What a rule version would grant for a sample event, creating nothing (R-2)',
      description:
        'Rewards admins and support. `event` as a source service reports it (`occurred_at` defaults to now); the version is evaluated — active or not — with the facts the members read models give for it, changed by `facts` (members merged field by field: `{"actor": {"tier": "vip"}}`; `sponsors.actor` / `sponsors.subject` replace the chains, each sponsor with its `user_id`). When the read models cannot answer, the facts start from defaults (every member basic, no sponsors) and `facts_from` says `defaults`. The answer lists the actions it would create and the facts it used; nothing is recorded.',
      tags: ['connect'],
      auth: { roles: READERS },
      idempotency: 'off',
      params: VersionParams,
      body: SimulateBody,
      responses: {
        200: { description: 'The actions it would create, and the facts', schema: SimulationView },
        400: { description: 'A field of the event or the facts missing, malformed or unknown; more sponsors than the chain has levels' },
        401: { description: 'No valid access token' },
        403: { description: 'Neither rewards_admin, support nor admin' },
        404: { description: 'connect.rule_not_found; connect.rule_version_not_found' },
      },
      handle: async ({ params, body, log }) => {
        const version = versionOf(params.v);
        if (!isRuleId(params.id)) return left(ruleNotFound(params.id));
        if (version === undefined) return left(versionNotFound(params.id, params.v));
        for (const chain of ['actor', 'subject'] as const) {
          if ((body.facts?.sponsors?.[chain]?.length ?? 0) > MAX_SPONSOR_LEVELS) throw invalidInput([{ field: `facts.sponsors.${chain}`, in: 'body', message: `at most ${MAX_SPONSOR_LEVELS} sponsors (the levels of a chain)` }]);
        }
        const rule = (await loadAggregate(deps.store, rewardRuleDecider, streamOfRewardRule(params.id))).state;
        if (rule.status !== 'exists') return left(ruleNotFound(params.id));
        const found = rule.versions.find((v) => v.version === version);
        if (!found) return left(versionNotFound(params.id, params.v));
        const event = body.event;
        const report: ReportedEvent = {
          externalId: event.external_id,
          eventType: event.event_type,
          sourceService: event.source_service,
          actorUserId: event.actor_user_id,
          primarySubjectUserId: event.primary_subject_user_id ?? null,
          context: event.context ?? {},
          occurredAt: event.occurred_at ?? deps.clock.now().toISOString(),
        };
        let base: RewardFacts;
        let from: 'read_models' | 'defaults' = 'read_models';
        try {
          base = await deps.factsFor(report);
        } catch (err) {
          log.warn({ err }, 'simulate: the members read models could not give the facts; starting from defaults');
          base = defaultFactsOf(report);
          from = 'defaults';
        }
        const facts = withOverrides(base, body.facts);
        const actions = evaluateRules([{ ruleId: params.id, version, document: found.document }], facts);
        return right({ status: 200, body: { actions: actions.map(actionView), facts: facts as unknown as Record<string, unknown>, facts_from: from } });
      },
    }),
  ];
}
