import type { Either } from 'fp-ts/Either';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import type { Logger } from '../../adapters/observability/logger.js';
import type { DomainError } from '../../domain/decider.js';
import type { Clock } from '../../platform/clock.js';
import { gameOrderDecider, streamOfGameOrder, type GameOrderCommand } from '../../domain/game-store/game-order.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import { PermanentEffectFailure } from '../../sagas/outbox-worker.js';
import { handleCommand } from '../command-handler.js';
import { derivedUuid } from '../derived-uuid.js';
import { loadAggregate } from '../load-aggregate.js';
import { ProviderRefusal, type PaymentProvider, type ProviderName, type ProviderRefundState } from './ports/payment-provider.js';
import type { DeveloperLedgerDesk, LibraryDesk } from './purchase-followers.js';
import {
  AddOrderToLibrary,
  CancelOrderForPayment,
  CompleteOrderForPayment,
  CompleteOrderProcessing,
  CreditDeveloperForSale,
  DebitDeveloperForRefund,
  RefundOrderAtProvider,
  RefundStrayPayment,
  RemoveRefundedFromLibrary,
  refundEntryId,
  saleEntryId,
} from './purchase-effect-kinds.js';

const ACTOR = 'system:purchase-saga';

export interface PurchaseEffectDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly library: LibraryDesk;
  readonly ledger: DeveloperLedgerDesk;
  readonly providers: ReadonlyMap<ProviderName, PaymentProvider>;
}

/** The refund id a stray payment is returned under (the provider's idempotency key derives from it). */
export const strayRefundIdOf = (transactionId: string, providerPaymentId: string): string => derivedUuid('stray-refund', transactionId, providerPaymentId);

/** Contention (`*.busy`) and other answers worth another try are thrown: the outbox retries with backoff. */
function retryIfBusy<T>(outcome: Either<DomainError, T>): Either<DomainError, T> {
  if (outcome._tag === 'Left' && outcome.left.kind === 'rate_limited') throw new Error(outcome.left.message);
  return outcome;
}

/**
 * How the purchase saga's steps are performed (P-5). Every handler is idempotent: order
 * commands carry a command id derived from the step (a retry returns what the first did), the
 * library and the ledgers are idempotent by their ids, and a provider's refund is keyed by our
 * refund id. A provider that cannot answer now throws: the outbox tries again later.
 */
export function purchaseEffectHandlers(deps: PurchaseEffectDependencies): EffectPerformer[] {
  const decideOrder = (orderId: string, command: GameOrderCommand, commandId: string, correlationId: string | null, now: Date) =>
    handleCommand(deps.store, gameOrderDecider, streamOfGameOrder(orderId), command, { commandId, correlationId: correlationId ?? `order:${orderId}`, actor: ACTOR, now }, { maxRetries: 50 });
  const loadOrder = async (orderId: string) => {
    const state = (await loadAggregate(deps.store, gameOrderDecider, streamOfGameOrder(orderId))).state;
    if (state.status === 'none') throw new PermanentEffectFailure(`order ${orderId} is not recorded`);
    return state;
  };
  const providerOf = (name: string): PaymentProvider => {
    const provider = deps.providers.get(name as ProviderName);
    if (!provider) throw new PermanentEffectFailure(`payment provider ${name} is not configured`);
    return provider;
  };

  return [
    performs(CompleteOrderForPayment, async (p, { correlationId }) => {
      const outcome = await decideOrder(
        p.orderId,
        { type: 'CompleteOrder', transactionId: p.transactionId, provider: p.provider, providerPaymentId: p.providerPaymentId, paidMinor: p.paidMinor, at: p.decidedAt },
        `order-complete:${p.orderId}:${p.transactionId}`,
        correlationId,
        new Date(p.decidedAt),
      );
      // paid by another payment, or cancelled: that payment is the saga's to refund (it sees the order's outcome)
      if (outcome._tag === 'Left') deps.logger.info({ orderId: p.orderId, transactionId: p.transactionId, code: outcome.left.code }, 'payment does not complete the order');
    }),
    performs(CancelOrderForPayment, async (p, { correlationId }) => {
      const outcome = await decideOrder(p.orderId, { type: 'CancelOrder', reason: p.reason, transactionId: p.transactionId, at: p.decidedAt }, `order-cancel:${p.orderId}`, correlationId, new Date(p.decidedAt));
      if (outcome._tag === 'Left') deps.logger.info({ orderId: p.orderId, code: outcome.left.code }, 'order not cancelled');
    }),
    performs(AddOrderToLibrary, async (p, { correlationId }) => {
      const now = new Date(p.decidedAt);
      const outcome = retryIfBusy(
        await deps.library.addPurchasedGames({ buyerId: p.buyerId, orderId: p.orderId, games: p.games, purchasedAt: new Date(p.purchasedAt), now, correlationId: correlationId ?? `order:${p.orderId}` }),
      );
      if (outcome._tag === 'Left') throw new PermanentEffectFailure(`library of ${p.buyerId}: ${outcome.left.message}`);
      if (outcome.right.alreadyOwned.length === 0) return;
      // two orders of one game paid at once: the buyer owns it through the other, this one is paid back
      const refunded = await decideOrder(
        p.orderId,
        { type: 'RequestRefund', refundId: derivedUuid('already-owned', p.orderId), productIds: outcome.right.alreadyOwned, reason: 'already owned through another order', by: ACTOR, at: p.decidedAt },
        `order-refund-owned:${p.orderId}`,
        correlationId,
        now,
      );
      if (refunded._tag === 'Left' && refunded.left.code !== 'refund.item_refunded') throw new PermanentEffectFailure(`order ${p.orderId}: ${refunded.left.message}`);
    }),
    performs(CreditDeveloperForSale, async (p, { correlationId }) => {
      const outcome = retryIfBusy(
        await deps.ledger.creditSale({
          developerId: p.developerId,
          entryId: saleEntryId(p.orderId, p.productId),
          orderId: p.orderId,
          productId: p.productId,
          saleMinor: BigInt(p.saleMinor),
          currency: p.currency,
          now: new Date(p.decidedAt),
          correlationId: correlationId ?? `order:${p.orderId}`,
        }),
      );
      if (outcome._tag === 'Left') throw new PermanentEffectFailure(`ledger of ${p.developerId}: ${outcome.left.message}`);
    }),
    performs(CompleteOrderProcessing, async (p, { correlationId }) => {
      const outcome = await decideOrder(p.orderId, { type: 'CompleteProcessing', at: p.decidedAt }, `order-processed:${p.orderId}`, correlationId, new Date(p.decidedAt));
      if (outcome._tag === 'Left') throw new PermanentEffectFailure(`order ${p.orderId}: ${outcome.left.message}`);
    }),
    performs(RefundOrderAtProvider, async (p, { correlationId }) => {
      const now = new Date(p.decidedAt);
      const order = await loadOrder(p.orderId);
      const refund = order.refunds.find((r) => r.refundId === p.refundId);
      if (!refund || refund.status !== 'requested') return; // decided already
      if (!order.payment) throw new PermanentEffectFailure(`order ${p.orderId} has no payment to refund`);
      const provider = providerOf(order.payment.provider);
      const amountMinor = BigInt(refund.amountMinor);
      let answer: ProviderRefundState;
      try {
        answer = refund.providerRefundId
          ? await provider.fetchRefund({ providerRefundId: refund.providerRefundId, providerPaymentId: order.payment.providerPaymentId, refundId: p.refundId, amountMinor })
          : await provider.refundPayment({
              refundId: p.refundId,
              transactionId: order.payment.transactionId,
              providerPaymentId: order.payment.providerPaymentId,
              amountMinor,
              currency: 'RUB',
              description: `Refund of order ${p.orderId}`,
            });
      } catch (error) {
        if (!(error instanceof ProviderRefusal)) throw error; // unknown outcome: the same refund id again later
        await decideOrder(p.orderId, { type: 'FailRefund', refundId: p.refundId, reason: `${error.code}: ${error.message}`, at: now.toISOString() }, `order-refund-failed:${p.refundId}`, correlationId, now);
        return;
      }
      const at = deps.clock.now().toISOString();
      if (answer.status === 'succeeded') {
        const confirmed = await decideOrder(
          p.orderId,
          { type: 'ConfirmRefund', refundId: p.refundId, providerRefundId: answer.providerRefundId, amountMinor: answer.amountMinor.toString(), at },
          `order-refund-confirmed:${p.refundId}`,
          correlationId,
          new Date(at),
        );
        if (confirmed._tag === 'Left') throw new PermanentEffectFailure(`order ${p.orderId}: ${confirmed.left.message}`);
      } else if (answer.status === 'failed') {
        await decideOrder(p.orderId, { type: 'FailRefund', refundId: p.refundId, reason: answer.reason ?? answer.providerStatus, at }, `order-refund-failed:${p.refundId}`, correlationId, new Date(at));
      } else {
        await decideOrder(p.orderId, { type: 'RecordRefundPending', refundId: p.refundId, providerRefundId: answer.providerRefundId, at }, `order-refund-pending:${p.refundId}`, correlationId, new Date(at));
        throw new Error(`refund ${p.refundId} is ${answer.providerStatus} at ${provider.name}: asked again later`);
      }
    }),
    performs(RemoveRefundedFromLibrary, async (p, { correlationId }) => {
      const outcome = retryIfBusy(
        await deps.library.removeRefundedGames({ buyerId: p.buyerId, orderId: p.orderId, refundId: p.refundId, productIds: p.productIds, now: new Date(p.decidedAt), correlationId: correlationId ?? `order:${p.orderId}` }),
      );
      if (outcome._tag === 'Left') throw new PermanentEffectFailure(`library of ${p.buyerId}: ${outcome.left.message}`);
    }),
    performs(DebitDeveloperForRefund, async (p, { correlationId }) => {
      const outcome = retryIfBusy(
        await deps.ledger.debitRefund({
          developerId: p.developerId,
          entryId: refundEntryId(p.orderId, p.refundId, p.productId),
          orderId: p.orderId,
          refundId: p.refundId,
          productId: p.productId,
          now: new Date(p.decidedAt),
          correlationId: correlationId ?? `order:${p.orderId}`,
        }),
      );
      if (outcome._tag === 'Left') throw new PermanentEffectFailure(`ledger of ${p.developerId}: ${outcome.left.message}`);
    }),
    performs(RefundStrayPayment, async (p, { correlationId }) => {
      const provider = providerOf(p.provider);
      const refundId = strayRefundIdOf(p.transactionId, p.providerPaymentId);
      const amountMinor = BigInt(p.amountMinor);
      let answer: ProviderRefundState;
      try {
        answer = await provider.refundPayment({ refundId, transactionId: p.transactionId, providerPaymentId: p.providerPaymentId, amountMinor, currency: 'RUB', description: `Refund of a payment that does not pay order ${p.orderId}` });
        if (answer.status === 'pending') answer = await provider.fetchRefund({ providerRefundId: answer.providerRefundId, providerPaymentId: p.providerPaymentId, refundId, amountMinor });
      } catch (error) {
        if (error instanceof ProviderRefusal) throw new PermanentEffectFailure(`stray payment ${p.providerPaymentId} of order ${p.orderId} not refunded: ${error.code} ${error.message}`);
        throw error;
      }
      if (answer.status === 'pending') throw new Error(`stray refund ${refundId} is ${answer.providerStatus}: asked again later`);
      if (answer.status === 'failed') throw new PermanentEffectFailure(`stray payment ${p.providerPaymentId} of order ${p.orderId} not refunded: ${answer.reason ?? answer.providerStatus}`);
      const at = deps.clock.now().toISOString();
      const recorded = await decideOrder(
        p.orderId,
        { type: 'RecordStrayRefund', transactionId: p.transactionId, providerPaymentId: p.providerPaymentId, providerRefundId: answer.providerRefundId, amountMinor: p.amountMinor, reason: p.reason, at },
        `order-stray-refund:${p.transactionId}:${p.providerPaymentId}`,
        correlationId,
        new Date(at),
      );
      if (recorded._tag === 'Left') throw new PermanentEffectFailure(`order ${p.orderId}: ${recorded.left.message}`);
    }),
  ];
}
