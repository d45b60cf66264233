import { isLeft, right, type Either } from 'fp-ts/Either';
import type { SystemDependencies } from '../../adapters/app/context-module.js';
import type { DomainError } from '../../domain/decider.js';
import { g2aWithdrawalDecider, streamOfG2aWithdrawal, type G2aWithdrawalCommand, type G2aWithdrawalState } from '../../domain/rewards/g2a-withdrawal.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import { PermanentEffectFailure } from '../../sagas/outbox-worker.js';
import { handleCommand, type CommandOutcome } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';
import type { G2aAccounts } from './g2a-ledger.js';
import type { BlockchainGateway } from './ports/blockchain-gateway.js';
import { FailWithdrawal, HoldWithdrawal, ReleaseWithdrawalHold, SendWithdrawal, SettleWithdrawal } from './withdrawal-effect-kinds.js';

export interface WithdrawalStepDependencies {
  readonly system: Pick<SystemDependencies, 'store' | 'clock'>;
  readonly accounts: G2aAccounts;
  readonly gateway: BlockchainGateway;
}

/** The command id of each transition (each happens once per withdrawal, so a repeat finds its events). */
const transition = (withdrawalId: string, step: 'request' | 'held' | 'sent' | 'completed' | 'failed') => `g2a-withdrawal:${withdrawalId}:${step}`;

/**
 * The steps of a withdrawal, shared by its route (which requests and holds at once, to answer
 * 202 or 422) and the saga's effects (which finish what a crash interrupted, and do the rest).
 * Every step is idempotent by the withdrawal id.
 */
export function withdrawalSteps(deps: WithdrawalStepDependencies) {
  const { store, clock } = deps.system;
  const load = async (withdrawalId: string): Promise<G2aWithdrawalState> => (await loadAggregate(store, g2aWithdrawalDecider, streamOfG2aWithdrawal(withdrawalId))).state;
  const record = (withdrawalId: string, step: Parameters<typeof transition>[1], command: G2aWithdrawalCommand, correlationId?: string) =>
    handleCommand(store, g2aWithdrawalDecider, streamOfG2aWithdrawal(withdrawalId), command, { commandId: transition(withdrawalId, step), correlationId: correlationId ?? withdrawalId, actor: 'context:connect', now: command.now });

  const steps = {
    load,
    request: (
      request: { readonly withdrawalId: string; readonly userId: string; readonly amount: bigint; readonly toAddress: string; readonly rawAddress: string },
      correlationId: string,
    ): Promise<Either<DomainError, CommandOutcome<unknown, G2aWithdrawalState>>> =>
      handleCommand(
        store,
        g2aWithdrawalDecider,
        streamOfG2aWithdrawal(request.withdrawalId),
        { type: 'RequestWithdrawal', ...request, taskStream: deps.gateway.taskStreamOf(request.withdrawalId), now: clock.now() },
        { commandId: transition(request.withdrawalId, 'request'), correlationId, actor: request.userId, now: clock.now() },
      ),

    /**
     * Hold the amount (the account decides: held, or refused for want of balance — recorded, so
     * whoever asks gets the same answer) and record it on the withdrawal: the withdrawal as it
     * stands after.
     */
    async hold(withdrawalId: string, correlationId?: string): Promise<Either<DomainError, G2aWithdrawalState>> {
      const withdrawal = await load(withdrawalId);
      if (withdrawal.status !== 'requested') return right(withdrawal);
      const hold = await deps.accounts.hold({ userId: withdrawal.userId!, withdrawalId, amount: withdrawal.amount!, ...(correlationId ? { correlationId } : {}) });
      if (isLeft(hold)) return hold;
      const now = clock.now();
      const recorded =
        hold.right.status === 'refused'
          ? await record(withdrawalId, 'failed', { type: 'FailWithdrawal', stage: 'hold', reason: 'withdrawal.insufficient_balance', message: 'the available G2A balance does not cover the withdrawal', now }, correlationId)
          : await record(withdrawalId, 'held', { type: 'MarkHeld', now }, correlationId);
      return isLeft(recorded) ? recorded : right(recorded.right.state);
    },

    /** Ask the gateway for the transfer; its refusal (a limit, the wallet no longer verified …) fails the withdrawal. */
    async send(withdrawalId: string): Promise<void> {
      const withdrawal = await load(withdrawalId);
      if (withdrawal.status !== 'held') return;
      const answer = await deps.gateway.transferG2a({ requestId: withdrawalId, userId: withdrawal.userId!, toAddress: withdrawal.toAddress!, amount: withdrawal.amount!, correlationId: withdrawalId });
      const now = clock.now();
      const outcome =
        'kind' in answer
          ? await record(withdrawalId, 'failed', { type: 'FailWithdrawal', stage: 'gateway', reason: answer.code, message: answer.message, now })
          : await record(withdrawalId, 'sent', { type: 'MarkSent', taskId: answer.taskId, now });
      if (isLeft(outcome)) throw new PermanentEffectFailure(`withdrawal ${withdrawalId}: ${outcome.left.code}: ${outcome.left.message}`);
    },

    /** The transfer is on chain: the held amount leaves the balance, then the withdrawal completes. */
    async settle(withdrawalId: string, taskId: string, txHash: string | null): Promise<void> {
      const withdrawal = await load(withdrawalId);
      if (withdrawal.status === 'completed') return;
      const settled = await deps.accounts.settle({ userId: withdrawal.userId!, withdrawalId });
      if (isLeft(settled)) throw failure(withdrawalId, settled.left);
      const completed = await record(withdrawalId, 'completed', { type: 'CompleteWithdrawal', taskId, txHash, now: clock.now() });
      if (isLeft(completed)) throw failure(withdrawalId, completed.left);
    },

    /** The transfer failed for good: the withdrawal fails (the saga then releases its hold). */
    async fail(withdrawalId: string, error: string): Promise<void> {
      const failed = await record(withdrawalId, 'failed', { type: 'FailWithdrawal', stage: 'chain', reason: 'withdrawal.transfer_failed', message: error.slice(0, 500), now: clock.now() });
      if (isLeft(failed)) throw failure(withdrawalId, failed.left);
    },

    async release(withdrawalId: string, userId: string): Promise<void> {
      const released = await deps.accounts.release({ userId, withdrawalId });
      if (isLeft(released)) throw failure(withdrawalId, released.left);
    },
  };
  return steps;
}
export type WithdrawalSteps = ReturnType<typeof withdrawalSteps>;

/** A refusal is for good; the account being busy is worth another try (a plain error: the outbox retries). */
function failure(withdrawalId: string, error: DomainError): Error {
  const text = `withdrawal ${withdrawalId}: ${error.code}: ${error.message}`;
  return error.kind === 'rate_limited' ? new Error(text) : new PermanentEffectFailure(text);
}

/** The withdrawal saga's effects (sagas/rewards/withdrawal-saga.ts). */
export function withdrawalEffects(steps: WithdrawalSteps): EffectPerformer[] {
  return [
    performs(HoldWithdrawal, async ({ withdrawalId }) => {
      const held = await steps.hold(withdrawalId);
      if (isLeft(held)) throw failure(withdrawalId, held.left);
    }),
    performs(SendWithdrawal, async ({ withdrawalId }) => steps.send(withdrawalId)),
    performs(SettleWithdrawal, async ({ withdrawalId, taskId, txHash }) => steps.settle(withdrawalId, taskId, txHash)),
    performs(FailWithdrawal, async ({ withdrawalId, error }) => steps.fail(withdrawalId, error)),
    performs(ReleaseWithdrawalHold, async ({ withdrawalId, userId }) => steps.release(withdrawalId, userId)),
  ];
}
