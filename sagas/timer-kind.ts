import { isLeft } from 'fp-ts/Either';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import type { Transaction } from 'kysely';
import type { DueTimer, TimerHandler, TimerRequest } from './timers.js';

/**
 * A durable timer declared once: its kind and the codec of its payload, imported by whoever
 * schedules it and by its handler (like `effectKind`).
 */
export interface TimerKind<P> {
  readonly kind: string;
  readonly payload: t.Type<P, unknown, unknown>;
  /** A timer of this kind; scheduling the same id again moves it. */
  at(id: string, dueAt: Date, payload: P): TimerRequest;
}

export function timerKind<P>(kind: string, payload: t.Type<P, unknown, unknown>): TimerKind<P> {
  return { kind, payload, at: (id, dueAt, value) => ({ id, kind, dueAt, payload: payload.encode(value) }) };
}

/** How a context handles one declared timer kind, inside the transaction that marks it fired. */
export interface TimerFiring {
  readonly kind: TimerKind<unknown>;
  fire: TimerHandler;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function fires<P>(kind: TimerKind<P>, handler: (trx: Transaction<any>, timer: DueTimer & { readonly payload: P }, now: Date) => Promise<void>): TimerFiring {
  return {
    kind: kind as unknown as TimerKind<unknown>,
    fire: async (trx, timer, now) => {
      const decoded = kind.payload.decode(timer.payload);
      // A timer whose payload no longer decodes can never fire well: say so (it is retried, then given up).
      if (isLeft(decoded)) throw new Error(`payload of timer ${timer.id} (${kind.kind}) does not decode: ${PathReporter.report(decoded).join('; ')}`);
      await handler(trx, { ...timer, payload: decoded.right }, now);
    },
  };
}

/** The timer worker's table; a kind handled twice stops the start, naming both owners. */
export function timerHandlerTable(firings: readonly { readonly owner: string; readonly firing: TimerFiring }[]): Record<string, TimerHandler> {
  const table: Record<string, TimerHandler> = {};
  const owners = new Map<string, string>();
  for (const { owner, firing } of firings) {
    const kind = firing.kind.kind;
    const earlier = owners.get(kind);
    if (earlier !== undefined) throw new Error(`timer kind ${kind} is handled twice (by ${earlier} and by ${owner}); each kind has one handler`);
    owners.set(kind, owner);
    table[kind] = firing.fire;
  }
  return table;
}

/** The payload of a saga's timers: which flow it belongs to. */
export const SagaTimerPayload = t.type({ flowId: t.string });
