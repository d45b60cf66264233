import { isLeft } from 'fp-ts/Either';
import type { SystemDependencies } from '../../adapters/app/context-module.js';
import { DomainErrorException } from '../../domain/decider.js';
import { memberDecider, streamOfMember, type MemberCommand } from '../../domain/rewards/member.js';
import { MEMBERS_PROJECTION, memberQueries } from '../../projections/rewards/member-projection.js';
import { handleCommand } from '../command-handler.js';
import type { MemberDesk } from './rewards-desks.js';
import { rewardFactsSource } from './reward-facts-source.js';

/** How long `caughtUpWith` waits for the members read model (ingestion answers 503 past it: the facts would be stale). */
export const MEMBERS_CATCH_UP_MS = 3_000;

/**
 * Conflicts a hold or a raise survives on one member's stream before it gives up (the caller —
 * an outbox effect — retries it then). A member's stream is quiet: a conflict means a hold and
 * an upgrade (or several holds of one event's rewards) arrived together; each retry reloads a
 * short stream and decides again on what the other wrote.
 */
const MEMBER_MAX_RETRIES = 30;

/**
 * Members (issue 14 items 4–5), as the other parts use them: the facts snapshot of a report,
 * read-your-writes on the members read model, and the locks on `ConnectMember-<userId>`.
 *
 * Holds and raises go through `handleCommand`: load the member's stream, decide, append with the
 * expected revision; a concurrent append to the same stream makes it a `WrongExpectedVersion`,
 * and the handler reloads and decides again (jittered backoff, at most `MEMBER_MAX_RETRIES`).
 * So a hold and an upgrade at the same instant are decided one after the other: whichever is
 * second sees the first — the hold sees the raised tier (released at once), or the raise sees
 * the held reward (released with it). The command id (`rewards.hold:<action>`,
 * `rewards.raise-tier:<event>`) makes a repeated call after a crash the same call.
 */
export function memberDesk(system: Pick<SystemDependencies, 'store' | 'clock' | 'database' | 'logger' | 'waitForProjection'>): MemberDesk {
  const facts = rewardFactsSource(memberQueries(system.database.db));
  async function decide(command: MemberCommand, commandId: string, correlationId: string): Promise<void> {
    const outcome = await handleCommand(system.store, memberDecider, streamOfMember(command.userId), command, { commandId, correlationId, actor: 'context:connect', now: command.now }, { maxRetries: MEMBER_MAX_RETRIES });
    if (isLeft(outcome)) throw new DomainErrorException(outcome.left);
  }
  return {
    factsFor: (report) => facts.factsFor(report),
    async caughtUpWith(position) {
      const reached = await system.waitForProjection(MEMBERS_PROJECTION, position, MEMBERS_CATCH_UP_MS);
      if (!reached) system.logger.warn({ projection: MEMBERS_PROJECTION, waitedMs: MEMBERS_CATCH_UP_MS }, 'members read model behind the log');
      return reached;
    },
    async holdLocked({ actionId, userId, condition, eventId }) {
      await decide({ type: 'HoldLockedReward', userId, actionId, condition, eventId, now: system.clock.now() }, `rewards.hold:${actionId}`, eventId);
    },
    async raiseTier({ userId, tier, eventId }) {
      await decide({ type: 'RaiseTier', userId, tier, eventId, now: system.clock.now() }, `rewards.raise-tier:${eventId}`, eventId);
    },
  };
}
