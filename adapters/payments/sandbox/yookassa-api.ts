import type { BuyerSide, PaymentForBuyer, SandboxPayment, SandboxRefund } from './buyer-side.js';
import { PaymentNotFound, PaymentNotPayable } from './buyer-side.js';
import type { ProviderSideDeps } from './provider-side.js';
import { REFUND_OUTCOME_FAULTS, type RefundCancellationReason } from './sandbox-faults.js';
import { hang, isRecord, jsonReply, parseJsonBody, type SandboxReply, type SandboxRequest } from './sandbox-http.js';
import { errorId, yookassaPaymentId, yookassaRefundId } from './sandbox-ids.js';
import { kopecksFromRubles, rublesFromKopecks } from './sandbox-money.js';
import { IdempotenceKeys } from './yookassa-idempotence.js';

/**
 * A local YooKassa API v3 (DOMAIN-FACTS B §1; shapes from the official OpenAPI document:
 * Payment, Refund, Error). Basic auth shopId:secretKey; Idempotence-Key on every POST;
 * amounts as "1499.00" strings; webhooks {type:"notification", event, object} to the shop's URL.
 */

type PaymentStatus = 'pending' | 'waiting_for_capture' | 'succeeded' | 'canceled';
const METHOD_TYPES = ['bank_card', 'sbp', 'sberbank', 'tinkoff_bank'] as const;
type MethodType = (typeof METHOD_TYPES)[number];

type Confirmation =
  | { readonly type: 'redirect'; readonly return_url: string; readonly confirmation_url: string; readonly locale?: string }
  | { readonly type: 'qr'; readonly return_url?: string; readonly confirmation_data: string; readonly locale?: string }
  | { readonly type: 'embedded'; readonly confirmation_token: string; readonly locale?: string };

interface YooPayment {
  readonly id: string;
  status: PaymentStatus;
  amountKopecks: bigint;
  readonly currency: string;
  readonly description: string | undefined;
  readonly capture: boolean;
  readonly confirmation: Confirmation;
  methodType: MethodType | undefined;
  readonly metadata: Readonly<Record<string, string | null>>;
  readonly withReceipt: boolean;
  readonly createdAt: Date;
  paidAt?: Date;
  capturedAt?: Date;
  expiresAt?: Date;
  cancellation?: { readonly party: string; readonly reason: string };
  refundedKopecks: bigint;
  lastNotification?: { readonly url: string; readonly body: unknown };
}

type RefundStatus = 'pending' | 'succeeded' | 'canceled';

interface YooRefund {
  readonly id: string;
  readonly paymentId: string;
  readonly amountKopecks: bigint;
  readonly currency: string;
  readonly description: string | undefined;
  readonly metadata: Readonly<Record<string, string | null>> | undefined;
  readonly withReceipt: boolean;
  readonly createdAt: Date;
  status: RefundStatus;
  /** While pending: when it is decided, and how (a `canceled` fault turns it down). */
  decision?: { readonly at: number; readonly outcome: 'succeeded' | { readonly reason: RefundCancellationReason } };
  cancellation?: { readonly party: 'yoo_money' | 'refund_network'; readonly reason: RefundCancellationReason };
}

/** How long a `pending` refund fault keeps the refund pending when it names no pendingMs. */
const DEFAULT_REFUND_PENDING_MS = 1000;
/** Turned down by YooKassa itself (the shop's balance, the wallet) rather than by the refund network. */
const YOO_MONEY_REFUSALS: readonly RefundCancellationReason[] = ['insufficient_funds', 'yoo_money_account_closed'];

export interface YookassaSettings {
  readonly shopId: string;
  readonly secretKey: string;
  webhookUrl: string | undefined;
  readonly paymentTtlMs: number;
  /** A payment authorized with capture:false may be captured or cancelled for 7 days (bank cards). */
  readonly captureWindowMs: number;
}

export type YookassaDeps = ProviderSideDeps<YookassaSettings>;

class BadRequest {
  constructor(
    readonly parameter: string,
    readonly description: string,
  ) {}
}

const errorBody = (code: string, description: string, parameter?: string, retryAfter?: number) => ({
  type: 'error',
  id: errorId(),
  code,
  description,
  ...(parameter === undefined ? {} : { parameter }),
  ...(retryAfter === undefined ? {} : { retry_after: retryAfter }),
});
const invalidRequest = (description: string, parameter?: string) => jsonReply(400, errorBody('invalid_request', description, parameter));
const notFound = (description: string) => jsonReply(404, errorBody('not_found', description));

const amount = (kopecks: bigint, currency: string) => ({ value: rublesFromKopecks(kopecks), currency });

export class YookassaApi implements BuyerSide {
  private readonly paymentsById = new Map<string, YooPayment>();
  private readonly refundsById = new Map<string, YooRefund>();
  private readonly idempotence: IdempotenceKeys;

  constructor(private readonly deps: YookassaDeps) {
    this.idempotence = new IdempotenceKeys(deps.now);
  }

  // ---- the API ---------------------------------------------------------------------------

  async handle(request: SandboxRequest, path: string): Promise<SandboxReply> {
    if (!this.authorized(request.headers.authorization)) {
      return jsonReply(401, errorBody('invalid_credentials', "Error in shopId or secret key. Check their validity. You can reissue the key in the Merchant Profile"));
    }
    const route = this.route(request.method, path, request.query);
    if (!route) return notFound(`Incorrect URL: ${request.method} /v3${path}`);
    await this.sweep();
    const fault = route.operation ? this.deps.faults.take('yookassa', route.operation, ['http500', 'http202', 'timeout']) : undefined;
    if (fault?.kind === 'http500') return jsonReply(500, errorBody('internal_server_error', 'Internal server error. The result of the operation is unknown: repeat the request with the same Idempotence-Key'));
    if (fault?.kind === 'http202') {
      const retryAfter = fault.provider === 'yookassa' ? (fault.retryAfterMs ?? 1800) : 1800;
      return jsonReply(202, { type: 'error', id: errorId(), description: 'Request accepted for processing: repeat it with the same Idempotence-Key after retry_after ms', retry_after: retryAfter });
    }
    const reply = request.method === 'POST' ? await this.idempotent(request, path, route.run) : await route.run(undefined);
    return fault?.kind === 'timeout' ? hang : reply;
  }

  private route(method: string, path: string, query: URLSearchParams): { operation?: 'create' | 'get' | 'cancel' | 'refund' | 'getRefund' | 'listRefunds'; run: (body: unknown) => Promise<SandboxReply> } | undefined {
    const parts = path.split('/').filter((p) => p !== '');
    if (parts[0] === 'payments') {
      if (parts.length === 1 && method === 'POST') return { operation: 'create', run: (body) => this.createPayment(body) };
      const payment = parts[1] === undefined ? undefined : decodeURIComponent(parts[1]);
      if (parts.length === 2 && method === 'GET' && payment) return { operation: 'get', run: async () => this.getPayment(payment) };
      if (parts.length === 3 && parts[2] === 'capture' && method === 'POST' && payment) return { run: (body) => this.capture(payment, body) };
      if (parts.length === 3 && parts[2] === 'cancel' && method === 'POST' && payment) return { operation: 'cancel', run: () => this.cancel(payment) };
    }
    if (parts[0] === 'refunds') {
      if (parts.length === 1 && method === 'POST') return { operation: 'refund', run: (body) => this.createRefund(body) };
      if (parts.length === 1 && method === 'GET') return { operation: 'listRefunds', run: async () => this.listRefunds(query) };
      if (parts.length === 2 && method === 'GET') return { operation: 'getRefund', run: async () => this.getRefund(decodeURIComponent(parts[1]!)) };
    }
    return undefined;
  }

  private authorized(header: string | undefined): boolean {
    const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!match) return false;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0 && decoded.slice(0, colon) === this.deps.settings.shopId && decoded.slice(colon + 1) === this.deps.settings.secretKey;
  }

  /** Idempotence-Key: required; the same key with the same request replays the answer, with another request it is a 400. */
  private async idempotent(request: SandboxRequest, path: string, run: (body: unknown) => Promise<SandboxReply>): Promise<SandboxReply> {
    const header = request.headers['idempotence-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || key === '') return invalidRequest('Idempotence key is required in the Idempotence-Key header', 'Idempotence-Key');
    if (!/^[0-9a-zA-Z+\-_.]{1,64}$/.test(key)) return invalidRequest('Idempotence key must be 1–64 characters of [0-9a-zA-Z+-_.]', 'Idempotence-Key');
    const parsed = parseJsonBody(request.body);
    if (parsed.kind === 'invalid') return invalidRequest('The request body is not valid JSON');
    const body = parsed.kind === 'json' ? parsed.value : undefined;
    const seen = this.idempotence.lookUp(key, path, body);
    if (seen.kind === 'conflict') return invalidRequest('The Idempotence-Key was already used with another request; use a new key for a new request', 'Idempotence-Key');
    if (seen.kind === 'replay') return seen.reply;
    if (seen.kind === 'running') return seen.reply;
    return this.idempotence.run(key, path, body, () => run(body));
  }

  private async createPayment(body: unknown): Promise<SandboxReply> {
    let payment: YooPayment;
    try {
      payment = this.readPaymentRequest(body);
    } catch (err) {
      if (err instanceof BadRequest) return invalidRequest(err.description, err.parameter);
      throw err;
    }
    this.paymentsById.set(payment.id, payment);
    return jsonReply(200, this.paymentJson(payment));
  }

  private readPaymentRequest(body: unknown): YooPayment {
    if (!isRecord(body)) throw new BadRequest('amount', 'The request body must be a JSON object with the payment');
    const { kopecks, currency } = readAmount(body.amount, 'amount');
    if (kopecks <= 0n) throw new BadRequest('amount.value', 'The payment amount must be greater than zero');
    if (body.capture !== undefined && typeof body.capture !== 'boolean') throw new BadRequest('capture', 'capture must be true or false');
    const capture = body.capture === true;
    if (body.description !== undefined && (typeof body.description !== 'string' || body.description.length > 128)) throw new BadRequest('description', 'description must be a string of at most 128 characters');
    const metadata = readMetadata(body.metadata);

    let methodType: MethodType | undefined;
    if (body.payment_method_data !== undefined) {
      const data = body.payment_method_data;
      if (!isRecord(data) || typeof data.type !== 'string') throw new BadRequest('payment_method_data.type', 'payment_method_data.type is required');
      if (!(METHOD_TYPES as readonly string[]).includes(data.type)) throw new BadRequest('payment_method_data.type', `The sandbox shop accepts ${METHOD_TYPES.join(', ')}`);
      if ('card' in data || 'csc' in data) throw new BadRequest('payment_method_data.card', 'Card data is not accepted: the shop is not PCI DSS certified; let the buyer pay on the confirmation page');
      methodType = data.type as MethodType;
    }
    if (methodType === 'sbp' && !capture) throw new BadRequest('capture', 'SBP payments are one-stage: send capture: true');
    if (methodType === 'sbp' && kopecks > 70_000_000n) throw new BadRequest('amount.value', 'An SBP payment is at most 700000.00 RUB');

    const id = yookassaPaymentId();
    const c = body.confirmation;
    if (!isRecord(c)) throw new BadRequest('confirmation', 'confirmation is required (type redirect, qr or embedded)');
    const locale = typeof c.locale === 'string' ? { locale: c.locale } : {};
    const returnUrl = c.return_url;
    if (returnUrl !== undefined && (typeof returnUrl !== 'string' || returnUrl.length > 2048 || !/^https?:\/\//.test(returnUrl))) throw new BadRequest('confirmation.return_url', 'return_url must be an http(s) URL of at most 2048 characters');
    let confirmation: Confirmation;
    if (c.type === 'redirect') {
      if (returnUrl === undefined) throw new BadRequest('confirmation.return_url', 'return_url is required for the redirect confirmation');
      confirmation = { type: 'redirect', return_url: returnUrl as string, confirmation_url: `${this.deps.baseUrl()}/pay/yookassa/${id}`, ...locale };
    } else if (c.type === 'qr') {
      if (methodType !== 'sbp' && methodType !== 'sberbank') throw new BadRequest('confirmation.type', 'The qr confirmation needs payment_method_data.type sbp or sberbank');
      confirmation = { type: 'qr', ...(returnUrl === undefined ? {} : { return_url: returnUrl as string }), confirmation_data: this.deps.qr.payloadFor({ provider: 'yookassa', paymentId: id }, kopecks), ...locale };
    } else if (c.type === 'embedded') {
      confirmation = { type: 'embedded', confirmation_token: `ct-${yookassaPaymentId()}`, ...locale };
    } else {
      throw new BadRequest('confirmation.type', 'The sandbox supports the confirmation types redirect, qr and embedded');
    }

    const withReceipt = body.receipt !== undefined;
    if (withReceipt) checkReceipt(body.receipt, kopecks);
    return {
      id,
      status: 'pending',
      amountKopecks: kopecks,
      currency,
      description: body.description as string | undefined,
      capture,
      confirmation,
      methodType,
      metadata,
      withReceipt,
      createdAt: this.deps.now(),
      refundedKopecks: 0n,
    };
  }

  private getPayment(id: string): SandboxReply {
    const payment = this.paymentsById.get(id);
    if (!payment) return notFound(`Payment ${id} does not exist`);
    return jsonReply(200, this.paymentJson(payment));
  }

  private async capture(id: string, body: unknown): Promise<SandboxReply> {
    const payment = this.paymentsById.get(id);
    if (!payment) return notFound(`Payment ${id} does not exist`);
    if (!isRecord(body)) return invalidRequest('The capture request needs a JSON body ({} captures the whole amount)');
    if (payment.status !== 'waiting_for_capture') return invalidRequest(`Payment is ${payment.status}: only a payment waiting_for_capture can be captured`, 'payment_id');
    if (body.amount !== undefined) {
      let captured: bigint;
      try {
        captured = readAmount(body.amount, 'amount').kopecks;
      } catch (err) {
        if (err instanceof BadRequest) return invalidRequest(err.description, err.parameter);
        throw err;
      }
      if (captured <= 0n || captured > payment.amountKopecks) return invalidRequest('The captured amount must be positive and at most the payment amount', 'amount.value');
      payment.amountKopecks = captured;
    }
    payment.status = 'succeeded';
    payment.capturedAt = this.deps.now();
    delete payment.expiresAt;
    await this.notify(payment, 'payment.succeeded');
    return jsonReply(200, this.paymentJson(payment));
  }

  private async cancel(id: string): Promise<SandboxReply> {
    const payment = this.paymentsById.get(id);
    if (!payment) return notFound(`Payment ${id} does not exist`);
    if (payment.status !== 'waiting_for_capture') return invalidRequest(`Payment is ${payment.status}: only a payment waiting_for_capture can be cancelled`, 'payment_id');
    payment.status = 'canceled';
    payment.cancellation = { party: 'merchant', reason: 'canceled_by_merchant' };
    delete payment.expiresAt;
    await this.notify(payment, 'payment.canceled');
    return jsonReply(200, this.paymentJson(payment));
  }

  /**
   * POST /refunds: only a succeeded payment, in its currency, at most what is left of it (pending
   * refunds hold their part); several partial refunds add up. Succeeded at once unless a refund
   * fault says pending (decided later by the sweep) or canceled. Each success sends refund.succeeded.
   */
  private async createRefund(body: unknown): Promise<SandboxReply> {
    if (!isRecord(body)) return invalidRequest('The request body must be a JSON object with the refund', 'payment_id');
    if (typeof body.payment_id !== 'string' || body.payment_id === '') return invalidRequest('payment_id is required', 'payment_id');
    const payment = this.paymentsById.get(body.payment_id);
    if (!payment) return invalidRequest(`Payment ${body.payment_id.slice(0, 64)} does not exist`, 'payment_id');
    let kopecks: bigint;
    let currency: string;
    let metadata: Record<string, string | null> | undefined;
    try {
      ({ kopecks, currency } = readAmount(body.amount, 'amount'));
      metadata = body.metadata === undefined ? undefined : readMetadata(body.metadata);
      if (body.receipt !== undefined) checkReceipt(body.receipt, kopecks);
    } catch (err) {
      if (err instanceof BadRequest) return invalidRequest(err.description, err.parameter);
      throw err;
    }
    if (payment.status !== 'succeeded') return invalidRequest(`Payment is ${payment.status}: only a succeeded payment can be refunded`, 'payment_id');
    if (currency !== payment.currency) return invalidRequest('The refund currency must be the payment currency', 'amount.currency');
    const left = this.leftToRefund(payment);
    if (kopecks <= 0n || kopecks > left) return invalidRequest(`The refund amount must be positive and at most what is left of the payment (${rublesFromKopecks(left)})`, 'amount.value');
    if (body.description !== undefined && (typeof body.description !== 'string' || body.description.length > 250)) return invalidRequest('description must be a string of at most 250 characters', 'description');
    const now = this.deps.now();
    const refund: YooRefund = {
      id: yookassaRefundId(),
      paymentId: payment.id,
      amountKopecks: kopecks,
      currency,
      description: body.description as string | undefined,
      metadata,
      withReceipt: body.receipt !== undefined,
      createdAt: now,
      status: 'pending',
    };
    const fault = this.deps.faults.take('yookassa', 'refund', REFUND_OUTCOME_FAULTS);
    if (fault?.provider === 'yookassa' && fault.kind === 'canceled') {
      refund.decision = { at: now.getTime() + (fault.pendingMs ?? 0), outcome: { reason: fault.reason ?? 'general_decline' } };
    } else if (fault?.provider === 'yookassa' && fault.kind === 'pending') {
      refund.decision = { at: now.getTime() + (fault.pendingMs ?? DEFAULT_REFUND_PENDING_MS), outcome: 'succeeded' };
    } else {
      refund.decision = { at: now.getTime(), outcome: 'succeeded' };
    }
    this.refundsById.set(refund.id, refund);
    // decided at once unless a fault holds it pending: the answer then shows the outcome
    if (refund.decision.at <= now.getTime()) await this.decide(refund);
    return jsonReply(200, this.refundJson(refund));
  }

  /** A pending refund's outcome: succeeded (the money leaves the payment, refund.succeeded is sent) or canceled (nothing moves; YooKassa has no event for it). */
  private async decide(refund: YooRefund): Promise<void> {
    const decision = refund.decision;
    const payment = this.paymentsById.get(refund.paymentId);
    if (refund.status !== 'pending' || !decision || !payment) return;
    delete refund.decision;
    if (decision.outcome === 'succeeded') {
      refund.status = 'succeeded';
      payment.refundedKopecks += refund.amountKopecks;
      await this.send({ type: 'notification', event: 'refund.succeeded', object: this.refundJson(refund) }, undefined);
    } else {
      refund.status = 'canceled';
      refund.cancellation = { party: YOO_MONEY_REFUSALS.includes(decision.outcome.reason) ? 'yoo_money' : 'refund_network', reason: decision.outcome.reason };
    }
  }

  /** What may still be refunded: the payment less its succeeded refunds and the pending ones (they hold their part). */
  private leftToRefund(payment: YooPayment): bigint {
    let pending = 0n;
    for (const refund of this.refundsById.values()) if (refund.paymentId === payment.id && refund.status === 'pending') pending += refund.amountKopecks;
    return payment.amountKopecks - payment.refundedKopecks - pending;
  }

  /**
   * GET /refunds (OpenAPI RefundList): newest first, filtered by payment_id and status, `limit`
   * 1–100 (default 10), `next_cursor` while more are left (the sandbox's cursor is opaque: an offset).
   */
  private listRefunds(query: URLSearchParams): SandboxReply {
    const paymentId = query.get('payment_id');
    const status = query.get('status');
    if (status !== null && !['pending', 'succeeded', 'canceled'].includes(status)) return invalidRequest('status is pending, succeeded or canceled', 'status');
    const limitText = query.get('limit') ?? '10';
    const limit = /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= 100)) return invalidRequest('limit is an integer from 1 to 100', 'limit');
    const cursor = query.get('cursor');
    const offset = cursor === null ? 0 : Number(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Number.isSafeInteger(offset) || offset < 0) return invalidRequest('cursor is not a next_cursor of this list', 'cursor');
    const matching = [...this.refundsById.values()].filter((r) => (paymentId === null || r.paymentId === paymentId) && (status === null || r.status === status)).reverse();
    const page = matching.slice(offset, offset + limit);
    const more = offset + limit < matching.length;
    return jsonReply(200, { type: 'list', items: page.map((r) => this.refundJson(r)), ...(more ? { next_cursor: Buffer.from(String(offset + limit), 'utf8').toString('base64url') } : {}) });
  }

  private getRefund(id: string): SandboxReply {
    const refund = this.refundsById.get(id);
    return refund ? jsonReply(200, this.refundJson(refund)) : notFound(`Refund ${id} does not exist`);
  }

  // ---- JSON shapes (OpenAPI Payment, Refund) ------------------------------------------------

  private paymentJson(p: YooPayment): Record<string, unknown> {
    const paid = p.status === 'waiting_for_capture' || p.status === 'succeeded';
    return {
      id: p.id,
      status: p.status,
      amount: amount(p.amountKopecks, p.currency),
      ...(p.description === undefined ? {} : { description: p.description }),
      recipient: { account_id: this.deps.settings.shopId, gateway_id: `${this.deps.settings.shopId}-sandbox` },
      ...(p.methodType === undefined ? {} : { payment_method: this.methodJson(p, p.methodType, paid) }),
      ...(p.capturedAt ? { captured_at: p.capturedAt.toISOString() } : {}),
      created_at: p.createdAt.toISOString(),
      ...(p.expiresAt ? { expires_at: p.expiresAt.toISOString() } : {}),
      ...(p.status === 'pending' ? { confirmation: p.confirmation } : {}),
      test: true,
      ...(p.refundedKopecks > 0n ? { refunded_amount: amount(p.refundedKopecks, p.currency) } : {}),
      paid,
      refundable: p.status === 'succeeded' && this.leftToRefund(p) > 0n,
      ...(p.withReceipt ? { receipt_registration: p.status === 'succeeded' ? 'succeeded' : p.status === 'canceled' ? 'canceled' : 'pending' } : {}),
      metadata: p.metadata,
      ...(p.cancellation ? { cancellation_details: p.cancellation } : {}),
      ...(paid && p.methodType === 'bank_card' ? { authorization_details: { rrn: '603668680243', auth_code: '000000', three_d_secure: { applied: false } } } : {}),
    };
  }

  private methodJson(p: YooPayment, type: MethodType, paid: boolean): Record<string, unknown> {
    const base = { type, id: p.id, saved: false, status: 'inactive' };
    if (!paid) return base;
    switch (type) {
      case 'bank_card':
        return { ...base, title: 'Bank card *4444', card: { first6: '555555', last4: '4444', expiry_year: '2030', expiry_month: '12', card_type: 'MasterCard', issuer_country: 'RU', issuer_name: 'Sandbox Bank' } };
      case 'sbp':
        return { ...base, title: 'SBP', sbp_operation_id: `SBP${p.id.replace(/-/g, '').slice(0, 20).toUpperCase()}`, payer_bank_details: { bank_id: '100000000111', bic: '044525225' } };
      case 'sberbank':
        return { ...base, title: 'SberPay' };
      case 'tinkoff_bank':
        return { ...base, title: 'T-Pay' };
    }
  }

  private refundJson(r: YooRefund): Record<string, unknown> {
    const payment = this.paymentsById.get(r.paymentId);
    const succeeded = r.status === 'succeeded';
    return {
      id: r.id,
      payment_id: r.paymentId,
      status: r.status,
      ...(r.cancellation ? { cancellation_details: r.cancellation } : {}),
      ...(r.withReceipt ? { receipt_registration: succeeded ? 'succeeded' : r.status === 'canceled' ? 'canceled' : 'pending' } : {}),
      created_at: r.createdAt.toISOString(),
      amount: amount(r.amountKopecks, r.currency),
      ...(r.description === undefined ? {} : { description: r.description }),
      // SBP: the operation at the NSPK (required once succeeded); cards: the refund's RRN
      ...(payment?.methodType === 'sbp' ? { refund_method: { type: 'sbp', ...(succeeded ? { sbp_operation_id: `SBPR${r.id.replace(/-/g, '').slice(0, 28).toUpperCase()}` } : {}) } } : {}),
      ...(payment?.methodType === 'bank_card' && succeeded ? { refund_authorization_details: { rrn: `9${r.id.replace(/[^0-9]/g, '').padEnd(11, '0').slice(0, 11)}` } } : {}),
      ...(r.metadata === undefined ? {} : { metadata: r.metadata }),
    };
  }

  // ---- webhooks ------------------------------------------------------------------------------

  private async notify(payment: YooPayment, event: string): Promise<void> {
    await this.send({ type: 'notification', event, object: this.paymentJson(payment) }, payment);
  }

  private async send(body: unknown, payment: YooPayment | undefined): Promise<void> {
    const url = this.deps.settings.webhookUrl;
    if (url === undefined) return;
    if (payment) payment.lastNotification = { url, body };
    await this.deps.delivery.send('yookassa', url, body, (status) => status === 200);
  }

  // ---- the buyer's side ----------------------------------------------------------------------

  forBuyer(id: string): PaymentForBuyer | undefined {
    const p = this.paymentsById.get(id);
    if (!p) return undefined;
    const returnUrl = 'return_url' in p.confirmation ? p.confirmation.return_url : undefined;
    return {
      provider: 'yookassa',
      id,
      amountKopecks: p.amountKopecks,
      description: p.description ?? '',
      status: p.status,
      payable: p.status === 'pending',
      method: p.methodType ?? 'any',
      ...(returnUrl === undefined ? {} : { returnAfterPay: returnUrl, returnAfterDecline: returnUrl }),
    };
  }

  pageOpened(): void {}

  sbpPayload(id: string): string {
    const p = this.payable(id);
    return p.confirmation.type === 'qr' ? p.confirmation.confirmation_data : this.deps.qr.payloadFor({ provider: 'yookassa', paymentId: id }, p.amountKopecks);
  }

  async pay(id: string, via: 'page' | 'sbp'): Promise<void> {
    await this.sweep();
    const p = this.payable(id);
    if (p.methodType === undefined) p.methodType = via === 'sbp' ? 'sbp' : 'bank_card';
    p.paidAt = this.deps.now();
    if (p.capture) {
      p.status = 'succeeded';
      p.capturedAt = p.paidAt;
      await this.notify(p, 'payment.succeeded');
    } else {
      p.status = 'waiting_for_capture';
      p.expiresAt = new Date(p.paidAt.getTime() + this.deps.settings.captureWindowMs);
      await this.notify(p, 'payment.waiting_for_capture');
    }
  }

  async decline(id: string): Promise<void> {
    await this.sweep();
    const p = this.payable(id);
    p.status = 'canceled';
    p.cancellation = { party: 'payment_network', reason: 'general_decline' };
    await this.notify(p, 'payment.canceled');
  }

  payments(): readonly SandboxPayment[] {
    return [...this.paymentsById.values()].map((p) => ({
      id: p.id,
      status: p.status,
      amountMinor: p.amountKopecks,
      ...(typeof p.metadata.transaction_id === 'string' ? { transactionId: p.metadata.transaction_id } : {}),
      method: p.methodType ?? 'any',
    }));
  }

  refunds(id: string): readonly SandboxRefund[] | undefined {
    if (!this.paymentsById.has(id)) return undefined;
    return [...this.refundsById.values()]
      .filter((r) => r.paymentId === id)
      .map((r) => ({
        id: r.id,
        paymentId: r.paymentId,
        status: r.status,
        amountMinor: r.amountKopecks,
        ...(typeof r.metadata?.refund_id === 'string' ? { refundId: r.metadata.refund_id } : {}),
        createdAt: r.createdAt.toISOString(),
      }));
  }

  async redeliver(id: string, times: number): Promise<void> {
    const p = this.paymentsById.get(id);
    if (!p) throw new PaymentNotFound('yookassa', id);
    if (!p.lastNotification) throw new Error(`yookassa payment ${id} has had no notification yet`);
    for (let i = 0; i < times; i++) await this.deps.delivery.once('yookassa', p.lastNotification.url, p.lastNotification.body);
  }

  async sweep(): Promise<void> {
    const now = this.deps.now().getTime();
    for (const p of this.paymentsById.values()) {
      if (p.status === 'pending' && now >= p.createdAt.getTime() + this.deps.settings.paymentTtlMs) {
        p.status = 'canceled';
        p.cancellation = { party: 'yoo_money', reason: 'expired_on_confirmation' };
        await this.notify(p, 'payment.canceled');
      } else if (p.status === 'waiting_for_capture' && p.expiresAt && now >= p.expiresAt.getTime()) {
        p.status = 'canceled';
        p.cancellation = { party: 'yoo_money', reason: 'expired_on_capture' };
        delete p.expiresAt;
        await this.notify(p, 'payment.canceled');
      }
    }
    for (const refund of this.refundsById.values()) {
      if (refund.status === 'pending' && refund.decision && now >= refund.decision.at) await this.decide(refund);
    }
  }

  private payable(id: string): YooPayment {
    const p = this.paymentsById.get(id);
    if (!p) throw new PaymentNotFound('yookassa', id);
    if (p.status !== 'pending') throw new PaymentNotPayable('yookassa', id, p.status);
    return p;
  }
}

function readAmount(value: unknown, parameter: string): { kopecks: bigint; currency: string } {
  if (!isRecord(value)) throw new BadRequest(parameter, `${parameter} is required: {"value": "1000.00", "currency": "RUB"}`);
  const kopecks = kopecksFromRubles(value.value);
  if (kopecks === undefined) throw new BadRequest(`${parameter}.value`, `${parameter}.value must be a string of rubles with a dot, e.g. "1000.00"`);
  if (value.currency !== 'RUB') throw new BadRequest(`${parameter}.currency`, 'The sandbox shop accepts RUB only');
  return { kopecks, currency: 'RUB' };
}

function readMetadata(value: unknown): Record<string, string | null> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new BadRequest('metadata', 'metadata must be an object of string values');
  const entries = Object.entries(value);
  if (entries.length > 16) throw new BadRequest('metadata', 'metadata has at most 16 keys');
  for (const [key, item] of entries) {
    if (key.length > 32) throw new BadRequest('metadata', `metadata key ${key.slice(0, 40)} is longer than 32 characters`);
    if (item !== null && (typeof item !== 'string' || item.length > 512)) throw new BadRequest(`metadata.${key}`, 'metadata values are strings of at most 512 characters');
  }
  return value as Record<string, string | null>;
}

/** 54-FZ receipt inline: items with a unit price each; Σ amount × quantity must be the payment amount. */
function checkReceipt(receipt: unknown, paymentKopecks: bigint): void {
  if (!isRecord(receipt) || !Array.isArray(receipt.items) || receipt.items.length === 0) throw new BadRequest('receipt.items', 'receipt.items is required');
  const customer = receipt.customer;
  if (!isRecord(customer) || (typeof customer.email !== 'string' && typeof customer.phone !== 'string')) throw new BadRequest('receipt.customer', 'receipt.customer needs an email or a phone');
  let total = 0n;
  receipt.items.forEach((item: unknown, i) => {
    const at = `receipt.items[${i}]`;
    if (!isRecord(item)) throw new BadRequest(at, 'a receipt item must be an object');
    if (typeof item.description !== 'string' || item.description.length < 1 || item.description.length > 128) throw new BadRequest(`${at}.description`, 'description is 1–128 characters');
    if (typeof item.quantity !== 'number' || !(item.quantity > 0)) throw new BadRequest(`${at}.quantity`, 'quantity must be a positive number');
    const unit = readAmount(item.amount, `${at}.amount`).kopecks;
    if (typeof item.vat_code !== 'number' || !Number.isInteger(item.vat_code) || item.vat_code < 1 || item.vat_code > 12) throw new BadRequest(`${at}.vat_code`, 'vat_code is an integer 1–12');
    total += BigInt(Math.round(Number(unit) * item.quantity));
  });
  if (total !== paymentKopecks) throw new BadRequest('receipt', `The receipt items add up to ${rublesFromKopecks(total)} (amount is the unit price × quantity), not the payment amount ${rublesFromKopecks(paymentKopecks)}`);
}
