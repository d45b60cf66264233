import { randomUUID } from 'node:crypto';
import { left, right, type Either } from 'fp-ts/Either';
import type { SystemDependencies } from '../../adapters/app/context-module.js';
import { domainError, DomainErrorException, type DomainError } from '../../domain/decider.js';
import {
  g2aAccountDecider,
  g2aCreditOf,
  holdOf,
  streamOfG2aAccount,
  type G2aAccountCommand,
  type G2aAccountEvent,
  type G2aAccountState,
  type Hold,
} from '../../domain/rewards/g2a-account.js';
import { HotStreamDecisions } from '../hot-stream-decisions.js';
import type { G2aLedgerDesk } from './rewards-desks.js';

const processTag = randomUUID().slice(0, 8);
let sequence = 0;

export const g2aAccountBusy = (): DomainError => domainError('rate_limited', 'g2a.busy', 'the G2A account is being written by many at once; retry');

/** What the withdrawal flow asks of the accounts besides credits. */
export interface G2aAccounts extends G2aLedgerDesk {
  /** Hold `amount` for a withdrawal: `held` or `refused` (insufficient balance, recorded: asked again, the same answer). */
  hold(request: { readonly userId: string; readonly withdrawalId: string; readonly amount: bigint; readonly correlationId?: string }): Promise<Either<DomainError, Hold>>;
  settle(request: { readonly userId: string; readonly withdrawalId: string; readonly correlationId?: string }): Promise<Either<DomainError, Hold>>;
  release(request: { readonly userId: string; readonly withdrawalId: string; readonly correlationId?: string }): Promise<Either<DomainError, Hold>>;
  /** The account now, caught up with every instance's appends. */
  current(userId: string): Promise<G2aAccountState>;
}

/**
 * Connect's off-chain G2A ledger (the G2aLedgerDesk of payouts): one `G2aAccount-<userId>` per
 * user, decided through HotStreamDecisions — a user's reward credits and withdrawals queue on
 * one lane per account in this process and are appended together with the expected revision,
 * so two withdrawals at once are decided one after the other against the same balance (and
 * across processes the expected revision makes the database the arbiter). Idempotency is the
 * decider's (entry and withdrawal ids), so the events' command ids are unique per decision
 * (see developer-ledger-commands.ts for why ids derived from the entry would be wrong here).
 *
 * `credit` throws `DomainErrorException` on a refusal: kind `conflict` (`g2a.entry_id_reused`)
 * or `rule_violated` (an invalid amount) for good, `rate_limited` (`g2a.busy`) to retry.
 */
export function g2aAccounts(system: Pick<SystemDependencies, 'store' | 'clock'>): G2aAccounts {
  const runner = new HotStreamDecisions<G2aAccountCommand, G2aAccountEvent, G2aAccountState>(system.store, g2aAccountDecider, {
    commandIdOf: (command) => `g2a-account:${command.type}:${command.type === 'CreditG2a' ? command.entryId : command.withdrawalId}:${processTag}:${++sequence}`,
    nowOf: (command) => command.now,
    busy: g2aAccountBusy,
    maxLanes: 1_000,
  });
  const decide = (command: G2aAccountCommand, correlationId?: string) =>
    runner.decide({ stream: streamOfG2aAccount(command.userId), command, ...(correlationId ? { correlationId } : {}), actor: 'context:connect' });

  async function onHold(command: Extract<G2aAccountCommand, { type: 'HoldG2a' | 'SettleHold' | 'ReleaseHold' }>, correlationId?: string): Promise<Either<DomainError, Hold>> {
    const outcome = await decide(command, correlationId);
    if (outcome._tag === 'Left') return outcome;
    const hold = holdOf(outcome.right.state, command.withdrawalId);
    return hold ? right(hold) : left(domainError('conflict', 'g2a.not_recorded', `the hold of withdrawal ${command.withdrawalId} was not recorded`));
  }

  return {
    async credit(input) {
      const outcome = await decide({ type: 'CreditG2a', userId: input.userId, entryId: input.entryId, amount: input.amount, reason: input.reason, now: system.clock.now() });
      if (outcome._tag === 'Left') throw new DomainErrorException(outcome.left);
      const entry = g2aCreditOf(outcome.right.state, input.entryId);
      if (!entry) throw new DomainErrorException(domainError('conflict', 'g2a.not_recorded', `entry ${input.entryId} was not recorded`));
      return { balanceAfter: BigInt(entry.data.balanceAfter) };
    },
    hold: (r) => onHold({ type: 'HoldG2a', userId: r.userId, withdrawalId: r.withdrawalId, amount: r.amount, now: system.clock.now() }, r.correlationId),
    settle: (r) => onHold({ type: 'SettleHold', userId: r.userId, withdrawalId: r.withdrawalId, now: system.clock.now() }, r.correlationId),
    release: (r) => onHold({ type: 'ReleaseHold', userId: r.userId, withdrawalId: r.withdrawalId, now: system.clock.now() }, r.correlationId),
    current: (userId) => runner.current(streamOfG2aAccount(userId)),
  };
}
