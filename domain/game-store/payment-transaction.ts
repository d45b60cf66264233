import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * One payment transaction of an order at one provider (P-3, P-4), stream
 * `PaymentTransaction-<id>`. The intent is recorded BEFORE the provider is called
 * (`PaymentTransactionInitiated`, status `created`), so a crash between "called the provider"
 * and "recorded it" is seen on the retry and resumed with the same provider key instead of
 * making a second payment. Every later word of the provider (the answer to the create call, a
 * webhook, what the expiry found) arrives as an observation; the decider moves the status only
 * forward: created → processing → completed | failed | cancelled, completed → refunded.
 *
 * A success the provider reports after we gave up (expired, failed, or on a payment we had
 * replaced) never revives the transaction: it is recorded once as `LatePaymentObserved` — money
 * was taken for nothing, and the purchase saga refunds it (issue 13).
 *
 * Amounts are whole minor units as decimal strings.
 */
const By = t.string;

export const NextStep = t.union([
  t.type({ kind: t.literal('redirect'), url: t.string }),
  t.type({ kind: t.literal('qr'), payload: t.string }),
  t.type({ kind: t.literal('sdk'), data: t.record(t.string, t.string) }),
]);
export type NextStep = t.TypeOf<typeof NextStep>;

export const PaymentTransactionEvent = t.union([
  eventCodec(
    'PaymentTransactionInitiated',
    t.type({
      transactionId: t.string,
      orderId: t.string,
      buyerId: t.string,
      provider: t.string,
      method: t.string,
      amountMinor: t.string,
      currency: t.string,
      /** The order's products (who owns what once it is paid). */
      productIds: t.array(t.string),
      successUrl: t.string,
      failUrl: t.string,
      expiresAt: t.string,
      initiatedAt: t.string,
      by: By,
    }),
  ),
  /** The provider created its payment (or a webhook revealed the one a crash left unrecorded). */
  eventCodec('ProviderPaymentCreated', t.type({ providerPaymentId: t.string, providerStatus: t.string, next: t.union([NextStep, t.null]), createdAt: t.string })),
  /** The provider refused to create it (a definitive no: 4xx, `Success: false`). */
  eventCodec('ProviderPaymentRefused', t.type({ code: t.string, message: t.string, refusedAt: t.string })),
  /** The provider's own status moved without deciding anything (T-Bank AUTHORIZED …): history only. */
  eventCodec('ProviderStatusObserved', t.type({ providerPaymentId: t.string, providerStatus: t.string, source: t.string, observedAt: t.string })),
  eventCodec('PaymentTransactionCompleted', t.type({ providerPaymentId: t.string, providerStatus: t.string, amountMinor: t.string, source: t.string, completedAt: t.string })),
  eventCodec('PaymentTransactionFailed', t.type({ providerPaymentId: t.union([t.string, t.null]), providerStatus: t.union([t.string, t.null]), reason: t.string, source: t.string, failedAt: t.string })),
  eventCodec('PaymentTransactionCancelled', t.type({ providerPaymentId: t.union([t.string, t.null]), providerStatus: t.union([t.string, t.null]), reason: t.string, source: t.string, cancelledAt: t.string, by: t.union([By, t.null]) })),
  eventCodec('PaymentTransactionRefunded', t.type({ providerPaymentId: t.string, providerStatus: t.string, source: t.string, refundedAt: t.string })),
  eventCodec('LatePaymentObserved', t.type({ providerPaymentId: t.string, providerStatus: t.string, amountMinor: t.string, source: t.string, observedAt: t.string })),
]);
export type PaymentTransactionEvent = t.TypeOf<typeof PaymentTransactionEvent>;
export type PaymentTransactionInitiated = Extract<PaymentTransactionEvent, { type: 'PaymentTransactionInitiated' }>;

export type TransactionStatus = 'created' | 'processing' | 'completed' | 'failed' | 'cancelled' | 'refunded';
export const FINAL_STATUSES: readonly TransactionStatus[] = ['completed', 'failed', 'cancelled', 'refunded'];

export type PaymentTransactionState =
  | { readonly status: 'none' }
  | (PaymentTransactionInitiated['data'] & {
      readonly status: TransactionStatus;
      readonly providerPaymentId: string | undefined;
      readonly lastProviderStatus: string | undefined;
      readonly next: NextStep | undefined;
      /** Payment ids we stopped following (a resumed T-Bank order's cancelled attempt). */
      readonly formerPaymentIds: readonly string[];
      readonly lateObserved: readonly string[];
    });

/** What the provider says about a payment, normalized (the port's ProviderPaymentState, as plain data). */
export interface Observation {
  readonly providerPaymentId: string;
  readonly status: 'pending' | 'succeeded' | 'failed' | 'cancelled' | 'refunded';
  readonly providerStatus: string;
  readonly amountMinor: string;
  readonly reason?: string | undefined;
}

export type PaymentTransactionCommand =
  | { readonly type: 'InitiateTransaction'; readonly transaction: PaymentTransactionInitiated['data'] }
  | { readonly type: 'RecordProviderPayment'; readonly payment: Observation; readonly next: NextStep | undefined; readonly at: string }
  | { readonly type: 'RecordProviderRefusal'; readonly code: string; readonly message: string; readonly at: string }
  /** A webhook, a poll, what a cancel call answered. */
  | { readonly type: 'ObservePayment'; readonly payment: Observation; readonly source: 'webhook' | 'expiry' | 'cancel'; readonly at: string }
  /** The expiry fired (after the provider was asked to cancel and its answer observed). */
  | { readonly type: 'ExpireTransaction'; readonly at: string }
  | { readonly type: 'CancelTransaction'; readonly reason: string; readonly by: string; readonly at: string };

export const streamOfPaymentTransaction = (transactionId: string): string => `PaymentTransaction-${transactionId}`;
export const paymentTransactionOfStream = (stream: string): string | undefined =>
  stream.startsWith('PaymentTransaction-') ? stream.slice('PaymentTransaction-'.length) : undefined;

type Live = Exclude<PaymentTransactionState, { status: 'none' }>;
const isFinal = (status: TransactionStatus) => FINAL_STATUSES.includes(status);

function observe(state: Live, payment: Observation, source: string, at: string): readonly PaymentTransactionEvent[] {
  const events: PaymentTransactionEvent[] = [];
  let current: string | undefined = state.providerPaymentId;
  if (current === undefined) {
    // a crash left the created payment unrecorded: the provider's word (re-fetched or signed) names it
    events.push({ type: 'ProviderPaymentCreated', data: { providerPaymentId: payment.providerPaymentId, providerStatus: payment.providerStatus, next: null, createdAt: at } });
    current = payment.providerPaymentId;
  }
  const paid = payment.status === 'succeeded' || payment.status === 'refunded';
  if (payment.providerPaymentId !== current) {
    // a payment we replaced (cancelled before a new Init): only a success on it matters
    if (paid && !state.lateObserved.includes(payment.providerPaymentId)) {
      events.push({ type: 'LatePaymentObserved', data: { providerPaymentId: payment.providerPaymentId, providerStatus: payment.providerStatus, amountMinor: payment.amountMinor, source, observedAt: at } });
    }
    return events;
  }
  if (paid && payment.amountMinor !== state.amountMinor && state.status !== 'completed' && state.status !== 'refunded') return events; // refused before (see decide)
  const base = { providerPaymentId: current, providerStatus: payment.providerStatus, source };
  switch (state.status) {
    case 'created':
    case 'processing':
      if (payment.status === 'pending') {
        const adopted = events.length > 0; // the adoption event carries the status already
        if (!adopted && payment.providerStatus !== state.lastProviderStatus) {
          events.push({ type: 'ProviderStatusObserved', data: { providerPaymentId: current, providerStatus: payment.providerStatus, source, observedAt: at } });
        }
      } else if (payment.status === 'succeeded') {
        events.push({ type: 'PaymentTransactionCompleted', data: { ...base, amountMinor: payment.amountMinor, completedAt: at } });
      } else if (payment.status === 'refunded') {
        events.push({ type: 'PaymentTransactionCompleted', data: { ...base, amountMinor: payment.amountMinor, completedAt: at } });
        events.push({ type: 'PaymentTransactionRefunded', data: { ...base, refundedAt: at } });
      } else if (payment.status === 'failed' || source === 'expiry') {
        // our deadline passed: whatever the provider calls it now (cancelled by us, expired there), the transaction failed
        events.push({ type: 'PaymentTransactionFailed', data: { ...base, reason: source === 'expiry' ? 'expired' : (payment.reason ?? payment.providerStatus), failedAt: at } });
      } else {
        events.push({ type: 'PaymentTransactionCancelled', data: { ...base, reason: payment.reason ?? payment.providerStatus, cancelledAt: at, by: null } });
      }
      return events;
    case 'completed':
      if (payment.status === 'refunded') events.push({ type: 'PaymentTransactionRefunded', data: { ...base, refundedAt: at } });
      return events; // never backwards
    case 'refunded':
      return events;
    case 'failed':
    case 'cancelled':
      if (paid && !state.lateObserved.includes(current)) {
        events.push({ type: 'LatePaymentObserved', data: { ...base, amountMinor: payment.amountMinor, observedAt: at } });
      }
      return events;
  }
}

export const paymentTransactionDecider: EventSourcedDecider<PaymentTransactionCommand, PaymentTransactionEvent, PaymentTransactionState> = {
  events: PaymentTransactionEvent,
  initialState: { status: 'none' },
  decide: (command, state) => {
    if (command.type === 'InitiateTransaction') {
      if (state.status !== 'none') {
        const same = state.orderId === command.transaction.orderId && state.provider === command.transaction.provider && state.buyerId === command.transaction.buyerId;
        return same ? right([]) : left(domainError('conflict', 'payment.transaction_exists', `transaction ${command.transaction.transactionId} already exists for another order`));
      }
      if (!/^[1-9]\d*$/.test(command.transaction.amountMinor)) return left(domainError('rule_violated', 'payment.amount_invalid', 'a payment needs a positive amount'));
      return right([{ type: 'PaymentTransactionInitiated', data: command.transaction }]);
    }
    if (state.status === 'none') return left(domainError('not_found', 'payment.transaction_not_found', 'no such payment transaction'));
    switch (command.type) {
      case 'RecordProviderPayment': {
        if (state.status !== 'created') {
          // a retry that reached the provider again: the same payment is known already
          if (state.providerPaymentId === command.payment.providerPaymentId) return right([]);
          // a notification about the attempt a resume replaced got here first: our own create's answer is the payment the buyer sees
          if (isFinal(state.status)) return right(observe(state, command.payment, 'create', command.at));
        }
        const created: PaymentTransactionEvent = {
          type: 'ProviderPaymentCreated',
          data: { providerPaymentId: command.payment.providerPaymentId, providerStatus: command.payment.providerStatus, next: command.next ?? null, createdAt: command.at },
        };
        const after = paymentTransactionDecider.evolve(state, created) as Live;
        return right([created, ...(command.payment.status === 'pending' ? [] : observe(after, command.payment, 'create', command.at))]);
      }
      case 'RecordProviderRefusal':
        if (state.status !== 'created') return right([]);
        return right([
          { type: 'ProviderPaymentRefused', data: { code: command.code, message: command.message, refusedAt: command.at } },
          { type: 'PaymentTransactionFailed', data: { providerPaymentId: null, providerStatus: null, reason: `provider refused: ${command.code}`, source: 'create', failedAt: command.at } },
        ]);
      case 'ObservePayment': {
        const paid = command.payment.status === 'succeeded' || command.payment.status === 'refunded';
        // once completed, a refund's news (T-Bank PARTIAL_REFUNDED / REFUNDED) may name what is left rather than what was paid
        const settled = state.status === 'completed' || state.status === 'refunded';
        if (paid && !settled && command.payment.amountMinor !== state.amountMinor) {
          return left(domainError('rule_violated', 'payment.amount_mismatch', `the provider reports ${command.payment.amountMinor} minor units paid, the transaction is for ${state.amountMinor}`));
        }
        return right(observe(state, command.payment, command.source, command.at));
      }
      case 'ExpireTransaction':
        if (isFinal(state.status)) return right([]);
        return right([{ type: 'PaymentTransactionFailed', data: { providerPaymentId: state.providerPaymentId ?? null, providerStatus: state.lastProviderStatus ?? null, reason: 'expired', source: 'expiry', failedAt: command.at } }]);
      case 'CancelTransaction':
        if (isFinal(state.status)) {
          return state.status === 'cancelled' ? right([]) : left(domainError('conflict', 'payment.already_final', `the transaction is already ${state.status}`));
        }
        return right([{ type: 'PaymentTransactionCancelled', data: { providerPaymentId: state.providerPaymentId ?? null, providerStatus: state.lastProviderStatus ?? null, reason: command.reason, source: 'buyer', cancelledAt: command.at, by: command.by } }]);
    }
  },
  evolve: (state, event) => {
    if (event.type === 'PaymentTransactionInitiated') {
      return { ...event.data, status: 'created', providerPaymentId: undefined, lastProviderStatus: undefined, next: undefined, formerPaymentIds: [], lateObserved: [] };
    }
    if (state.status === 'none') return state;
    switch (event.type) {
      case 'ProviderPaymentCreated':
        return {
          ...state,
          status: isFinal(state.status) ? state.status : 'processing',
          formerPaymentIds: state.providerPaymentId && state.providerPaymentId !== event.data.providerPaymentId ? [...state.formerPaymentIds, state.providerPaymentId] : state.formerPaymentIds,
          providerPaymentId: event.data.providerPaymentId,
          lastProviderStatus: event.data.providerStatus,
          next: event.data.next ?? undefined,
        };
      case 'ProviderPaymentRefused':
        return state;
      case 'ProviderStatusObserved':
        return { ...state, lastProviderStatus: event.data.providerStatus };
      case 'PaymentTransactionCompleted':
        return { ...state, status: 'completed', lastProviderStatus: event.data.providerStatus };
      case 'PaymentTransactionFailed':
        return { ...state, status: 'failed', lastProviderStatus: event.data.providerStatus ?? state.lastProviderStatus };
      case 'PaymentTransactionCancelled':
        return { ...state, status: 'cancelled', lastProviderStatus: event.data.providerStatus ?? state.lastProviderStatus };
      case 'PaymentTransactionRefunded':
        return { ...state, status: 'refunded', lastProviderStatus: event.data.providerStatus };
      case 'LatePaymentObserved':
        return { ...state, lateObserved: [...state.lateObserved, event.data.providerPaymentId] };
    }
  },
};
