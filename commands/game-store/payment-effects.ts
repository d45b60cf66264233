import { isLeft } from 'fp-ts/Either';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import { ExpirePaymentEffect } from './payment-effect-kinds.js';
import { stopTransaction, type PaymentTransactionDesk } from './payment-transaction-commands.js';

/** The expiry of a payment transaction (the provider unreachable: the outbox tries again, with backoff). */
export function paymentEffectHandlers(desk: PaymentTransactionDesk): EffectPerformer[] {
  return [
    performs(ExpirePaymentEffect, async ({ transactionId }, { correlationId }) => {
      const outcome = await stopTransaction(desk, transactionId, { kind: 'expiry' }, correlationId ?? `payment-expiry:${transactionId}`);
      if (isLeft(outcome) && outcome.left.kind !== 'not_found') throw new Error(`${outcome.left.code}: ${outcome.left.message}`);
    }),
  ];
}
