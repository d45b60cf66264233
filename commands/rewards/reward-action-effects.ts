import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { DomainErrorException } from '../../domain/decider.js';
import type { Clock } from '../../platform/clock.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import { PermanentEffectFailure } from '../../sagas/outbox-worker.js';
import type { BlockchainGateway } from './ports/blockchain-gateway.js';
import { NftRefusal, type NftService } from './ports/nft-service.js';
import { PointsRefusal, type PointsService } from './ports/points-service.js';
import { actOnRewardOrThrow, loadEconomicEvent, loadRewardAction } from './reward-action-commands.js';
import { ClaimRewardBudget, CreateRewardAction, DispatchRewardAction, HoldLockedReward, SettleOnchainReward, UnlockRewardAction } from './reward-action-effect-kinds.js';
import type { BudgetDesk, G2aLedgerDesk, MemberDesk } from './rewards-desks.js';

export interface RewardActionEffectDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly budgets: BudgetDesk;
  readonly members: MemberDesk;
  readonly points: PointsService;
  readonly g2a: G2aLedgerDesk;
  readonly nft: NftService;
  readonly gateway: BlockchainGateway;
}

const ACTOR = 'connect:dispatcher';

/** The gateway request id of an attempt: the action id itself first, then `<id>.<attempt>` (a failed task is final). */
export const gatewayRequestIdOf = (actionId: string, attempt: number) => (attempt === 1 ? actionId : `${actionId}.${attempt}`);

/**
 * The reward flows' effects (R-3 … R-5). Each one reads the action's stream first and does
 * nothing when the step is already done, and every payout is keyed by the action id, so an
 * effect performed twice (a worker killed between paying and recording) pays once.
 */
export function rewardActionEffects(deps: RewardActionEffectDependencies): EffectPerformer[] {
  const { store, clock } = deps;
  const act = (command: Parameters<typeof actOnRewardOrThrow>[1], step: string, correlationId: string | null) => actOnRewardOrThrow(store, command, { step, actor: ACTOR, correlationId });
  const fail = (actionId: string, attempt: number, code: string, reason: string, correlationId: string | null) =>
    act({ type: 'FailRewardAction', actionId, attempt, code, reason, now: clock.now() }, `fail.${attempt}`, correlationId);

  return [
    performs(CreateRewardAction, async ({ eventId, actionId }, context) => {
      const economic = await loadEconomicEvent(store, eventId);
      if (economic.state.status !== 'ingested') throw new PermanentEffectFailure(`economic event ${eventId} does not exist`);
      const { ingested, actions } = economic.state;
      const proposal = actions.find((a) => a.actionId === actionId);
      if (!proposal) throw new PermanentEffectFailure(`economic event ${eventId} proposed no action ${actionId}`);
      await act(
        {
          type: 'CreateRewardAction',
          action: {
            actionId,
            eventId,
            externalId: ingested.externalId,
            sourceService: ingested.sourceService,
            eventType: ingested.eventType,
            occurredAt: ingested.occurredAt,
            ruleId: proposal.ruleId,
            ruleVersion: proposal.version,
            rewardIndex: proposal.rewardIndex,
            targetUserId: proposal.targetUserId,
            rewardType: proposal.rewardType,
            amount: proposal.amount,
            badge: proposal.badge,
            lockedUntil: proposal.lockedUntil,
            caps: proposal.caps,
          },
          now: clock.now(),
        },
        'create',
        context.correlationId,
      );
    }),

    performs(ClaimRewardBudget, async ({ actionId }, context) => {
      const loaded = await loadRewardAction(store, actionId);
      const state = loaded.state;
      if (state.status === 'none') throw new PermanentEffectFailure(`no reward action ${actionId}`);
      if (state.budgetGranted || state.status === 'rejected') return;
      const day = state.action.occurredAt.slice(0, 10);
      const answer = await deps.budgets.claim({
        actionId,
        ruleId: state.action.ruleId,
        version: state.action.ruleVersion,
        targetUserId: state.action.targetUserId,
        amount: state.action.amount === null ? 1n : BigInt(state.action.amount),
        caps: state.action.caps,
        day,
      });
      if (answer.granted) await act({ type: 'GrantBudget', actionId, day, now: clock.now() }, 'budget', context.correlationId);
      else await act({ type: 'RejectOverBudget', actionId, reason: answer.reason, now: clock.now() }, 'budget', context.correlationId);
    }),

    performs(HoldLockedReward, async ({ actionId }) => {
      const loaded = await loadRewardAction(store, actionId);
      const state = loaded.state;
      if (state.status !== 'locked' || state.action.lockedUntil === null) return;
      await deps.members.holdLocked({ actionId, userId: state.action.targetUserId, condition: state.action.lockedUntil, eventId: state.action.eventId });
    }),

    performs(UnlockRewardAction, async ({ actionId, cause }, context) => {
      await act({ type: 'UnlockRewardAction', actionId, cause, now: clock.now() }, 'unlock', context.correlationId);
    }),

    performs(DispatchRewardAction, async ({ actionId, attempt }, context) => {
      const loaded = await loadRewardAction(store, actionId);
      const state = loaded.state;
      if (state.status === 'none') throw new PermanentEffectFailure(`no reward action ${actionId}`);
      if (state.attempt !== attempt) return; // a later attempt superseded this one
      if (state.status !== 'pending' && state.status !== 'dispatched') return; // done, failed or not yet ready
      const { action } = state;
      const correlationId = context.correlationId;
      const gatewayRequestId = gatewayRequestIdOf(actionId, attempt);
      if (state.status === 'pending') {
        await act(
          {
            type: 'DispatchRewardAction',
            actionId,
            attempt,
            ...(action.rewardType === 'g2a_onchain' ? { gateway: { requestId: gatewayRequestId, taskStream: deps.gateway.taskStreamOf(gatewayRequestId) } } : {}),
            now: clock.now(),
          },
          `dispatch.${attempt}`,
          correlationId,
        );
      }
      const complete = (result: Record<string, string | number | null>) => act({ type: 'CompleteRewardAction', actionId, attempt, result, now: clock.now() }, `complete.${attempt}`, correlationId);
      const reason = `${action.ruleId} v${action.ruleVersion} for ${action.eventType}`;
      switch (action.rewardType) {
        case 'points': {
          try {
            const credited = await deps.points.credit({ creditId: actionId, userId: action.targetUserId, amount: BigInt(action.amount!), reason });
            await complete({ entry_id: credited.entryId, balance_after: credited.balanceAfter.toString() });
          } catch (error) {
            if (error instanceof PointsRefusal) await fail(actionId, attempt, error.code, error.message, correlationId);
            else throw error;
          }
          return;
        }
        case 'g2a_offchain': {
          try {
            const credited = await deps.g2a.credit({ entryId: actionId, userId: action.targetUserId, amount: BigInt(action.amount!), reason });
            await complete({ entry_id: actionId, balance_after: credited.balanceAfter.toString() });
          } catch (error) {
            // the ledger refused for good (an entry id reused, a bad amount); busy is worth another try
            if (error instanceof DomainErrorException && error.error.kind !== 'rate_limited') await fail(actionId, attempt, error.error.code, error.error.message, correlationId);
            else throw error;
          }
          return;
        }
        case 'nft': {
          try {
            const awarded = await deps.nft.award({ awardId: actionId, userId: action.targetUserId, badgeType: action.badge!.type, level: action.badge!.level });
            await complete({ instance_id: awarded.instanceId, level: awarded.level, onchain_status: awarded.onchainStatus, onchain_token_id: awarded.onchainTokenId });
          } catch (error) {
            if (error instanceof NftRefusal) await fail(actionId, attempt, error.code, error.message, correlationId);
            else throw error;
          }
          return;
        }
        case 'g2a_onchain': {
          const wallets = await deps.gateway.verifiedWallets(action.targetUserId);
          if (wallets.length === 0) {
            await fail(actionId, attempt, 'reward.no_verified_wallet', `user ${action.targetUserId} has no verified TON wallet (link one, then an admin retries the reward)`, correlationId);
            return;
          }
          const answer = await deps.gateway.mintG2a({ requestId: gatewayRequestId, userId: action.targetUserId, toAddress: wallets[0]!, amount: BigInt(action.amount!), ...(correlationId ? { correlationId } : {}) });
          if ('kind' in answer) await fail(actionId, attempt, answer.code, answer.message, correlationId);
          // accepted: the saga follows the task stream and settles the action on the gateway's outcome
          return;
        }
      }
    }),

    performs(SettleOnchainReward, async ({ actionId, attempt, outcome, taskId, txHash, error }, context) => {
      if (outcome === 'confirmed') {
        await act({ type: 'CompleteRewardAction', actionId, attempt, result: { task_id: taskId, tx_hash: txHash }, now: clock.now() }, `complete.${attempt}`, context.correlationId);
      } else {
        await fail(actionId, attempt, 'gateway.task_failed', error ?? 'the gateway task failed', context.correlationId);
      }
    }),
  ];
}

