import {
  ProviderRefusal,
  ProviderUnavailable,
  type CreatePaymentRequest,
  type CreatedPayment,
  type NotificationReply,
  type NotificationVerdict,
  type PaymentMethod,
  type PaymentNextStep,
  type PaymentProvider,
  type ProviderNotification,
  type ProviderPaymentState,
  type ProviderRefundState,
  type ProviderRefundStatus,
  type RefundRequest,
  type VatRate,
} from '../../../commands/game-store/ports/payment-provider.js';
import { formatRubles, idempotenceKey, isRecord, parseRubles, YooKassaClient, type YooKassaClientOptions } from './yookassa-client.js';

export type YooKassaProviderOptions = YooKassaClientOptions;

/** 54-FZ VAT rate → YooKassa vat_code (DOMAIN-FACTS B 0; the port's VatRate comment). */
const VAT_CODES: Readonly<Record<VatRate, number>> = {
  none: 1,
  vat0: 2,
  vat10: 3,
  vat20: 4,
  vat110: 5,
  vat120: 6,
  vat5: 7,
  vat7: 8,
  vat105: 9,
  vat107: 10,
  vat22: 11,
  vat122: 12,
};

/** Our method → YooKassa payment_method_data.type and the confirmation we ask for. */
const METHOD_DATA: Readonly<Record<PaymentMethod, { readonly type: string; readonly confirmation: 'redirect' | 'qr' }>> = {
  bank_card: { type: 'bank_card', confirmation: 'redirect' },
  sbp: { type: 'sbp', confirmation: 'qr' },
  sberpay: { type: 'sberbank', confirmation: 'redirect' },
  tpay: { type: 'tinkoff_bank', confirmation: 'redirect' },
};

/** Pages of a payment's refunds read before a refund is made (100 each: far beyond what one payment has). */
const MAX_REFUND_PAGES = 10;

/** Cancellation reasons that are a stop rather than a refusal of the buyer's money. */
const CANCELLED_REASONS = new Set(['canceled_by_merchant', 'expired_on_confirmation', 'expired_on_capture']);

/** A YooKassa Payment object as far as we read it. */
interface YooKassaPayment {
  readonly id: string;
  readonly status: string;
  readonly amountMinor: bigint;
  readonly refundedMinor: bigint | undefined;
  readonly transactionId: string | undefined;
  readonly cancellationReason: string | undefined;
  readonly confirmation: Record<string, unknown> | undefined;
}

/**
 * YooKassa API v3 behind the PaymentProvider port (DOMAIN-FACTS B 1): one-stage payments
 * (`capture: true`) created with an Idempotence-Key derived from our transaction, so a repeat
 * after a crash or an unknown answer is the same call and returns the same payment.
 * Notifications are unsigned: the body only names the payment, which is fetched again and
 * acted on as YooKassa has it (the route checks the source address).
 */
export class YooKassaProvider implements PaymentProvider {
  readonly name = 'yookassa' as const;
  readonly methods: readonly PaymentMethod[] = ['bank_card', 'sbp', 'sberpay', 'tpay'];
  readonly widget = true;
  readonly notificationReply: NotificationReply = { status: 200, contentType: 'application/json', body: '{}' };
  private readonly client: YooKassaClient;

  constructor(options: YooKassaProviderOptions) {
    this.client = new YooKassaClient(options);
  }

  async createPayment(request: CreatePaymentRequest): Promise<CreatedPayment> {
    const method = METHOD_DATA[request.method];
    if (!this.methods.includes(request.method) || method === undefined) throw new ProviderRefusal('yookassa', 'unsupported_payment_method', `YooKassa: no payment method ${request.method}`);
    if (request.currency !== 'RUB') throw new ProviderRefusal('yookassa', 'unsupported_currency', `YooKassa: currency ${String(request.currency)}`);
    const email = request.receipt.customerEmail;
    const body = {
      amount: { value: formatRubles(request.amountMinor), currency: request.currency },
      capture: true,
      payment_method_data: { type: method.type },
      // the widget (embedded) takes no return_url: the page that shows it is the shop's
      confirmation: request.widget ? { type: 'embedded' } : { type: method.confirmation, return_url: request.successUrl },
      description: truncate(request.description, 128),
      metadata: { order_id: request.orderId, transaction_id: request.transactionId },
      ...(email === undefined
        ? {}
        : {
            receipt: {
              customer: { email },
              items: request.receipt.lines.map((line) => ({
                description: truncate(line.name, 128),
                quantity: line.quantity,
                // the UNIT price (tag 1079), not the line total
                amount: { value: formatRubles(line.unitPriceMinor), currency: request.currency },
                vat_code: VAT_CODES[line.vat],
                payment_mode: 'full_payment',
                payment_subject: line.paymentSubject,
                measure: 'piece',
              })),
              tax_system_code: 1,
            },
          }),
    };
    // the same transaction always makes the same call: a resumed attempt gets the payment the
    // lost answer would have named (YooKassa replays the key's answer)
    const answer = await this.client.call({ method: 'POST', path: '/payments', idempotenceKey: idempotenceKey('create', request.transactionId), body });
    const payment = decodePayment(answer);
    const state = stateOf(payment);
    return { state, next: state.status === 'pending' ? nextStepOf(payment.confirmation) : undefined };
  }

  async fetchPayment(providerPaymentId: string): Promise<ProviderPaymentState> {
    return stateOf(await this.fetchRaw(providerPaymentId));
  }

  async cancelPayment(providerPaymentId: string, transactionId: string): Promise<ProviderPaymentState> {
    const payment = await this.fetchRaw(providerPaymentId);
    // YooKassa cancels only waiting_for_capture; a pending one expires there by itself
    if (payment.status !== 'waiting_for_capture') return stateOf(payment);
    const answer = await this.client.call({
      method: 'POST',
      path: `/payments/${encodeURIComponent(providerPaymentId)}/cancel`,
      idempotenceKey: idempotenceKey('cancel', transactionId, providerPaymentId),
    });
    return stateOf(decodePayment(answer));
  }

  async verifyNotification(notification: ProviderNotification): Promise<NotificationVerdict> {
    const body = notification.body;
    if (!isRecord(body) || body.type !== 'notification' || typeof body.event !== 'string' || !isRecord(body.object) || typeof body.object.id !== 'string' || body.object.id === '') {
      return { kind: 'refused', status: 400, reason: 'not a YooKassa notification: an object with type "notification", the event and the payment object with its id was expected' };
    }
    const event = body.event;
    const paymentId = body.object.id;
    if (event.startsWith('refund.')) {
      if (typeof body.object.payment_id !== 'string' || body.object.payment_id === '') return { kind: 'refused', status: 400, reason: 'a refund notification without object.payment_id' };
      // a refund is followed by whoever asked for it (fetchRefund): the payment it comes from is
      // still paid (YooKassa keeps it succeeded), so nothing here is a payment's news
      return { kind: 'ignored', reason: `event ${event} is about refund ${body.object.id.slice(0, 64)}, not a payment` };
    }
    if (!event.startsWith('payment.')) return { kind: 'ignored', reason: `event ${event} is not about a payment` };
    try {
      // never the body's word: the payment as YooKassa has it now
      return { kind: 'verified', payment: await this.fetchPayment(paymentId) };
    } catch (error) {
      if (error instanceof ProviderRefusal && (error.code === 'not_found' || error.code === 'invalid_request' || error.code === 'http_404' || error.code === 'http_400')) {
        return { kind: 'refused', status: 400, reason: `YooKassa knows no payment ${paymentId.slice(0, 64)} (${error.code})` };
      }
      if (error instanceof ProviderRefusal) throw new ProviderUnavailable('yookassa', `the notified payment could not be fetched: ${error.message}`);
      throw error;
    }
  }

  /**
   * POST /refunds with an Idempotence-Key derived from our refund id alone: every repeat of one
   * refund (after a 500, a 202, a timeout — the client repeats those itself — or a crash) is the
   * same call with the same body and gets the same Refund back; money leaves once. YooKassa
   * keeps a key for 24 hours only, so the payment's refunds are looked up first (GET /refunds by
   * payment_id, our refund id in metadata): a refund made before — however long ago — is
   * answered as it is now, never made again. YooKassa's 4xx (more than is left, a payment not
   * succeeded …) is a ProviderRefusal with its code.
   */
  async refundPayment(request: RefundRequest): Promise<ProviderRefundState> {
    if (request.currency !== 'RUB') throw new ProviderRefusal('yookassa', 'unsupported_currency', `YooKassa: currency ${String(request.currency)}`);
    if (request.amountMinor <= 0n) throw new ProviderRefusal('yookassa', 'invalid_amount', 'YooKassa: a refund needs a positive amount');
    const made = await this.findRefund(request.providerPaymentId, request.refundId);
    if (made !== undefined) return refundStateOf(made);
    const body = {
      payment_id: request.providerPaymentId,
      amount: { value: formatRubles(request.amountMinor), currency: request.currency },
      ...(request.description === '' ? {} : { description: truncate(request.description, 250) }),
      metadata: { refund_id: request.refundId, transaction_id: request.transactionId },
    };
    const answer = await this.client.call({ method: 'POST', path: '/refunds', idempotenceKey: idempotenceKey('refund', request.refundId), body });
    return refundStateOf(decodeRefund(answer, request.providerPaymentId));
  }

  /** GET /refunds/{id}: the refund as YooKassa has it now. Anything but a Refund of that payment is ProviderUnavailable (the port's word: try later). */
  async fetchRefund(refund: { readonly providerRefundId: string; readonly providerPaymentId: string; readonly refundId: string; readonly amountMinor: bigint }): Promise<ProviderRefundState> {
    try {
      const answer = await this.client.call({ method: 'GET', path: `/refunds/${encodeURIComponent(refund.providerRefundId)}` });
      return refundStateOf(decodeRefund(answer, refund.providerPaymentId));
    } catch (error) {
      if (error instanceof ProviderRefusal) throw new ProviderUnavailable('yookassa', `the refund ${refund.providerRefundId.slice(0, 64)} could not be read: ${error.message}`);
      throw error;
    }
  }

  /** The payment's refund carrying our refund id in its metadata (GET /refunds, 100 a page, newest first). */
  private async findRefund(providerPaymentId: string, refundId: string): Promise<YooKassaRefund | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_REFUND_PAGES; page++) {
      const query = new URLSearchParams({ payment_id: providerPaymentId, limit: '100', ...(cursor === undefined ? {} : { cursor }) });
      let answer: unknown;
      try {
        answer = await this.client.call({ method: 'GET', path: `/refunds?${query.toString()}` });
      } catch (error) {
        if (error instanceof ProviderRefusal) throw new ProviderUnavailable('yookassa', `the payment's refunds could not be looked up: ${error.message}`);
        throw error;
      }
      if (!isRecord(answer) || !Array.isArray(answer.items)) throw new ProviderUnavailable('yookassa', 'YooKassa answered something that is not a RefundList');
      const ours = answer.items.find((item) => isRecord(item) && isRecord(item.metadata) && item.metadata.refund_id === refundId);
      if (ours !== undefined) return decodeRefund(ours, providerPaymentId);
      if (typeof answer.next_cursor !== 'string' || answer.next_cursor === '') return undefined;
      cursor = answer.next_cursor;
    }
    throw new ProviderUnavailable('yookassa', `payment ${providerPaymentId.slice(0, 64)} has more refunds than ${MAX_REFUND_PAGES * 100}: ours could not be looked up`);
  }

  private async fetchRaw(providerPaymentId: string): Promise<YooKassaPayment> {
    return decodePayment(await this.client.call({ method: 'GET', path: `/payments/${encodeURIComponent(providerPaymentId)}` }));
  }
}

function decodePayment(json: unknown): YooKassaPayment {
  const bad = (what: string) => new ProviderUnavailable('yookassa', `YooKassa answered something that is not a Payment (${what})`);
  if (!isRecord(json)) throw bad('not an object');
  if (typeof json.id !== 'string' || json.id === '') throw bad('id');
  if (typeof json.status !== 'string') throw bad('status');
  if (!isRecord(json.amount) || json.amount.currency !== 'RUB') throw bad('amount.currency');
  const amountMinor = parseRubles(json.amount.value);
  if (amountMinor === undefined) throw bad('amount.value');
  const refundedMinor = isRecord(json.refunded_amount) ? parseRubles(json.refunded_amount.value) : undefined;
  const metadata = isRecord(json.metadata) ? json.metadata : {};
  const cancellation = isRecord(json.cancellation_details) ? json.cancellation_details : {};
  return {
    id: json.id,
    status: json.status,
    amountMinor,
    refundedMinor,
    transactionId: typeof metadata.transaction_id === 'string' ? metadata.transaction_id : undefined,
    cancellationReason: typeof cancellation.reason === 'string' ? cancellation.reason : undefined,
    confirmation: isRecord(json.confirmation) ? json.confirmation : undefined,
  };
}

/** A YooKassa Refund object as far as we read it. */
interface YooKassaRefund {
  readonly id: string;
  readonly paymentId: string;
  readonly status: string;
  readonly amountMinor: bigint;
  readonly cancellationReason: string | undefined;
}

function decodeRefund(json: unknown, expectedPaymentId: string): YooKassaRefund {
  const bad = (what: string) => new ProviderUnavailable('yookassa', `YooKassa answered something that is not a Refund (${what})`);
  if (!isRecord(json)) throw bad('not an object');
  if (typeof json.id !== 'string' || json.id === '') throw bad('id');
  if (typeof json.status !== 'string') throw bad('status');
  if (json.payment_id !== expectedPaymentId) throw bad('payment_id is not the refunded payment');
  if (!isRecord(json.amount) || json.amount.currency !== 'RUB') throw bad('amount.currency');
  const amountMinor = parseRubles(json.amount.value);
  if (amountMinor === undefined) throw bad('amount.value');
  const cancellation = isRecord(json.cancellation_details) ? json.cancellation_details : {};
  return { id: json.id, paymentId: expectedPaymentId, status: json.status, amountMinor, cancellationReason: typeof cancellation.reason === 'string' ? cancellation.reason : undefined };
}

/** pending | succeeded | canceled (+ why); a status YooKassa may add later is "not decided yet", never a guess at money moved or not. */
function refundStateOf(refund: YooKassaRefund): ProviderRefundState {
  const status: ProviderRefundStatus = refund.status === 'succeeded' ? 'succeeded' : refund.status === 'canceled' ? 'failed' : 'pending';
  return {
    provider: 'yookassa',
    providerRefundId: refund.id,
    providerPaymentId: refund.paymentId,
    status,
    providerStatus: refund.status,
    amountMinor: refund.amountMinor,
    currency: 'RUB',
    ...(status === 'failed' ? { reason: refund.cancellationReason ?? 'canceled' } : {}),
  };
}

function stateOf(payment: YooKassaPayment): ProviderPaymentState {
  const base = { provider: 'yookassa' as const, providerPaymentId: payment.id, transactionId: payment.transactionId, providerStatus: payment.status, amountMinor: payment.amountMinor, currency: 'RUB' as const };
  switch (payment.status) {
    case 'succeeded':
      return { ...base, status: payment.refundedMinor !== undefined && payment.refundedMinor === payment.amountMinor ? 'refunded' : 'succeeded' };
    case 'canceled': {
      const reason = payment.cancellationReason ?? 'canceled';
      return { ...base, status: CANCELLED_REASONS.has(reason) ? 'cancelled' : 'failed', reason };
    }
    default:
      // pending, waiting_for_capture (and anything new YooKassa may add): not decided yet
      return { ...base, status: 'pending' };
  }
}

function nextStepOf(confirmation: Record<string, unknown> | undefined): PaymentNextStep | undefined {
  if (confirmation === undefined) return undefined;
  if (confirmation.type === 'redirect' && typeof confirmation.confirmation_url === 'string') return { kind: 'redirect', url: confirmation.confirmation_url };
  if (confirmation.type === 'qr' && typeof confirmation.confirmation_data === 'string') return { kind: 'qr', payload: confirmation.confirmation_data };
  if (confirmation.type === 'embedded' && typeof confirmation.confirmation_token === 'string') return { kind: 'sdk', data: { confirmation_token: confirmation.confirmation_token } };
  if (confirmation.type === 'mobile_application' && typeof confirmation.confirmation_url === 'string') return { kind: 'redirect', url: confirmation.confirmation_url };
  return undefined;
}

/** At most `max` characters (code points, so a surrogate pair is never cut). */
function truncate(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : points.slice(0, max).join('');
}
