import type { EventStore } from '../../adapters/eventstore/event-store.js';
import type { Logger } from '../../adapters/observability/logger.js';
import {
  externalIdOf,
  fiscalReceiptDecider,
  streamOfFiscalReceipt,
  type FiscalAttributesData,
  type FiscalReceiptCommand,
  type FiscalReceiptLine,
  type FiscalReceiptState,
} from '../../domain/game-store/fiscal-receipt.js';
import { gameOrderDecider, streamOfGameOrder } from '../../domain/game-store/game-order.js';
import type { Clock } from '../../platform/clock.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import { EffectNotReady, PermanentEffectFailure } from '../../sagas/outbox-worker.js';
import { handleCommand } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';
import {
  CashRegisterRefusal,
  type CashRegister,
  type FiscalAttributes,
  type FiscalCompany,
  type FiscalPaymentMethod,
  type FiscalReport,
} from './ports/cash-register.js';
import type { PaymentSubject, VatRate } from './ports/payment-provider.js';
import { FiscalizeReceipt } from './purchase-effect-kinds.js';

const ACTOR = 'system:purchase-saga';

/** Where the buyer's e-mail comes from when a receipt is sent (personal data: read at that moment, never recorded with the receipt). */
export interface BuyerContacts {
  emailOf(buyerId: string): Promise<string | undefined>;
}

export interface ReceiptDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly register: CashRegister;
  readonly company: FiscalCompany;
  /** Where the register posts its reports (`<public base>/webhooks/cash-register`); absent: polling only. */
  readonly callbackUrl: string | undefined;
  readonly contacts: BuyerContacts;
}

/** How long to wait before asking the register again about a receipt submitted `elapsedMs` ago: half of that, between 250 ms and a minute. */
export const reportPollDelayMs = (elapsedMs: number): number => Math.min(60_000, Math.max(250, Math.floor(elapsedMs / 2)));

export const fiscalAttributesData = (fiscal: FiscalAttributes): FiscalAttributesData => ({
  fiscalDocumentNumber: fiscal.fiscalDocumentNumber,
  fiscalSign: fiscal.fiscalSign,
  fiscalDriveNumber: fiscal.fiscalDriveNumber,
  registerNumber: fiscal.registerNumber,
  receiptNumber: fiscal.receiptNumber,
  shiftNumber: fiscal.shiftNumber,
  registeredAt: fiscal.registeredAt,
  totalMinor: fiscal.totalMinor.toString(),
  ofdReceiptUrl: fiscal.ofdReceiptUrl ?? null,
});

/** The receipt the decider will hold, or a reason it cannot be made. */
export function decideReceipt(store: EventStore, clock: Clock, receiptId: string, command: FiscalReceiptCommand, step: string) {
  return handleCommand(store, fiscalReceiptDecider, streamOfFiscalReceipt(receiptId), command, { commandId: `${step}:${receiptId}`, correlationId: `receipt:${receiptId}`, actor: ACTOR, now: clock.now() }, { maxRetries: 50 });
}

/** Record a report of the register (from polling or from its callback). True when it settled the receipt (fiscalized or failed). */
export async function recordReport(deps: Pick<ReceiptDependencies, 'store' | 'clock'>, receiptId: string, attempt: number, report: FiscalReport): Promise<'done' | 'failed_transient' | 'failed_permanent' | 'wait'> {
  const at = deps.clock.now().toISOString();
  if (report.status === 'wait') return 'wait';
  if (report.status === 'done') {
    const recorded = await decideReceipt(deps.store, deps.clock, receiptId, { type: 'RecordFiscalization', uuid: report.uuid, fiscal: fiscalAttributesData(report.fiscal), at }, `receipt-fiscalized-${attempt}`);
    if (recorded._tag === 'Left') throw new PermanentEffectFailure(`receipt ${receiptId}: ${recorded.left.message}`);
    return 'done';
  }
  await decideReceipt(
    deps.store,
    deps.clock,
    receiptId,
    { type: 'RecordAttemptFailure', attempt, uuid: report.uuid, code: report.error.code, text: report.error.text, permanent: report.error.permanent, at },
    `receipt-failed-${attempt}`,
  );
  return report.error.permanent ? 'failed_permanent' : 'failed_transient';
}

/**
 * The fiscal receipts of the purchase saga (P-5, 54-FZ): request the receipt (its lines from
 * the order: the sale's every item, a refund's refunded items; VAT and payment object per
 * product as the catalog priced them; `full_payment` since the key is delivered at payment;
 * the company from configuration), submit the current attempt to the cloud register (its
 * external_id makes a resend a duplicate), then follow its report until the register has
 * fiscalized it. `wait` and an unreachable register are retried by the outbox with backoff;
 * a register that failed an attempt for a transient reason gets a new attempt; one that
 * refused the receipt for good leaves it `fiscalized_failed` and the effect a dead letter —
 * support retries it (`POST /api/admin/dead-letters/{key}/retry`), which starts a new attempt.
 */
export function receiptEffectHandlers(deps: ReceiptDependencies): EffectPerformer[] {
  const load = async (receiptId: string) => (await loadAggregate(deps.store, fiscalReceiptDecider, streamOfFiscalReceipt(receiptId))).state;
  const submittedAtOf = async (receiptId: string): Promise<Date | undefined> => {
    const recorded = (await loadAggregate(deps.store, fiscalReceiptDecider, streamOfFiscalReceipt(receiptId))).events;
    const last = [...recorded].reverse().find((e) => e.type === 'FiscalReceiptSubmitted');
    return last?.type === 'FiscalReceiptSubmitted' ? new Date(last.data.submittedAt) : undefined;
  };

  async function request(receiptId: string, orderId: string, refundId: string | null, settledAt: string): Promise<FiscalReceiptState> {
    const order = (await loadAggregate(deps.store, gameOrderDecider, streamOfGameOrder(orderId))).state;
    if (order.status === 'none' || !order.payment) throw new PermanentEffectFailure(`order ${orderId} is not paid`);
    const refund = refundId === null ? undefined : order.refunds.find((r) => r.refundId === refundId);
    if (refundId !== null && (!refund || refund.status !== 'confirmed')) throw new PermanentEffectFailure(`refund ${refundId} of order ${orderId} is not confirmed`);
    const lines: FiscalReceiptLine[] = order.items
      .filter((line) => refund === undefined || refund.productIds.includes(line.productId))
      .map((line) => ({
        productId: line.productId,
        name: line.title.slice(0, 128),
        unitPriceMinor: line.unitPriceMinor,
        quantity: line.quantity,
        sumMinor: line.lineTotalMinor,
        vat: line.vat,
        paymentObject: line.paymentSubject,
        paymentMethod: 'full_payment',
      }));
    const totalMinor = refund ? refund.amountMinor : order.payment.paidMinor;
    const requested = await decideReceipt(
      deps.store,
      deps.clock,
      receiptId,
      {
        type: 'RequestReceipt',
        receipt: {
          receiptId,
          orderId,
          buyerId: order.buyerId,
          refundId,
          operation: refund ? 'sell_refund' : 'sell',
          lines,
          totalMinor,
          currency: order.currency,
          company: { inn: deps.company.inn, taxSystem: deps.company.taxSystem, paymentAddress: deps.company.paymentAddress, email: deps.company.email },
          settledAt,
          requestedAt: deps.clock.now().toISOString(),
        },
      },
      'receipt-request',
    );
    if (requested._tag === 'Left') throw new PermanentEffectFailure(`receipt ${receiptId}: ${requested.left.message}`);
    return requested.right.state;
  }

  async function submit(state: Exclude<FiscalReceiptState, { status: 'none' }>): Promise<void> {
    const email = await deps.contacts.emailOf(state.buyerId);
    const at = deps.clock.now().toISOString();
    if (!email) {
      await decideReceipt(
        deps.store,
        deps.clock,
        state.receiptId,
        { type: 'RecordAttemptFailure', attempt: state.attempt, uuid: null, code: 'no_customer_contact', text: 'the buyer has no e-mail to send the receipt to', permanent: true, at },
        `receipt-failed-${state.attempt}`,
      );
      throw new PermanentEffectFailure(`receipt ${state.receiptId}: the buyer has no e-mail`);
    }
    try {
      const registered = await deps.register.register({
        externalId: externalIdOf(state.receiptId, state.attempt),
        operation: state.operation,
        timestamp: new Date(state.settledAt),
        customerEmail: email,
        company: { email: state.company.email, inn: state.company.inn, taxSystem: state.company.taxSystem as FiscalCompany['taxSystem'], paymentAddress: state.company.paymentAddress },
        items: state.lines.map((line) => ({
          name: line.name,
          unitPriceMinor: BigInt(line.unitPriceMinor),
          quantity: line.quantity,
          sumMinor: BigInt(line.sumMinor),
          measure: 'piece',
          paymentMethod: line.paymentMethod as FiscalPaymentMethod,
          paymentObject: line.paymentObject as PaymentSubject,
          vat: line.vat as VatRate,
        })),
        electronicMinor: BigInt(state.totalMinor),
        totalMinor: BigInt(state.totalMinor),
        ...(deps.callbackUrl ? { callbackUrl: deps.callbackUrl } : {}),
      });
      await decideReceipt(
        deps.store,
        deps.clock,
        state.receiptId,
        { type: 'RecordSubmission', attempt: state.attempt, uuid: registered.uuid, register: deps.register.name, duplicate: registered.duplicate, at },
        `receipt-submitted-${state.attempt}`,
      );
    } catch (error) {
      if (!(error instanceof CashRegisterRefusal)) throw error; // unknown: the same attempt (external_id) again later
      await decideReceipt(
        deps.store,
        deps.clock,
        state.receiptId,
        { type: 'RecordAttemptFailure', attempt: state.attempt, uuid: null, code: error.code, text: error.message, permanent: true, at },
        `receipt-failed-${state.attempt}`,
      );
      throw new PermanentEffectFailure(`receipt ${state.receiptId} refused by the register: ${error.code} ${error.message}`);
    }
  }

  return [
    performs(FiscalizeReceipt, async (p, { attempt }) => {
      let state = await load(p.receiptId);
      if (state.status === 'none') state = await request(p.receiptId, p.orderId, p.refundId, p.decidedAt);
      if (state.status === 'none') throw new PermanentEffectFailure(`receipt ${p.receiptId} was not requested`);
      if (state.status === 'fiscalized_success') return;
      if (state.status === 'fiscalized_failed') {
        // a dead letter support retried starts afresh (attempt 1 again); a crash's repeat of the failure does not
        if (attempt !== 1) throw new PermanentEffectFailure(`receipt ${p.receiptId} failed: ${state.lastError?.code} ${state.lastError?.text}`);
        const retried = await decideReceipt(deps.store, deps.clock, p.receiptId, { type: 'RetryReceipt', by: 'support', at: deps.clock.now().toISOString() }, `receipt-retry-${state.attempt}`);
        if (retried._tag === 'Left') throw new PermanentEffectFailure(retried.left.message);
        state = retried.right.state;
      }
      if (state.status === 'requested') {
        await submit(state);
        state = await load(p.receiptId);
      }
      if (state.status !== 'submitted' || state.uuid === undefined) return;
      const outcome = await recordReport(deps, p.receiptId, state.attempt, await deps.register.report(state.uuid));
      if (outcome === 'done') return;
      if (outcome === 'failed_permanent') throw new PermanentEffectFailure(`receipt ${p.receiptId} failed at the register`);
      // a transient failure (a queue timeout): a new attempt after the outbox's backoff
      if (outcome === 'failed_transient') throw new Error(`receipt ${p.receiptId}: the register failed attempt ${state.attempt}; a new attempt follows`);
      const submittedAt = (await submittedAtOf(p.receiptId)) ?? deps.clock.now();
      throw new EffectNotReady(`receipt ${p.receiptId} is in wait at the register`, reportPollDelayMs(deps.clock.now().getTime() - submittedAt.getTime()));
    }),
  ];
}
