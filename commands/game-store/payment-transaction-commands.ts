import { isLeft, left, right, type Either } from 'fp-ts/Either';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import {
  FINAL_STATUSES,
  paymentTransactionDecider,
  streamOfPaymentTransaction,
  type Observation,
  type PaymentTransactionCommand,
  type PaymentTransactionEvent,
  type PaymentTransactionState,
} from '../../domain/game-store/payment-transaction.js';
import type { Clock } from '../../platform/clock.js';
import { handleCommand, type CommandOutcome } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';
import { ProviderRefusal, type PaymentProvider, type ProviderName, type ProviderPaymentState } from './ports/payment-provider.js';

/** What the payment flows (initiate, webhooks, expiry, the buyer's cancel) act through. */
export interface PaymentTransactionDesk {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly providers: ReadonlyMap<ProviderName, PaymentProvider>;
}

export const observationOf = (payment: ProviderPaymentState): Observation => ({
  providerPaymentId: payment.providerPaymentId,
  status: payment.status,
  providerStatus: payment.providerStatus,
  amountMinor: payment.amountMinor.toString(),
  ...(payment.reason === undefined ? {} : { reason: payment.reason }),
});

export function decideTransaction(
  desk: PaymentTransactionDesk,
  transactionId: string,
  command: PaymentTransactionCommand,
  context: { readonly correlationId: string; readonly actor: string },
): Promise<Either<DomainError, CommandOutcome<PaymentTransactionEvent, PaymentTransactionState>>> {
  return handleCommand(desk.store, paymentTransactionDecider, streamOfPaymentTransaction(transactionId), command, { now: desk.clock.now(), correlationId: context.correlationId, actor: context.actor });
}

export async function loadTransaction(desk: PaymentTransactionDesk, transactionId: string): Promise<PaymentTransactionState> {
  return (await loadAggregate(desk.store, paymentTransactionDecider, streamOfPaymentTransaction(transactionId))).state;
}

/**
 * Stop a transaction that is not final: ask the provider to cancel its payment (where there is
 * one), record what the provider answers (it may have been paid in the meantime: then it
 * completes), then — still not final — fail it as expired or cancel it for the buyer.
 * ProviderUnavailable propagates: the caller (the outbox, the buyer) tries again.
 */
export async function stopTransaction(
  desk: PaymentTransactionDesk,
  transactionId: string,
  why: { readonly kind: 'expiry' } | { readonly kind: 'buyer'; readonly by: string },
  correlationId: string,
): Promise<Either<DomainError, PaymentTransactionState>> {
  const actor = why.kind === 'expiry' ? 'system:payment-expiry' : why.by;
  const state = await loadTransaction(desk, transactionId);
  if (state.status === 'none') return left(domainError('not_found', 'payment.transaction_not_found', 'no such payment transaction'));
  if (why.kind === 'expiry' && FINAL_STATUSES.includes(state.status)) return right(state);
  const provider = desk.providers.get(state.provider as ProviderName);
  if (state.providerPaymentId !== undefined && provider && state.status === 'processing') {
    let answer: ProviderPaymentState;
    try {
      answer = await provider.cancelPayment(state.providerPaymentId, transactionId);
    } catch (error) {
      // "cannot change the status" (it expired there, or was paid a moment ago): what is it now?
      if (!(error instanceof ProviderRefusal)) throw error;
      answer = await provider.fetchPayment(state.providerPaymentId);
    }
    const observed = await decideTransaction(desk, transactionId, { type: 'ObservePayment', payment: observationOf(answer), source: why.kind === 'expiry' ? 'expiry' : 'cancel', at: desk.clock.now().toISOString() }, { correlationId, actor });
    if (isLeft(observed)) return observed;
  }
  const at = desk.clock.now().toISOString();
  const outcome = await decideTransaction(
    desk,
    transactionId,
    why.kind === 'expiry' ? { type: 'ExpireTransaction', at } : { type: 'CancelTransaction', reason: 'cancelled by the buyer', by: why.by, at },
    { correlationId, actor },
  );
  if (isLeft(outcome)) return outcome;
  return right(outcome.right.state);
}
