import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ProviderRefusal,
  ProviderUnavailable,
  type CreatePaymentRequest,
  type CreatedPayment,
  type NotificationReply,
  type NotificationVerdict,
  type PaymentMethod,
  type PaymentProvider,
  type ProviderNotification,
  type ProviderPaymentState,
  type ProviderPaymentStatus,
  type ProviderRefundState,
  type ProviderRefundStatus,
  type RefundRequest,
} from '../../../commands/game-store/ports/payment-provider.js';
import { TBankClient, type TBankAnswer, type TBankClientOptions } from './tbank-client.js';

export type TBankProviderOptions = TBankClientOptions;

const SUCCEEDED = new Set(['CONFIRMED', 'PARTIAL_REFUNDED']);
const FAILED = new Set(['REJECTED', 'AUTH_FAIL', 'ATTEMPTS_EXPIRED']);
const CANCELLED = new Set(['CANCELED', 'DEADLINE_EXPIRED', 'REVERSED']);
/** The buyer's money is (or was) with the payment: never cancel it, never Init beside it. */
const PAID = new Set(['AUTHORIZED', 'CONFIRMING', 'CONFIRM_CHECKING', 'CONFIRMED', 'PARTIAL_REVERSED', 'REFUNDING', 'ASYNC_REFUNDING', 'PARTIAL_REFUNDED', 'REFUNDED']);
/** Decided without money, or on its way there: nothing to cancel. */
const DEAD = new Set([...FAILED, ...CANCELLED, 'REVERSING']);

/** A Cancel that returned the money: refunded (a charge) or reversed (a hold), in part or in full. */
const REFUND_DONE = new Set(['REFUNDED', 'PARTIAL_REFUNDED', 'REVERSED', 'PARTIAL_REVERSED']);

/**
 * T-Bank's normalization (the port's ProviderPaymentStatus). PARTIAL_REFUNDED is still a paid
 * payment (part of the money stays with it): `succeeded`; only REFUNDED is `refunded`.
 */
export function tbankStatus(status: string): ProviderPaymentStatus {
  if (status === 'REFUNDED') return 'refunded';
  if (SUCCEEDED.has(status)) return 'succeeded';
  if (FAILED.has(status)) return 'failed';
  if (CANCELLED.has(status)) return 'cancelled';
  return 'pending'; // NEW, FORM_SHOWED, AUTHORIZING, 3DS_CHECKING, AUTHORIZED, CONFIRMING …
}

/**
 * T-Bank EACQ v2 behind the PaymentProvider port (DOMAIN-FACTS B 2): one-stage payments with
 * OrderId = our transaction id. Init is not idempotent — it is never repeated blindly: an
 * unknown Init outcome is ProviderUnavailable, and the caller's `resume: true` looks the order
 * up (CheckOrder) first: a paid payment is the answer, live unpaid ones are cancelled before
 * a new Init, so one transaction never has two live payments. Notifications are trusted by
 * their Token (and TerminalKey).
 */
export class TBankProvider implements PaymentProvider {
  readonly name = 'tbank' as const;
  readonly methods: readonly PaymentMethod[] = ['bank_card', 'sbp'];
  readonly widget = false;
  readonly notificationReply: NotificationReply = { status: 200, contentType: 'text/plain', body: 'OK' };
  private readonly client: TBankClient;

  constructor(options: TBankProviderOptions) {
    this.client = new TBankClient(options);
  }

  async createPayment(request: CreatePaymentRequest): Promise<CreatedPayment> {
    if (!this.methods.includes(request.method)) throw new ProviderRefusal('tbank', 'unsupported_payment_method', `T-Bank: no payment method ${request.method}`);
    if (request.currency !== 'RUB') throw new ProviderRefusal('tbank', 'unsupported_currency', `T-Bank: currency ${String(request.currency)}`);
    const amount = kopecks(request.amountMinor);
    if (request.resume) {
      const found = await this.recover(request.transactionId);
      if (found !== undefined) return { state: found, next: undefined };
    }
    const email = request.receipt.customerEmail;
    const init = await this.client.call(
      'Init',
      {
        Amount: amount,
        OrderId: request.transactionId,
        Description: truncate(request.description, 140),
        NotificationURL: request.notificationUrl,
        SuccessURL: request.successUrl,
        FailURL: request.failUrl,
        RedirectDueDate: isoWithOffset(request.expiresAt),
        ...(request.method === 'sbp' ? { DATA: { QR: 'true' } } : {}),
        ...(email === undefined
          ? {}
          : {
              Receipt: {
                FfdVersion: '1.2',
                Taxation: 'osn',
                Email: email,
                Items: request.receipt.lines.map((line) => ({
                  Name: truncate(line.name, 128),
                  Price: kopecks(line.unitPriceMinor),
                  Quantity: line.quantity,
                  Amount: kopecks(line.lineTotalMinor), // the LINE total (unlike YooKassa)
                  Tax: line.vat,
                  PaymentMethod: 'full_payment',
                  PaymentObject: line.paymentSubject,
                  MeasurementUnit: 'шт',
                })),
              },
            }),
      },
      { repeatable: false },
    );
    const paymentId = paymentIdOf(init);
    if (paymentId === undefined) throw new ProviderUnavailable('tbank', 'T-Bank Init answered without a PaymentId');
    const state = stateOf(init, { paymentId, transactionId: request.transactionId, amountMinor: request.amountMinor });
    if (request.method === 'sbp') {
      const qr = await this.client.call('GetQr', { PaymentId: paymentId, DataType: 'PAYLOAD' }, { repeatable: true });
      if (typeof qr.Data !== 'string' || qr.Data === '') throw new ProviderUnavailable('tbank', 'T-Bank GetQr answered without Data');
      return { state, next: { kind: 'qr', payload: qr.Data } };
    }
    if (typeof init.PaymentURL !== 'string' || init.PaymentURL === '') throw new ProviderUnavailable('tbank', 'T-Bank Init answered without a PaymentURL');
    return { state, next: { kind: 'redirect', url: init.PaymentURL } };
  }

  async fetchPayment(providerPaymentId: string): Promise<ProviderPaymentState> {
    const answer = await this.client.call('GetState', { PaymentId: providerPaymentId }, { repeatable: true });
    return stateOf(answer, { paymentId: providerPaymentId });
  }

  async cancelPayment(providerPaymentId: string, transactionId: string): Promise<ProviderPaymentState> {
    const now = await this.fetchPayment(providerPaymentId);
    // a Cancel of a paid payment would refund it, of a decided one it is refused: only live unpaid ones
    if (PAID.has(now.providerStatus) || DEAD.has(now.providerStatus)) return now;
    return this.cancel(providerPaymentId, transactionId, now);
  }

  async verifyNotification(notification: ProviderNotification): Promise<NotificationVerdict> {
    const body = notification.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'refused', status: 400, reason: 'not a JSON object' };
    const fields = body as Record<string, unknown>;
    if (typeof fields.TerminalKey !== 'string' || typeof fields.Token !== 'string') return { kind: 'refused', status: 400, reason: 'TerminalKey and Token are required' };
    if (!sameText(fields.TerminalKey, this.client.terminalKey)) return { kind: 'refused', status: 403, reason: 'for another terminal' };
    if (!sameText(fields.Token.toLowerCase(), this.client.tokenOf(fields))) return { kind: 'refused', status: 403, reason: 'the Token does not match the body' };
    if (fields.NotificationType !== undefined && fields.NotificationType !== 'PAYMENT') return { kind: 'ignored', reason: `notification type ${String(fields.NotificationType)}` };
    const paymentId = paymentIdOf(fields);
    const amountMinor = amountOf(fields.Amount);
    if (paymentId === undefined || typeof fields.OrderId !== 'string' || fields.OrderId === '' || typeof fields.Status !== 'string' || fields.Status === '' || amountMinor === undefined) {
      return { kind: 'refused', status: 400, reason: 'PaymentId, OrderId, Status and Amount are required' };
    }
    return { kind: 'verified', payment: stateOf(fields, { paymentId, transactionId: fields.OrderId, amountMinor }) };
  }

  /**
   * Cancel with Amount (kopecks) and ExternalRequestId = our refund id: T-Bank checks the id
   * before returning money — one it has seen answers that operation's current state instead of a
   * second refund — so an unknown outcome (HTTP 500, timeout) is repeated by the client with the
   * same body, and so is a repeat after a crash. `Success: false` (more than is left, a payment
   * in the wrong status …) is a ProviderRefusal with the ErrorCode. T-Bank has no refund id: ours
   * stands for it.
   */
  async refundPayment(request: RefundRequest): Promise<ProviderRefundState> {
    if (request.currency !== 'RUB') throw new ProviderRefusal('tbank', 'unsupported_currency', `T-Bank: currency ${String(request.currency)}`);
    if (request.amountMinor <= 0n) throw new ProviderRefusal('tbank', 'invalid_amount', 'T-Bank: a refund needs a positive amount');
    const answer = await this.refundCall(request);
    return refundStateOf(answer, request);
  }

  /**
   * The refund now: the same Cancel again (same PaymentId, Amount, ExternalRequestId). T-Bank
   * documents that a known ExternalRequestId answers "the current state of the payment
   * operation" without a second refund — which names THIS refund's outcome, where GetState
   * would only give the payment's status (PARTIAL_REFUNDED says nothing about which refund) —
   * and a Cancel that never reached T-Bank is carried out now, once. A refusal now is the
   * refund's failure (returned, not thrown).
   */
  async fetchRefund(refund: { readonly providerRefundId: string; readonly providerPaymentId: string; readonly refundId: string; readonly amountMinor: bigint }): Promise<ProviderRefundState> {
    const request = { refundId: refund.refundId, providerPaymentId: refund.providerPaymentId, amountMinor: refund.amountMinor };
    try {
      return refundStateOf(await this.refundCall(request), request);
    } catch (error) {
      if (!(error instanceof ProviderRefusal)) throw error;
      return { provider: 'tbank', providerRefundId: refund.refundId, providerPaymentId: refund.providerPaymentId, status: 'failed', providerStatus: `ErrorCode ${error.code}`, amountMinor: refund.amountMinor, currency: 'RUB', reason: error.message };
    }
  }

  private refundCall(request: { readonly refundId: string; readonly providerPaymentId: string; readonly amountMinor: bigint }): Promise<TBankAnswer> {
    return this.client.call('Cancel', { PaymentId: request.providerPaymentId, Amount: kopecks(request.amountMinor), ExternalRequestId: request.refundId }, { repeatable: true });
  }

  /**
   * After an Init whose answer was lost: the order's payments at T-Bank. A paid one is the
   * transaction's payment; live unpaid ones are cancelled (so the next Init is the only live one).
   */
  private async recover(transactionId: string): Promise<ProviderPaymentState | undefined> {
    const order = await this.client.call('CheckOrder', { OrderId: transactionId }, { repeatable: true });
    const payments = (Array.isArray(order.Payments) ? order.Payments : []).filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null);
    const states = payments.flatMap((entry) => {
      const paymentId = paymentIdOf(entry);
      return paymentId === undefined || typeof entry.Status !== 'string' ? [] : [stateOf(entry, { paymentId, transactionId: typeof order.OrderId === 'string' ? order.OrderId : transactionId })];
    });
    const paid = states.find((state) => PAID.has(state.providerStatus));
    if (paid !== undefined) return paid;
    for (const live of states.filter((state) => !DEAD.has(state.providerStatus))) {
      const after = await this.cancel(live.providerPaymentId, transactionId, live);
      if (PAID.has(after.providerStatus)) return after;
    }
    return undefined;
  }

  /** Cancel with an ExternalRequestId of this transaction and payment (a repeat returns the state instead of a second operation). */
  private async cancel(paymentId: string, transactionId: string, before: ProviderPaymentState): Promise<ProviderPaymentState> {
    try {
      const answer = await this.client.call('Cancel', { PaymentId: paymentId, ExternalRequestId: externalRequestId('cancel', transactionId, paymentId) }, { repeatable: true });
      return stateOf(answer, { paymentId, transactionId: before.transactionId, amountMinor: amountOf(answer.OriginalAmount) ?? before.amountMinor });
    } catch (error) {
      if (!(error instanceof ProviderRefusal)) throw error;
      // refused: it moved on meanwhile (paid, expired …)? Then that is the answer; still live → try later
      const now = await this.fetchPayment(paymentId);
      if (PAID.has(now.providerStatus) || DEAD.has(now.providerStatus)) return now;
      throw new ProviderUnavailable('tbank', `T-Bank payment ${paymentId} is ${now.providerStatus} and could not be cancelled (${error.code}); try again later`);
    }
  }
}

/**
 * A Cancel's answer as a refund: the money returned (REFUNDED, PARTIAL_REFUNDED, REVERSED,
 * PARTIAL_REVERSED) → succeeded; CANCELED (the payment was never paid: it was stopped, nothing
 * returned) → failed; anything else (REFUNDING, ASYNC_REFUNDING for SBP, REVERSING …) → pending,
 * never a guess that money did or did not move.
 */
function refundStateOf(answer: TBankAnswer, request: { readonly refundId: string; readonly providerPaymentId: string; readonly amountMinor: bigint }): ProviderRefundState {
  const providerStatus = typeof answer.Status === 'string' && answer.Status !== '' ? answer.Status : 'UNKNOWN';
  const status: ProviderRefundStatus = REFUND_DONE.has(providerStatus) ? 'succeeded' : providerStatus === 'CANCELED' ? 'failed' : 'pending';
  return {
    provider: 'tbank',
    providerRefundId: request.refundId,
    providerPaymentId: paymentIdOf(answer) ?? request.providerPaymentId,
    status,
    providerStatus,
    amountMinor: request.amountMinor,
    currency: 'RUB',
    ...(status === 'failed' ? { reason: 'CANCELED: the payment was not paid, it was cancelled and nothing was returned' } : {}),
  };
}

function stateOf(answer: TBankAnswer, known: { readonly paymentId: string; readonly transactionId?: string | undefined; readonly amountMinor?: bigint }): ProviderPaymentState {
  const providerStatus = typeof answer.Status === 'string' ? answer.Status : 'UNKNOWN';
  const status = tbankStatus(providerStatus);
  const amountMinor = amountOf(answer.Amount) ?? known.amountMinor;
  if (amountMinor === undefined) throw new ProviderUnavailable('tbank', `T-Bank answered payment ${known.paymentId} without an Amount`);
  const errorCode = answer.ErrorCode === undefined || answer.ErrorCode === null ? '0' : String(answer.ErrorCode);
  const message = typeof answer.Message === 'string' && answer.Message !== '' ? answer.Message : undefined;
  return {
    provider: 'tbank',
    providerPaymentId: known.paymentId,
    transactionId: typeof answer.OrderId === 'string' && answer.OrderId !== '' ? answer.OrderId : known.transactionId,
    status,
    providerStatus,
    amountMinor,
    currency: 'RUB',
    ...(status === 'failed' || status === 'cancelled'
      ? { reason: errorCode !== '0' ? `${errorCode}${message === undefined ? '' : `: ${message}`}` : (message ?? providerStatus) }
      : {}),
  };
}

/** PaymentId comes as a string (Init, GetState, Cancel) or a number (notifications, GetQr). */
function paymentIdOf(answer: TBankAnswer): string | undefined {
  const id = answer.PaymentId;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return String(id);
  return undefined;
}

/** Integer kopecks as a number or a numeric string ("15000" in Init's example). */
function amountOf(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return BigInt(value);
  return undefined;
}

function kopecks(minor: bigint): number {
  if (minor < 0n || minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProviderRefusal('tbank', 'invalid_amount', 'T-Bank: the amount is out of range');
  return Number(minor);
}

/** `2026-05-01T12:00:00+00:00` (T-Bank wants an offset, seconds precision). */
function isoWithOffset(at: Date): string {
  return `${at.toISOString().slice(0, 19)}+00:00`;
}

/** ≤ 64 characters, the same for the same operation, transaction and payment. */
function externalRequestId(operation: string, transactionId: string, paymentId: string): string {
  const readable = `${operation}-${transactionId}-${paymentId}`;
  if (readable.length <= 64 && /^[0-9A-Za-z._-]+$/.test(readable)) return readable;
  return `${operation}-${createHash('sha256').update(JSON.stringify([operation, transactionId, paymentId]), 'utf8').digest('hex').slice(0, 56)}`;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function truncate(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : points.slice(0, max).join('');
}
