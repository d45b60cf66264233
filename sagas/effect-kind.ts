import { isLeft } from 'fp-ts/Either';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import type { Effect } from './outbox.js';
import { PermanentEffectFailure, type EffectContext, type EffectHandler } from './outbox-worker.js';

/**
 * An outbox effect declared once: its kind and the codec of its payload. The saga (or command)
 * that enqueues it and the handler that performs it both import the declaration — a saga never
 * imports a handler — and the payload is checked on both sides:
 *
 * ```ts
 * // commands/ticketing/ticketing-effect-kinds.ts
 * export const VoidTicket = effectKind('ticketing.void-ticket', t.type({ ticketId: t.string }));
 * // the saga:   effects: [VoidTicket.effect(`ticketing-void:${id}`, { ticketId: id })]
 * // the module: effects: [performs(VoidTicket, async ({ ticketId }) => …)]
 * ```
 */
export interface EffectKind<P> {
  readonly kind: string;
  readonly payload: t.Type<P, unknown, unknown>;
  /** An effect of this kind for the outbox; the same key twice is one effect. */
  effect(idempotencyKey: string, payload: P, options?: { readonly correlationId?: string | undefined; readonly notBefore?: Date }): Effect;
}

export function effectKind<P>(kind: string, payload: t.Type<P, unknown, unknown>): EffectKind<P> {
  return {
    kind,
    payload,
    effect: (idempotencyKey, value, options = {}) => ({
      idempotencyKey,
      kind,
      payload: payload.encode(value),
      ...(options.correlationId ? { correlationId: options.correlationId } : {}),
      ...(options.notBefore ? { notBefore: options.notBefore } : {}),
    }),
  };
}

/** How a context performs one declared effect kind. */
export interface EffectPerformer {
  readonly kind: EffectKind<unknown>;
  perform(payload: unknown, context: EffectContext): Promise<void>;
}

export function performs<P>(kind: EffectKind<P>, handler: (payload: P, context: EffectContext) => Promise<void>): EffectPerformer {
  return {
    kind: kind as unknown as EffectKind<unknown>,
    perform: async (raw, context) => {
      const decoded = kind.payload.decode(raw);
      if (isLeft(decoded)) throw new PermanentEffectFailure(`payload of ${kind.kind} does not decode: ${PathReporter.report(decoded).join('; ')}`);
      await handler(decoded.right, context);
    },
  };
}

/** The outbox worker's table of handlers; a kind performed twice stops the start, naming both owners. */
export function effectHandlerTable(performers: readonly { readonly owner: string; readonly performer: EffectPerformer }[]): Record<string, EffectHandler> {
  const table: Record<string, EffectHandler> = {};
  const owners = new Map<string, string>();
  for (const { owner, performer } of performers) {
    const kind = performer.kind.kind;
    const earlier = owners.get(kind);
    if (earlier !== undefined) throw new Error(`effect kind ${kind} is performed twice (by ${earlier} and by ${owner}); each kind has one handler`);
    owners.set(kind, owner);
    table[kind] = performer.perform;
  }
  return table;
}
