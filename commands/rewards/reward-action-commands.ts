import { isLeft, type Either } from 'fp-ts/Either';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { DomainErrorException, type DomainError } from '../../domain/decider.js';
import { economicEventDecider, streamOfEconomicEvent } from '../../domain/rewards/economic-event.js';
import { rewardActionDecider, streamOfRewardAction, type RewardActionCommand, type RewardActionState } from '../../domain/rewards/reward-action.js';
import { handleCommand, type CommandOutcome } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';

/** A command on one RewardAction, idempotent by a command id naming the step. */
export function actOnReward(
  store: EventStore,
  command: RewardActionCommand,
  context: { readonly step: string; readonly actor: string; readonly correlationId?: string | null },
): Promise<Either<DomainError, CommandOutcome<unknown, RewardActionState>>> {
  const actionId = command.type === 'CreateRewardAction' ? command.action.actionId : command.actionId;
  return handleCommand(store, rewardActionDecider, streamOfRewardAction(actionId), command, {
    commandId: `${context.step}:${actionId}`,
    actor: context.actor,
    now: command.now,
    ...(context.correlationId ? { correlationId: context.correlationId } : {}),
  });
}

/** The same, for effects: a refusal is thrown (the effect cannot make it right by retrying). */
export async function actOnRewardOrThrow(store: EventStore, command: RewardActionCommand, context: { readonly step: string; readonly actor: string; readonly correlationId?: string | null }) {
  const outcome = await actOnReward(store, command, context);
  if (isLeft(outcome)) throw new DomainErrorException(outcome.left);
  return outcome.right;
}

export const loadRewardAction = (store: EventStore, actionId: string) => loadAggregate(store, rewardActionDecider, streamOfRewardAction(actionId));
export const loadEconomicEvent = (store: EventStore, eventId: string) => loadAggregate(store, economicEventDecider, streamOfEconomicEvent(eventId));
