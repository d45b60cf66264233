import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * A 54-FZ fiscal receipt of a game order (SPEC P-5, issue 13): one for the sale (`sell`), one per
 * refund (`sell_refund`, mirroring the refunded lines). Stream `FiscalReceipt-<receiptId>`.
 *
 * The receipt is requested with everything FFD 1.2 needs except the buyer's e-mail (personal
 * data: looked up when it is sent, never recorded here). Each submission to the cloud register
 * is an attempt with its own `external_id` (`<receiptId>.<attempt>`): resending the same
 * attempt is a duplicate at the register (idempotent); a register that failed an attempt for a
 * transient reason (a queue timeout) gets a new attempt. Status: `requested` → `submitted` →
 * `fiscalized_success`, or `fiscalized_failed` when the register refused it for good (support
 * can retry it: a new attempt).
 *
 * Amounts are decimal strings of minor units.
 */
export const FiscalReceiptLine = t.type({
  productId: t.string,
  name: t.string,
  unitPriceMinor: t.string,
  quantity: t.number,
  sumMinor: t.string,
  /** Tag 1199 (cash-register port VAT_RATES). */
  vat: t.string,
  /** Tag 1212 (PAYMENT_SUBJECTS). */
  paymentObject: t.string,
  /** Tag 1214: full_payment for a key delivered at payment. */
  paymentMethod: t.string,
});
export type FiscalReceiptLine = t.TypeOf<typeof FiscalReceiptLine>;

export const FiscalCompanyData = t.type({ inn: t.string, taxSystem: t.string, paymentAddress: t.string, email: t.string });

export const FiscalAttributesData = t.type({
  fiscalDocumentNumber: t.string,
  fiscalSign: t.string,
  fiscalDriveNumber: t.string,
  registerNumber: t.string,
  receiptNumber: t.string,
  shiftNumber: t.string,
  registeredAt: t.string,
  totalMinor: t.string,
  ofdReceiptUrl: t.union([t.string, t.null]),
});
export type FiscalAttributesData = t.TypeOf<typeof FiscalAttributesData>;

export const FiscalReceiptEvent = t.union([
  eventCodec(
    'FiscalReceiptRequested',
    t.type({
      receiptId: t.string,
      orderId: t.string,
      buyerId: t.string,
      /** null for the sale's receipt. */
      refundId: t.union([t.string, t.null]),
      operation: t.keyof({ sell: null, sell_refund: null }),
      lines: t.array(FiscalReceiptLine),
      totalMinor: t.string,
      currency: t.string,
      company: FiscalCompanyData,
      /** When the sale (refund) happened: the receipt's timestamp. */
      settledAt: t.string,
      requestedAt: t.string,
    }),
  ),
  eventCodec('FiscalReceiptSubmitted', t.type({ receiptId: t.string, attempt: t.number, externalId: t.string, uuid: t.string, register: t.string, duplicate: t.boolean, submittedAt: t.string })),
  eventCodec('FiscalReceiptFiscalized', t.intersection([t.type({ receiptId: t.string, orderId: t.string, operation: t.string, uuid: t.string, fiscalizedAt: t.string }), FiscalAttributesData])),
  /** An attempt failed; `permanent`: the receipt is `fiscalized_failed` until support retries it. */
  eventCodec('FiscalReceiptAttemptFailed', t.type({ receiptId: t.string, orderId: t.string, operation: t.string, attempt: t.number, uuid: t.union([t.string, t.null]), code: t.string, text: t.string, permanent: t.boolean, failedAt: t.string })),
  eventCodec('FiscalReceiptRetried', t.type({ receiptId: t.string, attempt: t.number, by: t.string, retriedAt: t.string })),
]);
export type FiscalReceiptEvent = t.TypeOf<typeof FiscalReceiptEvent>;
export type FiscalReceiptRequested = Extract<FiscalReceiptEvent, { type: 'FiscalReceiptRequested' }>;

export type FiscalReceiptStatus = 'requested' | 'submitted' | 'fiscalized_success' | 'fiscalized_failed';

export type FiscalReceiptState =
  | { readonly status: 'none' }
  | (FiscalReceiptRequested['data'] & {
      readonly status: FiscalReceiptStatus;
      /** The current attempt (1 first). */
      readonly attempt: number;
      /** The register's uuid of the current attempt, once submitted. */
      readonly uuid: string | undefined;
      readonly fiscal: FiscalAttributesData | undefined;
      readonly lastError: { readonly code: string; readonly text: string } | undefined;
    });

export type FiscalReceiptCommand =
  | { readonly type: 'RequestReceipt'; readonly receipt: FiscalReceiptRequested['data'] }
  | { readonly type: 'RecordSubmission'; readonly attempt: number; readonly uuid: string; readonly register: string; readonly duplicate: boolean; readonly at: string }
  | { readonly type: 'RecordFiscalization'; readonly uuid: string; readonly fiscal: FiscalAttributesData; readonly at: string }
  | { readonly type: 'RecordAttemptFailure'; readonly attempt: number; readonly uuid: string | null; readonly code: string; readonly text: string; readonly permanent: boolean; readonly at: string }
  /** Support (or the retried dead letter) tries a failed receipt again. */
  | { readonly type: 'RetryReceipt'; readonly by: string; readonly at: string };

export const streamOfFiscalReceipt = (receiptId: string): string => `FiscalReceipt-${receiptId}`;
export const fiscalReceiptOfStream = (stream: string): string | undefined => (stream.startsWith('FiscalReceipt-') ? stream.slice('FiscalReceipt-'.length) : undefined);
/** The register's idempotency key of one attempt. */
export const externalIdOf = (receiptId: string, attempt: number): string => `${receiptId}.${attempt}`;

export const fiscalReceiptDecider: EventSourcedDecider<FiscalReceiptCommand, FiscalReceiptEvent, FiscalReceiptState> = {
  events: FiscalReceiptEvent,
  initialState: { status: 'none' },
  decide: (command, state) => {
    if (command.type === 'RequestReceipt') {
      if (state.status !== 'none') return right([]); // requested already: the same receipt
      const r = command.receipt;
      if (r.lines.length === 0) return left(domainError('rule_violated', 'receipt.empty', 'a receipt needs at least one line'));
      const sum = r.lines.reduce((total, line) => total + BigInt(line.sumMinor), 0n);
      if (sum.toString() !== r.totalMinor) return left(domainError('rule_violated', 'receipt.total_mismatch', `the lines sum to ${sum}, the receipt total is ${r.totalMinor}`));
      for (const line of r.lines) {
        if ((BigInt(line.unitPriceMinor) * BigInt(line.quantity)).toString() !== line.sumMinor) {
          return left(domainError('rule_violated', 'receipt.line_sum_mismatch', `line ${line.productId}: price × quantity is not its sum`));
        }
      }
      return right([{ type: 'FiscalReceiptRequested', data: r }]);
    }
    if (state.status === 'none') return left(domainError('not_found', 'receipt.not_found', 'no such receipt'));
    const receiptId = state.receiptId;
    switch (command.type) {
      case 'RecordSubmission':
        if (command.attempt !== state.attempt || state.status !== 'requested') return right([]); // an older attempt, or known already
        return right([
          {
            type: 'FiscalReceiptSubmitted',
            data: { receiptId, attempt: command.attempt, externalId: externalIdOf(receiptId, command.attempt), uuid: command.uuid, register: command.register, duplicate: command.duplicate, submittedAt: command.at },
          },
        ]);
      case 'RecordFiscalization':
        if (state.status === 'fiscalized_success') return right([]);
        if (command.fiscal.totalMinor !== state.totalMinor) {
          return left(domainError('rule_violated', 'receipt.fiscal_total_mismatch', `the register fiscalized ${command.fiscal.totalMinor}, the receipt is for ${state.totalMinor}`));
        }
        return right([{ type: 'FiscalReceiptFiscalized', data: { receiptId, orderId: state.orderId, operation: state.operation, uuid: command.uuid, fiscalizedAt: command.at, ...command.fiscal } }]);
      case 'RecordAttemptFailure':
        if (command.attempt !== state.attempt || state.status === 'fiscalized_success' || state.status === 'fiscalized_failed') return right([]);
        return right([
          { type: 'FiscalReceiptAttemptFailed', data: { receiptId, orderId: state.orderId, operation: state.operation, attempt: command.attempt, uuid: command.uuid, code: command.code, text: command.text, permanent: command.permanent, failedAt: command.at } },
        ]);
      case 'RetryReceipt':
        if (state.status !== 'fiscalized_failed') return left(domainError('conflict', 'receipt.not_failed', `receipt ${receiptId} is ${state.status}: only a failed receipt is retried`));
        return right([{ type: 'FiscalReceiptRetried', data: { receiptId, attempt: state.attempt + 1, by: command.by, retriedAt: command.at } }]);
    }
  },
  evolve: (state, event) => {
    if (event.type === 'FiscalReceiptRequested') return { ...event.data, status: 'requested', attempt: 1, uuid: undefined, fiscal: undefined, lastError: undefined };
    if (state.status === 'none') return state;
    switch (event.type) {
      case 'FiscalReceiptSubmitted':
        return { ...state, status: 'submitted', uuid: event.data.uuid };
      case 'FiscalReceiptFiscalized': {
        const { receiptId: _r, orderId: _o, operation: _op, uuid, fiscalizedAt: _f, ...fiscal } = event.data;
        return { ...state, status: 'fiscalized_success', uuid, fiscal };
      }
      case 'FiscalReceiptAttemptFailed':
        // a transient failure: the next attempt (a new external_id) is requested; a permanent one waits for support
        return event.data.permanent
          ? { ...state, status: 'fiscalized_failed', lastError: { code: event.data.code, text: event.data.text } }
          : { ...state, status: 'requested', attempt: event.data.attempt + 1, uuid: undefined, lastError: { code: event.data.code, text: event.data.text } };
      case 'FiscalReceiptRetried':
        return { ...state, status: 'requested', attempt: event.data.attempt, uuid: undefined };
    }
  },
};
