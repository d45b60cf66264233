import { createHash } from 'node:crypto';
import { isLeft, left, right, type Either } from 'fp-ts/Either';
import { comparePositions, type EventStore, type Position } from '../../adapters/eventstore/event-store.js';
import { HttpProblem } from '../../adapters/http/problem.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { economicEventDecider, streamOfEconomicEvent, type EconomicEventState } from '../../domain/rewards/economic-event.js';
import type { ReportedEvent } from '../../domain/rewards/reward-facts.js';
import { evaluateRules } from '../../domain/rewards/rule-evaluation.js';
import type { Clock } from '../../platform/clock.js';
import { handleCommand } from '../command-handler.js';
import { derivedUuid } from '../derived-uuid.js';
import { loadAggregate } from '../load-aggregate.js';
import type { MemberDesk, RuleBook } from './rewards-desks.js';

const RULES_WAIT_MS = 5_000;

export interface IngestionDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly ruleBook: RuleBook;
  readonly members: MemberDesk;
  /**
   * The log position of the latest report this process ingested (null until the first: then
   * the log's head), which the facts of the next report must include.
   */
  readonly latest: { position: Position | null };
}

/** The EconomicEvent of a source's report: the same (source_service, external_id), the same event. */
export const economicEventIdOf = (sourceService: string, externalId: string): string => derivedUuid('connect.economic-event', sourceService, externalId);

/** The RewardAction of one reward of one rule version for one event and target: the same inputs, the same action. */
export const rewardActionIdOf = (eventId: string, ruleId: string, version: number, rewardIndex: number, targetUserId: string): string =>
  derivedUuid('connect.reward-action', eventId, ruleId, String(version), String(rewardIndex), targetUserId);

/** JSON with keys sorted at every level: two equal reports have one text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

export const reportFingerprint = (report: ReportedEvent): string => createHash('sha256').update(canonical(report)).digest('hex');

export interface Ingested {
  readonly eventId: string;
  /** False when the same report had been ingested before (a repeat: nothing changed). */
  readonly created: boolean;
  readonly state: Extract<EconomicEventState, { status: 'ingested' }>;
  readonly position: Position | null;
}

/**
 * take a source's report in as an EconomicEvent and evaluate it, in one decision,
 * with the rule versions active now and the facts the members read models give now — both
 * recorded with it. A repeat (same source and external id, same body) answers what the first
 * time recorded and changes nothing; another body under the same id is a 409. The answer waits
 * (bounded) until the members read models have the event, so the next report of the same
 * caller sees it (a referral chain reported in order is evaluated in order).
 */
export async function ingestReport(deps: IngestionDependencies, report: ReportedEvent, by: string, correlationId?: string): Promise<Either<DomainError, Ingested>> {
  const eventId = economicEventIdOf(report.sourceService, report.externalId);
  const stream = streamOfEconomicEvent(eventId);
  const fingerprint = reportFingerprint(report);
  const existing = await loadAggregate(deps.store, economicEventDecider, stream);
  if (existing.state.status === 'ingested') return repeat(eventId, existing.state, fingerprint, report);
  await rulesLoaded(deps);
  // the facts must include the reports ingested before this one (a sponsor link reported a moment
  // ago, its answer given even if the read model was slow): the members read model reaches the
  // latest of them first — the log's head for the first report of a process — or the report waits
  deps.latest.position ??= await deps.store.headPosition();
  if (!(await deps.members.caughtUpWith(deps.latest.position))) {
    throw new HttpProblem(503, 'connect.read_side_behind', 'the members read model is behind the log (is a worker running?): report again in a moment', { headers: { 'Retry-After': '2' } });
  }
  const rules = await deps.ruleBook.activeFor(report.eventType);
  const facts = await deps.members.factsFor(report);
  const proposals = evaluateRules(rules, facts).map((p) => ({ ...p, actionId: rewardActionIdOf(eventId, p.ruleId, p.version, p.rewardIndex, p.targetUserId) }));
  const outcome = await handleCommand(
    deps.store,
    economicEventDecider,
    stream,
    { type: 'IngestEconomicEvent', eventId, report, fingerprint, ingestedBy: by, rules: rules.map((r) => ({ ruleId: r.ruleId, version: r.version })), facts, proposals, now: deps.clock.now() },
    { commandId: `ingest:${eventId}`, actor: by, now: deps.clock.now(), ...(correlationId ? { correlationId } : {}) },
  );
  if (isLeft(outcome)) return outcome;
  const state = outcome.right.state;
  if (state.status !== 'ingested') throw new Error(`economic event ${eventId} is not ingested after its ingestion`);
  // a concurrent identical report may have won the race: then this one is its repeat
  if (outcome.right.events.length === 0 || outcome.right.replayed) return repeat(eventId, state, fingerprint, report);
  const position = outcome.right.position;
  if (position) {
    if (deps.latest.position === null || comparePositions(position, deps.latest.position) > 0) deps.latest.position = position;
    await deps.members.caughtUpWith(position);
  }
  return right({ eventId, created: true, state, position: outcome.right.position });
}

/** Waits a moment for the rule book's first load (a worker seeds the default rules at its start), else 503. */
async function rulesLoaded(deps: IngestionDependencies): Promise<void> {
  for (let waited = 0; !(await deps.ruleBook.ready()); waited += 100) {
    if (waited >= RULES_WAIT_MS) throw new HttpProblem(503, 'connect.rules_loading', 'the rule book is not loaded yet (a worker seeds the default rules when it starts): report again in a moment', { headers: { 'Retry-After': '2' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function repeat(eventId: string, state: Extract<EconomicEventState, { status: 'ingested' }>, fingerprint: string, report: ReportedEvent): Either<DomainError, Ingested> {
  if (state.ingested.fingerprint !== fingerprint) {
    return left(domainError('conflict', 'connect.external_id_reused', `external_id ${report.externalId} of ${report.sourceService} was already reported with another body`, 'external_id'));
  }
  return right({ eventId, created: false, state, position: null });
}
