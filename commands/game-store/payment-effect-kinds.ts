import * as t from 'io-ts';
import { effectKind } from '../../sagas/effect-kind.js';

/** A payment transaction's time ran out: cancel it at the provider (where that can be done) and fail it. Enqueued by the payment-expiry saga, performed by payment-effects.ts. */
export const ExpirePaymentEffect = effectKind('game-store.expire-payment', t.type({ transactionId: t.string }));
