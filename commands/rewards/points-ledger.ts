import { randomUUID } from 'node:crypto';
import { left, right, type Either } from 'fp-ts/Either';
import type { SystemDependencies } from '../../adapters/app/context-module.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import {
  pointsAccountDecider,
  pointsCreditOf,
  streamOfPointsAccount,
  type PointsAccountCommand,
  type PointsAccountEvent,
  type PointsAccountState,
  type PointsCreditedEvent,
} from '../../domain/rewards/points-account.js';
import { derivedUuid } from '../derived-uuid.js';
import { HotStreamDecisions } from '../hot-stream-decisions.js';
import { PointsRefusal, PointsUnavailable, type PointsService } from './ports/points-service.js';

const processTag = randomUUID().slice(0, 8);
let sequence = 0;

export const pointsAccountBusy = (): DomainError => domainError('rate_limited', 'points.busy', 'the points account is being written by many at once; retry');

/** The ledger's id of a user's credit: the same credit always gets the same entry id. */
export const pointsEntryIdOf = (userId: string, creditId: string): string => derivedUuid('points-entry', userId, creditId);

/** A credit as the ledger recorded it (a repeat answers the first one). */
export interface RecordedPointsCredit {
  readonly creditId: string;
  readonly entryId: string;
  readonly userId: string;
  readonly amount: bigint;
  readonly reason: string;
  readonly balanceAfter: bigint;
  /** Whether this call recorded it (false: it was recorded before). */
  readonly recordedNow: boolean;
}

export interface PointsLedger {
  credit(request: { readonly creditId: string; readonly userId: string; readonly amount: bigint; readonly reason: string; readonly correlationId?: string }): Promise<Either<DomainError, RecordedPointsCredit>>;
  /** The user's balance from the account itself (caught up with every instance's appends). */
  balanceOf(userId: string): Promise<bigint>;
  current(userId: string): Promise<PointsAccountState>;
}

const recordedOf = (event: PointsCreditedEvent, recordedNow: boolean): RecordedPointsCredit => ({
  creditId: event.data.creditId,
  entryId: event.data.entryId,
  userId: event.data.userId,
  amount: BigInt(event.data.amount),
  reason: event.data.reason,
  balanceAfter: BigInt(event.data.balanceAfter),
  recordedNow,
});

/**
 * Connect's own points ledger (issue 14, item 6): the embedded default's Points service. One
 * `PointsAccount-<userId>` per user, decided through HotStreamDecisions (a user earning from
 * many events at once: one lane, batched appends); idempotent by credit id (the decider's), so
 * the events' command ids only need to be unique per decision. It serves the points protocol
 * over HTTP (points-protocol-routes.ts) for other services, and Connect's own dispatcher calls
 * it in process (`localPointsService`, no HTTP).
 */
export function pointsLedger(system: Pick<SystemDependencies, 'store' | 'clock'>): PointsLedger {
  const runner = new HotStreamDecisions<PointsAccountCommand, PointsAccountEvent, PointsAccountState>(system.store, pointsAccountDecider, {
    commandIdOf: (command) => `points-account:${command.creditId}:${processTag}:${++sequence}`,
    nowOf: (command) => command.now,
    busy: pointsAccountBusy,
    maxLanes: 1_000,
  });
  return {
    async credit(request) {
      const command: PointsAccountCommand = {
        type: 'CreditPoints',
        userId: request.userId,
        creditId: request.creditId,
        entryId: pointsEntryIdOf(request.userId, request.creditId),
        amount: request.amount,
        reason: request.reason,
        now: system.clock.now(),
      };
      const outcome = await runner.decide({ stream: streamOfPointsAccount(request.userId), command, ...(request.correlationId ? { correlationId: request.correlationId } : {}), actor: 'context:connect' });
      if (outcome._tag === 'Left') return outcome;
      const entry = pointsCreditOf(outcome.right.state, request.creditId);
      if (!entry) return left(domainError('conflict', 'points.not_recorded', `credit ${request.creditId} was not recorded`));
      return right(recordedOf(entry, outcome.right.events.length > 0));
    },
    balanceOf: async (userId) => (await runner.current(streamOfPointsAccount(userId))).balance,
    current: (userId) => runner.current(streamOfPointsAccount(userId)),
  };
}

/**
 * The PointsService port over the local ledger, in process: what the HTTP adapter gives for the
 * same answers of the protocol — a refusal for good (`PointsRefusal`: an id reused, an invalid
 * amount) or unavailable (`PointsUnavailable`: the account busy; ask again with the same id).
 */
export function localPointsService(ledger: PointsLedger): PointsService {
  return {
    async credit(credit) {
      const outcome = await ledger.credit({ creditId: credit.creditId, userId: credit.userId, amount: credit.amount, reason: credit.reason });
      if (outcome._tag === 'Left') {
        if (outcome.left.kind === 'rate_limited') throw new PointsUnavailable(outcome.left.message);
        throw new PointsRefusal(outcome.left.code, outcome.left.message);
      }
      return { creditId: outcome.right.creditId, entryId: outcome.right.entryId, balanceAfter: outcome.right.balanceAfter };
    },
  };
}
