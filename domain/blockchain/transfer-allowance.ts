import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * The day's G2A withdrawal allowance (B-3): one stream per UTC day holds every reservation,
 * so the per-transfer, per-user-per-day and global-per-day limits hold under concurrency (two
 * withdrawals racing for the last of a limit: one gets the WrongExpectedVersion and decides
 * again). A failed transfer gives its reservation back.
 */
export const TransferAllowanceEvent = t.union([
  eventCodec('TransferReserved', t.type({ taskId: t.string, userId: t.string, amount: t.string, reservedAt: t.string })),
  eventCodec('TransferRefused', t.type({ taskId: t.string, userId: t.string, amount: t.string, limit: t.string, reason: t.string, refusedAt: t.string })),
  eventCodec('TransferReleased', t.type({ taskId: t.string, releasedAt: t.string })),
]);
export type TransferAllowanceEvent = t.TypeOf<typeof TransferAllowanceEvent>;

export interface TransferLimits {
  readonly perTransfer: bigint;
  readonly perUserPerDay: bigint;
  readonly globalPerDay: bigint;
}

export interface TransferAllowanceState {
  readonly reservations: Readonly<Record<string, { readonly userId: string; readonly amount: string; readonly released: boolean }>>;
}

export type TransferAllowanceCommand =
  | { readonly type: 'Reserve'; readonly taskId: string; readonly userId: string; readonly amount: bigint; readonly limits: TransferLimits; readonly now: Date }
  | { readonly type: 'Release'; readonly taskId: string; readonly now: Date };

export const streamOfAllowance = (day: Date): string => `TransferAllowance-${day.toISOString().slice(0, 10)}`;

function used(state: TransferAllowanceState, userId?: string): bigint {
  let total = 0n;
  for (const reservation of Object.values(state.reservations)) {
    if (reservation.released || (userId !== undefined && reservation.userId !== userId)) continue;
    total += BigInt(reservation.amount);
  }
  return total;
}

export const transferAllowanceDecider: EventSourcedDecider<TransferAllowanceCommand, TransferAllowanceEvent, TransferAllowanceState> = {
  events: TransferAllowanceEvent,
  initialState: { reservations: {} },
  decide(command, state) {
    switch (command.type) {
      case 'Reserve': {
        if (state.reservations[command.taskId]) return right([]);
        const { limits, amount } = command;
        const refuse = (limit: bigint, reason: string) =>
          right([
            {
              type: 'TransferRefused' as const,
              data: { taskId: command.taskId, userId: command.userId, amount: amount.toString(), limit: limit.toString(), reason, refusedAt: command.now.toISOString() },
            },
          ]);
        if (amount > limits.perTransfer) return refuse(limits.perTransfer, 'per_transfer');
        if (used(state, command.userId) + amount > limits.perUserPerDay) return refuse(limits.perUserPerDay, 'per_user_per_day');
        if (used(state) + amount > limits.globalPerDay) return refuse(limits.globalPerDay, 'global_per_day');
        return right([{ type: 'TransferReserved', data: { taskId: command.taskId, userId: command.userId, amount: amount.toString(), reservedAt: command.now.toISOString() } }]);
      }
      case 'Release': {
        const reservation = state.reservations[command.taskId];
        if (!reservation) return left(domainError('not_found', 'allowance.no_reservation', `no reservation for task ${command.taskId}`));
        if (reservation.released) return right([]);
        return right([{ type: 'TransferReleased', data: { taskId: command.taskId, releasedAt: command.now.toISOString() } }]);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'TransferReserved':
        return { reservations: { ...state.reservations, [event.data.taskId]: { userId: event.data.userId, amount: event.data.amount, released: false } } };
      case 'TransferReleased': {
        const reservation = state.reservations[event.data.taskId];
        return reservation ? { reservations: { ...state.reservations, [event.data.taskId]: { ...reservation, released: true } } } : state;
      }
      case 'TransferRefused':
        return state;
    }
  },
};
