import { left, right } from 'fp-ts/Either';
import { Map as ImmutableMap } from 'immutable';
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

export interface TransferAllowanceReservation {
  readonly userId: string;
  readonly amount: string;
  readonly released: boolean;
}

/**
 * The day's reservations by task id, and what they hold — per user and in all — kept as the
 * events come (persistent hash maps: O(log₃₂ n) per event, each state its own view). Summing
 * every reservation per decision, and copying them all per event, made a busy day quadratic.
 */
export interface TransferAllowanceState {
  readonly reservations: ImmutableMap<string, TransferAllowanceReservation>;
  /** Held (reserved, not released) per user and in all, in the units of the reservations' amounts. */
  readonly heldByUser: ImmutableMap<string, bigint>;
  readonly held: bigint;
}

export type TransferAllowanceCommand =
  | { readonly type: 'Reserve'; readonly taskId: string; readonly userId: string; readonly amount: bigint; readonly limits: TransferLimits; readonly now: Date }
  | { readonly type: 'Release'; readonly taskId: string; readonly now: Date };

export const streamOfAllowance = (day: Date): string => `TransferAllowance-${day.toISOString().slice(0, 10)}`;

const heldBy = (state: TransferAllowanceState, userId: string): bigint => state.heldByUser.get(userId) ?? 0n;

export const transferAllowanceDecider: EventSourcedDecider<TransferAllowanceCommand, TransferAllowanceEvent, TransferAllowanceState> = {
  events: TransferAllowanceEvent,
  initialState: { reservations: ImmutableMap(), heldByUser: ImmutableMap(), held: 0n },
  decide(command, state) {
    switch (command.type) {
      case 'Reserve': {
        if (state.reservations.has(command.taskId)) return right([]);
        const { limits, amount } = command;
        const refuse = (limit: bigint, reason: string) =>
          right([
            {
              type: 'TransferRefused' as const,
              data: { taskId: command.taskId, userId: command.userId, amount: amount.toString(), limit: limit.toString(), reason, refusedAt: command.now.toISOString() },
            },
          ]);
        if (amount > limits.perTransfer) return refuse(limits.perTransfer, 'per_transfer');
        if (heldBy(state, command.userId) + amount > limits.perUserPerDay) return refuse(limits.perUserPerDay, 'per_user_per_day');
        if (state.held + amount > limits.globalPerDay) return refuse(limits.globalPerDay, 'global_per_day');
        return right([{ type: 'TransferReserved', data: { taskId: command.taskId, userId: command.userId, amount: amount.toString(), reservedAt: command.now.toISOString() } }]);
      }
      case 'Release': {
        const reservation = state.reservations.get(command.taskId);
        if (!reservation) return left(domainError('not_found', 'allowance.no_reservation', `no reservation for task ${command.taskId}`));
        if (reservation.released) return right([]);
        return right([{ type: 'TransferReleased', data: { taskId: command.taskId, releasedAt: command.now.toISOString() } }]);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'TransferReserved': {
        const { taskId, userId, amount } = event.data;
        if (state.reservations.has(taskId)) return state;
        return {
          reservations: state.reservations.set(taskId, { userId, amount, released: false }),
          heldByUser: state.heldByUser.set(userId, heldBy(state, userId) + BigInt(amount)),
          held: state.held + BigInt(amount),
        };
      }
      case 'TransferReleased': {
        const reservation = state.reservations.get(event.data.taskId);
        if (!reservation || reservation.released) return state;
        return {
          reservations: state.reservations.set(event.data.taskId, { ...reservation, released: true }),
          heldByUser: state.heldByUser.set(reservation.userId, heldBy(state, reservation.userId) - BigInt(reservation.amount)),
          held: state.held - BigInt(reservation.amount),
        };
      }
      case 'TransferRefused':
        return state;
    }
  },
};
