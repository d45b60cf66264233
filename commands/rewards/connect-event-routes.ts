import { isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { formatPosition, type Position } from '../../adapters/eventstore/event-store.js';
import { closedObject } from '../../adapters/http/closed-object.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import type { Principal } from '../../adapters/http/principal.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { IsoDateTime } from '../../adapters/http/text-codecs.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import type { ProposedAction } from '../../domain/rewards/economic-event.js';
import type { ReportedEvent } from '../../domain/rewards/reward-facts.js';
import { rewardFields } from '../../projections/rewards/reward-fields.js';
import { ingestReport, type IngestionDependencies, type Ingested } from './report-ingestion.js';

/** The scope a service principal needs to report events of `source` (e.g. `connect:report:quest_service`). */
export const reportScopeOf = (source: string) => `connect:report:${source}`;
const MAX_CONTEXT_BYTES = 16 * 1024;

const text = (name: string, pattern: RegExp, max: number, description: string) =>
  withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= max && pattern.test(s), name), { type: 'string', minLength: 1, maxLength: max, pattern: pattern.source, description });

const ExternalId = text('ExternalId', /^[^\s].*$/s, 200, 'The source’s id of the event: with source_service, the idempotency key');
const EventType = text('EventType', /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 100, 'Dotted lower-case type: referral.joined, quest.completed …');
const SourceService = text('SourceService', /^[a-z][a-z0-9_-]*$/, 64, 'The reporting service: referral_service, quest_service …');
const UserId = text('UserId', /^[^\s].*$/s, 200, 'A user id of the platform');
const Context = withJsonSchema(
  t.refinement(t.UnknownRecord, (r) => Buffer.byteLength(JSON.stringify(r)) <= MAX_CONTEXT_BYTES, 'EventContext'),
  { type: 'object', additionalProperties: true, description: `The event’s details as the source has them (ids, levels, amounts …), at most ${MAX_CONTEXT_BYTES} bytes of JSON` },
  { expected: 'a JSON object of at most 16 KiB' },
);

export const ReportBody = closedObject(
  'EconomicEventReport',
  { external_id: ExternalId, event_type: EventType, source_service: SourceService, actor_user_id: UserId, occurred_at: IsoDateTime },
  { primary_subject_user_id: t.union([UserId, t.null]), context: Context },
);
type ReportBody = t.TypeOf<typeof ReportBody>;

const ActionAnswer = t.type(rewardFields);
const IngestedAnswer = t.type({
  event_id: t.string,
  external_id: t.string,
  source_service: t.string,
  event_type: t.string,
  ingested_at: t.string,
  rule_versions: t.array(t.type({ rule_id: t.string, version: t.number })),
  actions: t.array(ActionAnswer),
});

const reportOf = (body: ReportBody): ReportedEvent => ({
  externalId: body.external_id,
  eventType: body.event_type,
  sourceService: body.source_service,
  actorUserId: body.actor_user_id,
  primarySubjectUserId: body.primary_subject_user_id ?? null,
  context: body.context ?? {},
  occurredAt: new Date(body.occurred_at).toISOString(),
});

/** Who may report for a source: a service with its scope, or an admin / rewards admin (backfills by hand). */
function mayReport(principal: Principal, source: string): DomainError | null {
  if (principal.roles.includes('admin') || principal.roles.includes('rewards_admin')) return null;
  if (principal.kind === 'service' && principal.scopes.includes(reportScopeOf(source))) return null;
  return domainError('forbidden', 'connect.source_not_allowed', `reporting for ${source} needs the scope ${reportScopeOf(source)}`, 'source_service');
}

const actionAnswer = (a: ProposedAction) => ({
  action_id: a.actionId,
  rule_id: a.ruleId,
  rule_version: a.version,
  target_user_id: a.targetUserId,
  reward_type: a.rewardType,
  amount: a.amount,
  badge: a.badge,
  status: a.lockedUntil === null ? 'pending' : 'locked',
});

/** The answer of an ingestion — the same for the first time and every repeat (built from what was recorded). */
function ingestedAnswer(result: Ingested) {
  const { ingested, actions } = result.state;
  const rules = result.state.rules;
  return {
    event_id: result.eventId,
    external_id: ingested.externalId,
    source_service: ingested.sourceService,
    event_type: ingested.eventType,
    ingested_at: ingested.ingestedAt,
    rule_versions: rules.map((r) => ({ rule_id: r.ruleId, version: r.version })),
    actions: actions.map(actionAnswer),
  };
}

const problemOf = (error: DomainError) => ({ status: ({ not_found: 404, forbidden: 403, conflict: 409, rule_violated: 422, rate_limited: 429, unauthorized: 401 } as const)[error.kind], code: error.code, detail: error.message, ...(error.field ? { field: error.field } : {}) });

/** R-1: what other services report. */
/**
 * `eventsReached`: waits (bounded) until the events read model holds a position, so that GET
 * on the answer's Location finds the event (read-your-writes; ticketing's routes do the same).
 */
export function connectEventRoutes(deps: IngestionDependencies & { readonly batchMax: number; readonly eventsReached?: (position: Position) => Promise<unknown> }): Route[] {
  const ingestOne = async (body: ReportBody, principal: Principal, correlationId: string) => {
    const refused = mayReport(principal, body.source_service);
    if (refused) return left(refused);
    return ingestReport(deps, reportOf(body), `${principal.kind}:${principal.id}`, correlationId);
  };
  const BatchBody = closedObject(
    'EconomicEventBatch',
    {
      events: withJsonSchema(
        t.refinement(t.array(t.unknown), (a) => a.length >= 1 && a.length <= deps.batchMax, 'EventBatch'),
        { type: 'array', minItems: 1, maxItems: deps.batchMax, items: { type: 'object' } },
        { expected: `1 to ${deps.batchMax} events` },
      ),
    },
    {},
  );
  return [
    defineRoute({
      method: 'post',
      path: '/connect/events',
      summary: 'Report what a user did: becomes an EconomicEvent, evaluated by the active rules (R-1, R-2)',
      description:
        'Service principals with the scope `connect:report:<source_service>` report for that source (admins and rewards admins for any). Idempotent by (source_service, external_id): ' +
        'a repeat answers as the first time and changes nothing; the same id with another body is a 409. Unknown event types are kept and reward nothing. ' +
        'The answer lists the reward actions the rules proposed (each is then created and paid out by the dispatcher: follow them at GET /connect/rewards/{id}).',
      tags: ['connect'],
      auth: {},
      body: ReportBody,
      responses: {
        201: { description: 'Ingested (or the same report seen before: the same answer)', schema: IngestedAnswer },
        400: { description: 'A malformed field, named' },
        403: { description: 'connect.source_not_allowed: the caller may not report for this source_service' },
        409: { description: 'connect.external_id_reused: this external_id of this source was reported with another body' },
        503: { description: 'connect.rules_loading: the rule book is not loaded yet (a worker seeds the default rules at its start); connect.read_side_behind: the members read model (the facts) is behind the log — report again (Retry-After)' },
      },
      handle: async ({ body, principal, correlationId }) => {
        const result = await ingestOne(body, principal, correlationId);
        if (isLeft(result)) return result;
        if (result.right.position) await deps.eventsReached?.(result.right.position);
        return right({
          status: 201,
          body: ingestedAnswer(result.right),
          headers: { Location: `/connect/events/${result.right.eventId}`, ...(result.right.position ? { 'X-Log-Position': formatPosition(result.right.position) } : {}) },
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/connect/events/batch',
      summary: 'Report many events at once (backfills): each answered on its own, in order',
      description: `Up to ${deps.batchMax} events (CONNECT_BATCH_MAX), taken in the order given (a referral chain in order is evaluated in order). Each result has the status its own POST /connect/events would have had and its answer or problem.`,
      tags: ['connect'],
      auth: {},
      body: BatchBody,
      responses: {
        200: {
          description: 'One result per event, in order',
          schema: t.type({ results: t.array(t.type({ index: t.number, status: t.number, event: t.union([IngestedAnswer, t.null]), problem: t.union([t.type({ code: t.string, detail: t.string }), t.null]) })) }),
        },
        400: { description: 'Not a list of 1 … CONNECT_BATCH_MAX events' },
        403: { description: 'connect.source_not_allowed: the caller may report for no source at all (each event is also checked against its own source_service)' },
      },
      handle: async ({ body, principal, correlationId }) => {
        const staff = principal.roles.includes('admin') || principal.roles.includes('rewards_admin');
        if (!staff && !principal.scopes.some((scope) => scope.startsWith('connect:report:'))) {
          return left(domainError('forbidden', 'connect.source_not_allowed', 'reporting needs a scope connect:report:<source_service>'));
        }
        const results = [];
        let last: Position | null = null;
        for (const [index, raw] of body.events.entries()) {
          const decoded = ReportBody.decode(raw);
          if (isLeft(decoded)) {
            const first = decoded.left[0];
            const field = first?.context.map((c) => c.key).filter((k) => k !== '').join('.') ?? '';
            results.push({ index, status: 400, event: null, problem: { code: 'request.invalid', detail: `events.${index}${field ? `.${field}` : ''}: ${first?.message ?? 'is not a valid report'}`, field: `events.${index}${field ? `.${field}` : ''}` } });
            continue;
          }
          const result = await ingestOne(decoded.right, principal, `${correlationId}.${index}`);
          if (isLeft(result)) {
            const p = problemOf(result.left);
            results.push({ index, status: p.status, event: null, problem: { code: p.code, detail: p.detail, ...(p.field ? { field: p.field } : {}) } });
          } else {
            results.push({ index, status: 201, event: ingestedAnswer(result.right), problem: null });
            if (result.right.position) last = result.right.position;
          }
        }
        if (last) await deps.eventsReached?.(last);
        return right({ status: 200, body: { results } });
      },
    }),
  ];
}

export { IngestedAnswer, ActionAnswer };
