import * as t from 'io-ts';
import { ExpirePaymentEffect } from '../../commands/game-store/payment-effect-kinds.js';
import { pickEvents } from '../../domain/event-codec.js';
import { PaymentTransactionEvent } from '../../domain/game-store/payment-transaction.js';
import { defineSaga, sagaTimer, type SagaReaction } from '../saga.js';

export const PAYMENT_EXPIRY = 'game-store-payment-expiry';
const ExpiryTimer = sagaTimer(PAYMENT_EXPIRY, t.type({ flowId: t.string }));
const timerId = (transactionId: string) => `payment-expiry:${transactionId}`;

interface PaymentExpiryState {
  readonly open?: boolean;
}

/**
 * A payment transaction neither completed nor failed by its `expiresAt`
 * (PAYMENT_EXPIRY_MINUTES after initiation) is cancelled at the provider and failed: a durable
 * timer per transaction, cancelled as soon as the transaction reaches a final status. The
 * effect asks the provider first, so a payment that succeeded just before the deadline still
 * completes.
 */
export function paymentExpirySaga() {
  return defineSaga({
    name: PAYMENT_EXPIRY,
    events: pickEvents(PaymentTransactionEvent, ['PaymentTransactionInitiated', 'PaymentTransactionCompleted', 'PaymentTransactionFailed', 'PaymentTransactionCancelled']),
    timer: ExpiryTimer,
    initialState: {} as PaymentExpiryState,
    flowId: (event) => event.streamName.slice('PaymentTransaction-'.length),
    react(_state, event): SagaReaction<PaymentExpiryState> {
      if (event.type === 'PaymentTransactionInitiated') {
        const transactionId = event.data.transactionId;
        return { state: { open: true }, schedule: [ExpiryTimer.at(timerId(transactionId), new Date(event.data.expiresAt), { flowId: transactionId })] };
      }
      return { state: { open: false }, cancelTimers: [timerId(event.streamName.slice('PaymentTransaction-'.length))] };
    },
    onTimer(state, timer) {
      if (!state.open) return { state };
      return { state, effects: [ExpirePaymentEffect.effect(`payment-expiry:${timer.payload.flowId}`, { transactionId: timer.payload.flowId })] };
    },
  });
}
