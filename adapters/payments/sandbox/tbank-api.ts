import type { BuyerSide, PaymentForBuyer, SandboxPayment, SandboxRefund } from './buyer-side.js';
import { PaymentNotFound, PaymentNotPayable } from './buyer-side.js';
import type { ProviderSideDeps } from './provider-side.js';
import { REFUND_OUTCOME_FAULTS } from './sandbox-faults.js';
import { hang, isRecord, jsonReply, parseJsonBody, type SandboxReply, type SandboxRequest } from './sandbox-http.js';
import { tbankPaymentIds } from './sandbox-ids.js';
import { qrSvg } from './sbp-qr.js';
import { tbankToken } from './tbank-token.js';

/**
 * A local T-Bank acquiring API v2 (EACQ; DOMAIN-FACTS B §2): POST JSON to /v2/<Method>, a Token on
 * every request, business errors as HTTP 200 {Success:false, ErrorCode}, amounts in kopecks,
 * notifications signed with the same Token algorithm and redelivered until the reply is exactly OK.
 */

const MIN_CARD_KOPECKS = 100;
const MIN_SBP_KOPECKS = 1000;
const DEFAULT_REDIRECT_MS = 72 * 60 * 60 * 1000;
const PAYABLE = ['NEW', 'FORM_SHOWED'];
/** A Cancel returns money from these (a hold is released from AUTHORIZED / PARTIAL_REVERSED, a charge refunded from CONFIRMED / PARTIAL_REFUNDED). */
const RETURNABLE = ['AUTHORIZED', 'PARTIAL_REVERSED', 'CONFIRMED', 'PARTIAL_REFUNDED'];
/** How long a `pending` Cancel fault keeps the refund in processing when it names no pendingMs. */
const DEFAULT_REFUND_PENDING_MS = 1000;
/** A turned-down refund's ErrorCode when the fault names none ("невозможно провести операцию": T-Bank documents no code for it). */
const REFUND_TURNED_DOWN = { errorCode: '11', message: 'Невозможно провести операцию', details: 'The refund was turned down (sandbox fault)' };

/**
 * One Cancel request of a payment: what it returned (or holds, or was refused), kept for its
 * ExternalRequestId — a repeat answers this operation's state and never returns money again.
 */
interface CancelOperation {
  readonly number: number;
  readonly externalRequestId: string | undefined;
  /** Amount as the request sent it (undefined: all that is left); a repeat must send the same. */
  readonly requestedAmount: number | undefined;
  /** Kopecks this operation returns (0 for the cancel of an unpaid payment). */
  readonly kopecks: number;
  readonly returnsMoney: boolean;
  readonly reversal: boolean;
  readonly createdAt: Date;
  state: 'done' | 'processing' | 'rejected';
  /** The payment status it ended in (done), or is processing in. */
  status: string;
  answer: Fields;
  /** While processing: the status to go back to if turned down, when and how it is decided. */
  processing?: { readonly before: string; readonly at: number; readonly outcome: 'succeeded' | { readonly errorCode: string; readonly message: string } };
  rejection?: { readonly errorCode: string; readonly message: string };
}

interface TbankPayment {
  readonly paymentId: string;
  readonly orderId: string;
  readonly originalKopecks: number;
  readonly description: string | undefined;
  readonly notificationUrl: string | undefined;
  readonly successUrl: string | undefined;
  readonly failUrl: string | undefined;
  readonly dueAt: Date;
  readonly twoStage: boolean;
  status: string;
  method: 'bank_card' | 'sbp' | 'any';
  /** The payment's amount: Init's, or what Confirm charged — what GetState, CheckOrder and notifications say. */
  paidKopecks: number;
  /** What is charged now (after refunds / partial reversals; a refund in processing holds its part). */
  currentKopecks: number;
  readonly cancelRequests: Map<string, CancelOperation>;
  readonly operations: CancelOperation[];
  lastNotification?: { readonly url: string; readonly body: Record<string, unknown> };
}

export interface TbankSettings {
  readonly terminalKey: string;
  readonly password: string;
}

export type TbankDeps = ProviderSideDeps<TbankSettings>;

type Fields = Record<string, unknown>;

class TbankError {
  constructor(
    readonly errorCode: string,
    readonly message: string,
    readonly details?: string,
  ) {}
}

const missing = (name: string) => new TbankError('2', 'Не переданы обязательные параметры', `${name} is required`);

export class TbankApi implements BuyerSide {
  private readonly paymentsById = new Map<string, TbankPayment>();
  private readonly nextPaymentId = tbankPaymentIds();

  constructor(private readonly deps: TbankDeps) {}

  // ---- the API ---------------------------------------------------------------------------

  async handle(request: SandboxRequest, method: string): Promise<SandboxReply> {
    if (request.method !== 'POST') return jsonReply(405, { Success: false, ErrorCode: '9999', Message: 'Метод не поддерживается', Details: 'T-Bank EACQ methods are POST with a JSON body' });
    const run = this.methods[method];
    if (!run) return jsonReply(404, { Success: false, ErrorCode: '9999', Message: 'Метод не найден', Details: `Unknown method ${method}` });
    const parsed = parseJsonBody(request.body);
    if (parsed.kind !== 'json' || !isRecord(parsed.value)) return jsonReply(200, this.errorJson(new TbankError('9999', 'Неверный формат запроса', 'The body must be a JSON object')));
    const fields = parsed.value;
    if (fields.TerminalKey !== this.deps.settings.terminalKey || typeof fields.Token !== 'string' || fields.Token.toLowerCase() !== tbankToken(fields, this.deps.settings.password)) {
      return jsonReply(200, this.errorJson(new TbankError('204', 'Неверный токен', 'The Token does not match the request signed with the terminal password (or the TerminalKey is unknown)')));
    }
    await this.sweep();
    const fault = this.deps.faults.take('tbank', method, ['http500', 'error', 'timeout']);
    if (fault?.kind === 'http500') return jsonReply(500, { Success: false, ErrorCode: '3', Message: 'Внутренняя ошибка системы' });
    if (fault?.kind === 'error') {
      const f = fault.provider === 'tbank' ? fault : undefined;
      return jsonReply(200, this.errorJson(new TbankError(f?.errorCode ?? '3', f?.message ?? 'Внутренняя ошибка системы', 'sandbox fault')));
    }
    let reply: SandboxReply;
    try {
      reply = jsonReply(200, { Success: true, ErrorCode: '0', TerminalKey: this.deps.settings.terminalKey, ...(await run(fields)) });
    } catch (err) {
      if (!(err instanceof TbankError)) throw err;
      reply = jsonReply(200, this.errorJson(err));
    }
    return fault?.kind === 'timeout' ? hang : reply;
  }

  private readonly methods: Record<string, (fields: Fields) => Promise<Fields>> = {
    Init: async (f) => this.init(f),
    GetState: async (f) => this.getState(f),
    GetQr: async (f) => this.getQr(f),
    CheckOrder: async (f) => this.checkOrder(f),
    Cancel: async (f) => this.cancel(f),
    Confirm: async (f) => this.confirm(f),
    SbpPayTest: async (f) => this.sbpPayTest(f),
  };

  private errorJson(err: TbankError): Fields {
    return { Success: false, ErrorCode: err.errorCode, TerminalKey: this.deps.settings.terminalKey, Message: err.message, ...(err.details === undefined ? {} : { Details: err.details }) };
  }

  private init(f: Fields): Fields {
    const amount = f.Amount;
    if (amount === undefined) throw missing('Amount');
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) throw new TbankError('9999', 'Неверные параметры', 'Amount is a positive integer of kopecks');
    if (amount < MIN_CARD_KOPECKS) throw new TbankError('9999', 'Неверная сумма', `Amount must be at least ${MIN_CARD_KOPECKS} kopecks`);
    if (f.OrderId === undefined) throw missing('OrderId');
    if (typeof f.OrderId !== 'string' || f.OrderId.length < 1 || f.OrderId.length > 36) throw new TbankError('9999', 'Неверные параметры', 'OrderId is a string of 1–36 characters');
    for (const name of ['Description', 'NotificationURL', 'SuccessURL', 'FailURL', 'PayType'] as const) {
      if (f[name] !== undefined && typeof f[name] !== 'string') throw new TbankError('9999', 'Неверные параметры', `${name} must be a string`);
    }
    if (f.PayType !== undefined && f.PayType !== 'O' && f.PayType !== 'T') throw new TbankError('9999', 'Неверные параметры', 'PayType is O (one-stage) or T (two-stage)');
    const now = this.deps.now();
    let dueAt = new Date(now.getTime() + DEFAULT_REDIRECT_MS);
    if (f.RedirectDueDate !== undefined) {
      const parsed = typeof f.RedirectDueDate === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(f.RedirectDueDate) ? new Date(f.RedirectDueDate) : new Date(NaN);
      if (Number.isNaN(parsed.getTime()) || parsed.getTime() <= now.getTime()) throw new TbankError('12', 'Неверный RedirectDueDate', 'RedirectDueDate must be a future ISO 8601 date-time, e.g. 2016-08-31T12:28:00+03:00');
      dueAt = parsed;
    }
    if (f.DATA !== undefined && !isRecord(f.DATA)) throw new TbankError('9999', 'Неверные параметры', 'DATA is an object of string pairs');
    if (f.Receipt !== undefined) checkReceipt(f.Receipt, amount);
    const payment: TbankPayment = {
      paymentId: this.nextPaymentId(),
      orderId: f.OrderId,
      originalKopecks: amount,
      paidKopecks: amount,
      currentKopecks: amount,
      description: f.Description as string | undefined,
      notificationUrl: f.NotificationURL as string | undefined,
      successUrl: f.SuccessURL as string | undefined,
      failUrl: f.FailURL as string | undefined,
      dueAt,
      twoStage: f.PayType === 'T',
      status: 'NEW',
      method: isRecord(f.DATA) && f.DATA.QR === 'true' ? 'sbp' : 'any',
      cancelRequests: new Map(),
      operations: [],
    };
    this.paymentsById.set(payment.paymentId, payment);
    return { Status: 'NEW', PaymentId: payment.paymentId, OrderId: payment.orderId, Amount: amount, PaymentURL: `${this.deps.baseUrl()}/pay/tbank/${payment.paymentId}` };
  }

  private find(f: Fields): TbankPayment {
    if (f.PaymentId === undefined) throw missing('PaymentId');
    const payment = this.paymentsById.get(String(f.PaymentId));
    if (!payment) throw new TbankError('7', 'Платеж не найден', `No payment ${String(f.PaymentId)} on this terminal`);
    return payment;
  }

  private getState(f: Fields): Fields {
    const p = this.find(f);
    return { Status: p.status, PaymentId: p.paymentId, OrderId: p.orderId, Amount: p.paidKopecks, Message: 'OK' };
  }

  private async getQr(f: Fields): Promise<Fields> {
    const p = this.find(f);
    if (!PAYABLE.includes(p.status)) throw new TbankError('8', 'Неверный статус транзакции', `Payment is ${p.status}`);
    if (p.originalKopecks < MIN_SBP_KOPECKS) throw new TbankError('9999', 'Неверная сумма', `An SBP payment is at least ${MIN_SBP_KOPECKS} kopecks`);
    const dataType = f.DataType ?? 'PAYLOAD';
    if (dataType !== 'PAYLOAD' && dataType !== 'IMAGE') throw new TbankError('9999', 'Неверные параметры', 'DataType is PAYLOAD or IMAGE');
    p.method = 'sbp';
    p.status = 'FORM_SHOWED';
    const payload = this.deps.qr.payloadFor({ provider: 'tbank', paymentId: p.paymentId }, BigInt(p.originalKopecks));
    return { OrderId: p.orderId, Data: dataType === 'IMAGE' ? await qrSvg(payload) : payload, PaymentId: Number(p.paymentId) };
  }

  private checkOrder(f: Fields): Fields {
    if (f.OrderId === undefined) throw missing('OrderId');
    const payments = [...this.paymentsById.values()].filter((p) => p.orderId === f.OrderId);
    return {
      OrderId: f.OrderId,
      Payments: payments.map((p) => ({
        PaymentId: p.paymentId,
        Amount: p.paidKopecks,
        Status: p.status,
        Success: p.status !== 'REJECTED',
        ErrorCode: p.status === 'REJECTED' ? '1051' : '0',
        Message: p.status === 'REJECTED' ? 'Недостаточно средств' : 'OK',
      })),
    };
  }

  /**
   * Cancel (EACQ §2.10): NEW → CANCELED (Amount ignored); AUTHORIZED → PARTIAL_REVERSED | REVERSED;
   * CONFIRMED → PARTIAL_REFUNDED | REFUNDED, `Amount` at least 100 and at most what is left.
   * With an ExternalRequestId seen before, "the current state of the operation" comes back
   * and nothing is returned again (the same id with another Amount is refused); a refund fault
   * holds it in REFUNDING (ASYNC_REFUNDING for SBP, REVERSING for a hold) for a while.
   */
  private async cancel(f: Fields): Promise<Fields> {
    const p = this.find(f);
    const externalId = f.ExternalRequestId;
    if (externalId !== undefined && typeof externalId !== 'string') throw new TbankError('9999', 'Неверные параметры', 'ExternalRequestId is a string');
    const requested = f.Amount;
    if (requested !== undefined && (typeof requested !== 'number' || !Number.isSafeInteger(requested) || requested < 100)) throw new TbankError('9999', 'Неверная сумма', 'Amount is an integer of at least 100 kopecks');
    const known = externalId === undefined || externalId === '' ? undefined : p.cancelRequests.get(externalId);
    if (known) return this.cancelAgain(p, known, requested);

    const original = p.currentKopecks;
    const number = p.operations.length + 1;
    const at = this.deps.now();
    let operation: CancelOperation;
    if (PAYABLE.includes(p.status)) {
      p.status = 'CANCELED';
      p.currentKopecks = 0;
      operation = { number, externalRequestId: externalId || undefined, requestedAmount: requested, kopecks: 0, returnsMoney: false, reversal: false, createdAt: at, state: 'done', status: p.status, answer: {} };
    } else if (RETURNABLE.includes(p.status)) {
      const take = requested ?? p.currentKopecks;
      if (take > p.currentKopecks) throw new TbankError('9999', 'Неверная сумма', `At most ${p.currentKopecks} kopecks are left to return`);
      const reversal = p.status === 'AUTHORIZED' || p.status === 'PARTIAL_REVERSED';
      operation = { number, externalRequestId: externalId || undefined, requestedAmount: requested, kopecks: take, returnsMoney: true, reversal, createdAt: at, state: 'processing', status: p.status, answer: {} };
      const fault = this.deps.faults.take('tbank', 'Cancel', REFUND_OUTCOME_FAULTS);
      const before = p.status;
      p.currentKopecks -= take;
      if (fault?.provider === 'tbank' && (fault.kind === 'pending' || fault.kind === 'canceled')) {
        const outcome = fault.kind === 'pending' ? ('succeeded' as const) : { errorCode: fault.errorCode ?? REFUND_TURNED_DOWN.errorCode, message: fault.message ?? REFUND_TURNED_DOWN.message };
        const pendingMs = fault.pendingMs ?? (fault.kind === 'pending' ? DEFAULT_REFUND_PENDING_MS : 0);
        operation.processing = { before, at: at.getTime() + pendingMs, outcome };
        p.status = reversal ? 'REVERSING' : p.method === 'sbp' ? 'ASYNC_REFUNDING' : 'REFUNDING';
        operation.status = p.status;
      }
    } else {
      throw new TbankError('8', 'Неверный статус транзакции', `Payment is ${p.status}: it cannot be cancelled`);
    }
    operation.answer = { PaymentId: p.paymentId, OrderId: p.orderId, OriginalAmount: original, NewAmount: p.currentKopecks, ...(operation.externalRequestId === undefined ? {} : { ExternalRequestId: operation.externalRequestId }) };
    p.operations.push(operation);
    if (operation.externalRequestId !== undefined) p.cancelRequests.set(operation.externalRequestId, operation);
    if (operation.state === 'processing') {
      if (operation.processing === undefined || operation.processing.at <= at.getTime()) await this.settle(p, operation);
      if (operation.rejection) throw new TbankError(operation.rejection.errorCode, operation.rejection.message, REFUND_TURNED_DOWN.details);
    }
    return { Status: operation.status, ...operation.answer };
  }

  /** A Cancel with an ExternalRequestId already seen: the operation's state now, nothing returned again. */
  private cancelAgain(p: TbankPayment, operation: CancelOperation, requested: unknown): Fields {
    if (operation.returnsMoney && requested !== operation.requestedAmount) {
      throw new TbankError('9999', 'Неверные параметры', `ExternalRequestId ${operation.externalRequestId ?? ''} was used with ${operation.requestedAmount === undefined ? 'no Amount' : `Amount ${operation.requestedAmount}`}: a new operation needs a new ExternalRequestId`);
    }
    if (operation.state === 'rejected') throw new TbankError(operation.rejection!.errorCode, operation.rejection!.message, REFUND_TURNED_DOWN.details);
    // done: the payment's current status (T-Bank: "the current state of the payment operation"); processing: REFUNDING …
    return { ...operation.answer, Status: operation.state === 'done' ? p.status : operation.status };
  }

  /** A refund in processing is decided: it returns the money (PARTIAL_REFUNDED … and a notification) or is turned down (the payment as it was). */
  private async settle(p: TbankPayment, operation: CancelOperation): Promise<void> {
    if (operation.state !== 'processing') return;
    const outcome = operation.processing?.outcome ?? 'succeeded';
    if (outcome === 'succeeded') {
      operation.state = 'done';
      p.status = p.currentKopecks === 0 ? (operation.reversal ? 'REVERSED' : 'REFUNDED') : operation.reversal ? 'PARTIAL_REVERSED' : 'PARTIAL_REFUNDED';
      operation.status = p.status;
      delete operation.processing;
      await this.notify(p);
    } else {
      operation.state = 'rejected';
      operation.status = 'REJECTED';
      operation.rejection = outcome;
      p.currentKopecks += operation.kopecks;
      p.status = operation.processing!.before;
      delete operation.processing;
    }
  }

  private async confirm(f: Fields): Promise<Fields> {
    const p = this.find(f);
    if (p.status !== 'AUTHORIZED') throw new TbankError('8', 'Неверный статус транзакции', `Payment is ${p.status}: only AUTHORIZED can be confirmed`);
    if (f.Amount !== undefined) {
      if (typeof f.Amount !== 'number' || !Number.isSafeInteger(f.Amount) || f.Amount <= 0 || f.Amount > p.currentKopecks) throw new TbankError('9999', 'Неверная сумма', 'Amount is at most the authorized amount');
      p.currentKopecks = f.Amount;
      p.paidKopecks = f.Amount;
    }
    p.status = 'CONFIRMED';
    await this.notify(p);
    return { Status: p.status, PaymentId: p.paymentId, OrderId: p.orderId };
  }

  /** T-Bank's test-terminal method: emulate the SBP outcome (none → CONFIRMED, IsDeadlineExpired, IsRejected). */
  private async sbpPayTest(f: Fields): Promise<Fields> {
    const p = this.find(f);
    if (f.IsDeadlineExpired === true && f.IsRejected === true) throw new TbankError('9999', 'Неверные параметры', 'IsDeadlineExpired and IsRejected exclude each other');
    if (!PAYABLE.includes(p.status)) throw new TbankError('8', 'Неверный статус транзакции', `Payment is ${p.status}`);
    if (f.IsDeadlineExpired === true) p.status = 'DEADLINE_EXPIRED';
    else if (f.IsRejected === true) await this.decline(p.paymentId);
    else await this.pay(p.paymentId, 'sbp');
    return {};
  }

  // ---- notifications -----------------------------------------------------------------------

  private async notify(p: TbankPayment): Promise<void> {
    if (!p.notificationUrl) return;
    const rejected = p.status === 'REJECTED';
    const fields: Fields = {
      TerminalKey: this.deps.settings.terminalKey,
      OrderId: p.orderId,
      Success: !rejected,
      Status: p.status,
      PaymentId: Number(p.paymentId),
      ErrorCode: rejected ? '1051' : '0',
      // the payment's amount whatever was returned of it (what is left is Cancel's NewAmount)
      Amount: p.paidKopecks,
      ...(p.method === 'bank_card' ? { CardId: 867911, Pan: '430000******0777', ExpDate: '1230' } : {}),
    };
    const body = { ...fields, Token: tbankToken(fields, this.deps.settings.password) };
    p.lastNotification = { url: p.notificationUrl, body };
    await this.deps.delivery.send('tbank', p.notificationUrl, body, (status, reply) => status === 200 && reply === 'OK');
  }

  // ---- the buyer's side ----------------------------------------------------------------------

  forBuyer(id: string): PaymentForBuyer | undefined {
    const p = this.paymentsById.get(id);
    if (!p) return undefined;
    this.expireIfDue(p);
    return {
      provider: 'tbank',
      id,
      amountKopecks: BigInt(p.originalKopecks),
      description: p.description ?? '',
      status: p.status,
      payable: PAYABLE.includes(p.status),
      method: p.method,
      ...(p.successUrl === undefined ? {} : { returnAfterPay: p.successUrl }),
      ...(p.failUrl === undefined ? {} : { returnAfterDecline: p.failUrl }),
    };
  }

  pageOpened(id: string): void {
    const p = this.paymentsById.get(id);
    if (p?.status === 'NEW') p.status = 'FORM_SHOWED';
  }

  sbpPayload(id: string): string {
    const p = this.payable(id);
    return this.deps.qr.payloadFor({ provider: 'tbank', paymentId: p.paymentId }, BigInt(p.originalKopecks));
  }

  async pay(id: string, via: 'page' | 'sbp'): Promise<void> {
    const p = this.payable(id);
    if (via === 'sbp') p.method = 'sbp';
    else if (p.method === 'any') p.method = 'bank_card';
    p.status = 'AUTHORIZED';
    if (p.method === 'bank_card') await this.notify(p);
    if (p.twoStage && p.method === 'bank_card') return; // two-stage: AUTHORIZED until Confirm
    p.status = 'CONFIRMED';
    await this.notify(p);
  }

  async decline(id: string): Promise<void> {
    const p = this.payable(id);
    if (p.method === 'any') p.method = 'bank_card';
    p.status = 'REJECTED';
    await this.notify(p);
  }

  payments(): readonly SandboxPayment[] {
    return [...this.paymentsById.values()].map((p) => ({ id: p.paymentId, status: p.status, amountMinor: BigInt(p.currentKopecks), transactionId: p.orderId, method: p.method }));
  }

  refunds(id: string): readonly SandboxRefund[] | undefined {
    const p = this.paymentsById.get(id);
    if (!p) return undefined;
    return p.operations
      .filter((operation) => operation.returnsMoney)
      .map((operation) => ({
        id: `${p.paymentId}-${operation.number}`,
        paymentId: p.paymentId,
        status: operation.status,
        amountMinor: BigInt(operation.kopecks),
        ...(operation.externalRequestId === undefined ? {} : { refundId: operation.externalRequestId }),
        createdAt: operation.createdAt.toISOString(),
      }));
  }

  async redeliver(id: string, times: number): Promise<void> {
    const p = this.paymentsById.get(id);
    if (!p) throw new PaymentNotFound('tbank', id);
    if (!p.lastNotification) throw new Error(`tbank payment ${id} has had no notification yet`);
    for (let i = 0; i < times; i++) await this.deps.delivery.once('tbank', p.lastNotification.url, p.lastNotification.body);
  }

  async sweep(): Promise<void> {
    const now = this.deps.now().getTime();
    for (const p of this.paymentsById.values()) {
      this.expireIfDue(p);
      for (const operation of p.operations) if (operation.state === 'processing' && operation.processing && now >= operation.processing.at) await this.settle(p, operation);
    }
  }

  /** RedirectDueDate passed while unpaid → DEADLINE_EXPIRED (T-Bank sends no notification for it by default). */
  private expireIfDue(p: TbankPayment): void {
    if (PAYABLE.includes(p.status) && this.deps.now().getTime() >= p.dueAt.getTime()) p.status = 'DEADLINE_EXPIRED';
  }

  private payable(id: string): TbankPayment {
    const p = this.paymentsById.get(id);
    if (!p) throw new PaymentNotFound('tbank', id);
    this.expireIfDue(p);
    if (!PAYABLE.includes(p.status)) throw new PaymentNotPayable('tbank', id, p.status);
    return p;
  }
}

/** Receipt (FFD 1.05/1.2): Items[].Amount is the line total (Price × Quantity); Σ Amount must equal Init.Amount. */
function checkReceipt(receipt: unknown, amount: number): void {
  if (!isRecord(receipt) || !Array.isArray(receipt.Items) || receipt.Items.length === 0) throw new TbankError('9999', 'Неверные параметры', 'Receipt.Items is required');
  if (typeof receipt.Email !== 'string' && typeof receipt.Phone !== 'string') throw new TbankError('9999', 'Неверные параметры', 'Receipt needs Email or Phone');
  let total = 0;
  receipt.Items.forEach((item: unknown, i) => {
    if (!isRecord(item) || typeof item.Name !== 'string' || typeof item.Price !== 'number' || typeof item.Quantity !== 'number' || typeof item.Amount !== 'number' || typeof item.Tax !== 'string') {
      throw new TbankError('9999', 'Неверные параметры', `Receipt.Items[${i}] needs Name, Price, Quantity, Amount and Tax`);
    }
    if (Math.round(item.Price * item.Quantity) !== item.Amount) throw new TbankError('9999', 'Неверные параметры', `Receipt.Items[${i}].Amount must be Price × Quantity (the line total)`);
    total += item.Amount;
  });
  if (total !== amount) throw new TbankError('9999', 'Неверные параметры', `The Receipt items add up to ${total}, not Amount ${amount}`);
}
