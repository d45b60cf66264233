import { serveStandIn } from '../../stand-ins/stand-in-server.js';
import { CallbackDelivery, type CallbackAttempt, type CallbackPace } from './callback-delivery.js';
import { FiscalDocuments, reportDocument, type HeldDocument } from './fiscal-documents.js';
import { RegisterApi, type RegisterSettings } from './register-api.js';
import { ERROR_TABLE } from './register-errors.js';
import { FaultQueue, readFaultOrder, type FaultOrder, type RegisterFault, type ReportFault } from './register-faults.js';
import { json, readJson, text, type RegisterReply, type RegisterRequest } from './register-http.js';
import { TokenDesk } from './register-tokens.js';

/**
 * The local cloud register of the embedded default (issue 13): ATOL Online v5 (FFD 1.2) served
 * from the other side — getToken, sell / sell_refund, report/{uuid}, callbacks — with its own
 * parsing, validation and formatting (it shares no code with adapters/fiscal/atol, which is
 * tested against it), a `wait` that lasts `waitMs`, duplicates by external_id, failures on
 * demand, and controls for tests and curl under /cloud-register/. In memory: a restart forgets
 * every receipt (and the shop's token, which it then simply fetches again).
 */

export type { FaultOrder, RegisterFault, ReportFault } from './register-faults.js';
export type { CallbackAttempt } from './callback-delivery.js';

/** The account a local register has when none is given (also what openCashRegister uses for one at CLOUD_REGISTER_URL). */
export const CLOUD_REGISTER_DEFAULT_ACCOUNT = { login: 'ledgerline-register', password: 'ledgerline-register-pass', group: 'ledgerline-local_1' } as const;

export interface CloudRegisterOptions {
  readonly port: number; // 0 = any free port
  readonly host?: string; // default 127.0.0.1
  /** How shops reach it when not http://<host>:<port> (a container); the receipts' OFD links use it. */
  readonly publicUrl?: string;
  readonly account?: { readonly login: string; readonly password: string; readonly group: string };
  /** How long a receipt stays `wait` before it is printed (default 1000 ms). */
  readonly waitMs?: number;
  /** Whether completed reports are posted to callback_url (default true). */
  readonly callbacks?: boolean;
  readonly callbackPace?: CallbackPace;
  /** The register's clock: token lifetimes, the wait, receipt times. */
  readonly now?: () => Date;
}

/** One receipt as GET /cloud-register/receipts lists it: what tests count and check, the buyer's contact masked. */
export interface ListedReceipt {
  readonly uuid: string;
  readonly external_id: string;
  readonly group_code: string;
  readonly operation: 'sell' | 'sell_refund';
  readonly status: 'wait' | 'done' | 'fail';
  readonly timestamp: string;
  readonly accepted_at: string;
  readonly total: number;
  readonly items: HeldDocument['receipt']['items'];
  readonly payments: HeldDocument['receipt']['payments'];
  readonly client: { readonly email?: string; readonly phone?: string };
  readonly company: { readonly inn: string; readonly sno: string; readonly payment_address: string };
  readonly callback_url: string | null;
  readonly fiscal_document_number: number | null;
  readonly error: { readonly code: number; readonly text: string; readonly type: string } | null;
}

export interface LocalCloudRegister {
  readonly url: string;
  /** The ATOL v5 base: `<url>/possystem/v5`. */
  readonly apiUrl: string;
  readonly login: string;
  readonly password: string;
  readonly group: string;
  /** Every receipt taken (optionally one external_id's), oldest first. */
  receipts(filter?: { readonly externalId?: string }): readonly ListedReceipt[];
  /** Every callback attempt with the answer it got. */
  callbacks(): readonly CallbackAttempt[];
  /** Tokens issued by getToken so far. */
  tokensIssued(): number;
  /** What POST /cloud-register/faults does (throws on an invalid order). */
  injectFaults(order: FaultOrder): void;
  /** What DELETE /cloud-register/faults does: no faults queued, waitMs and callbacks as started. */
  clearFaults(): void;
  stop(): Promise<void>;
}

const SWEEP_MS = 50;
const BODY_LIMIT_BYTES = 1_048_576;

export async function startCloudRegister(options: CloudRegisterOptions): Promise<LocalCloudRegister> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? (() => new Date());
  const account = options.account ?? CLOUD_REGISTER_DEFAULT_ACCOUNT;
  const started: RegisterSettings = { waitMs: options.waitMs ?? 1000, callbacks: options.callbacks ?? true };
  const settings: RegisterSettings = { ...started };
  let url = '';
  const tokens = new TokenDesk({ login: account.login, password: account.password, groups: [account.group] }, now);
  const registerFaults = new FaultQueue<RegisterFault>();
  const reportFaults = new FaultQueue<ReportFault>();
  const documents = new FiscalDocuments(now, (uuid) => `${url}/cloud-register/ofd/${uuid}`, reportFaults);
  const delivery = new CallbackDelivery(options.callbackPace ?? { attempts: 3, firstRetryMs: 500 });
  const api = new RegisterApi({ tokens, documents, registerFaults, reportFaults, settings, now });
  const knownCodes = new Set(Object.keys(ERROR_TABLE).map(Number));

  /** Print what is due and post its reports (the sweeper does it, and so does every request first: a moved clock shows at once). */
  function settle(): void {
    for (const document of documents.settleDue()) {
      if (settings.callbacks && document.receipt.callbackUrl !== undefined) delivery.send(document.uuid, document.receipt.callbackUrl, reportDocument(document, now()));
    }
  }

  function injectFaults(order: FaultOrder): void {
    registerFaults.add(order.register ?? []);
    reportFaults.add(order.report ?? []);
    if (order.waitMs !== undefined) settings.waitMs = order.waitMs;
    if (order.callbacks !== undefined) settings.callbacks = order.callbacks;
    if (order.expireTokens === true) tokens.expireAll();
  }

  const faultState = () => ({ register: registerFaults.pending(), report: reportFaults.pending(), waitMs: settings.waitMs, callbacks: settings.callbacks });

  function receipts(filter: { readonly externalId?: string } = {}): readonly ListedReceipt[] {
    return documents
      .all()
      .filter((d) => filter.externalId === undefined || d.receipt.externalId === filter.externalId)
      .map((d) => ({
        uuid: d.uuid,
        external_id: d.receipt.externalId,
        group_code: d.group,
        operation: d.operation,
        status: d.status,
        timestamp: d.receipt.timestamp,
        accepted_at: d.acceptedAt.toISOString(),
        total: d.receipt.total,
        items: d.receipt.items,
        payments: d.receipt.payments,
        client: {
          ...(d.receipt.client.email === undefined ? {} : { email: maskedEmail(d.receipt.client.email) }),
          ...(d.receipt.client.phone === undefined ? {} : { phone: maskedPhone(d.receipt.client.phone) }),
        },
        company: { inn: d.receipt.company.inn, sno: d.receipt.company.sno, payment_address: d.receipt.company.paymentAddress },
        callback_url: d.receipt.callbackUrl ?? null,
        fiscal_document_number: d.payload?.fiscal_document_number ?? null,
        error: d.error === undefined ? null : { code: d.error.code, text: d.error.text, type: d.error.type },
      }));
  }

  /** POST|GET|DELETE /cloud-register/faults, GET /cloud-register/receipts[?external_id=], GET /cloud-register/callbacks, GET /cloud-register/ofd/{uuid}. */
  function controls(request: RegisterRequest, parts: readonly string[]): RegisterReply {
    const [what, id] = parts;
    if (what === 'faults' && parts.length === 1) {
      if (request.method === 'GET') return json(200, faultState());
      if (request.method === 'DELETE') {
        registerFaults.clear();
        reportFaults.clear();
        Object.assign(settings, started);
        return json(200, faultState());
      }
      if (request.method === 'POST') {
        const body = readJson(request.body);
        const order = body.kind === 'json' ? readFaultOrder(body.value, knownCodes) : 'the body must be a JSON fault order';
        if (typeof order === 'string') return json(400, { error: order });
        injectFaults(order);
        return json(200, faultState());
      }
    }
    if (what === 'receipts' && parts.length === 1 && request.method === 'GET') {
      const externalId = request.query.get('external_id');
      return json(200, receipts(externalId === null ? {} : { externalId }));
    }
    if (what === 'callbacks' && parts.length === 1 && request.method === 'GET') return json(200, delivery.log);
    if (what === 'ofd' && parts.length === 2 && request.method === 'GET') {
      const document = documents.find(id!);
      if (document?.payload === undefined) return text(404, 'Чек не найден');
      return text(200, ofdPage(document));
    }
    return json(404, { error: 'no such control (see /cloud-register/faults, /cloud-register/receipts, /cloud-register/callbacks)' });
  }

  function route(request: RegisterRequest): RegisterReply {
    settle();
    const parts = request.path.split('/').filter((p) => p !== '').map(decodeURIComponent);
    if (parts[0] === 'possystem' && parts.length >= 3) return api.handle(request, parts[1]!, parts.slice(2));
    if (parts[0] === 'cloud-register') return controls(request, parts.slice(1));
    if (parts.length === 0 && request.method === 'GET') {
      return text(200, `Ledgerline local cloud register (ATOL Online v5, FFD 1.2)\nAPI: ${url}/possystem/v5 (login ${account.login}, group ${account.group})\nControls: ${url}/cloud-register/faults, /cloud-register/receipts, /cloud-register/callbacks\n`);
    }
    return text(404, 'Not found');
  }

  const served = await serveStandIn({ name: 'register', port: options.port, host, publicUrl: options.publicUrl, bodyLimitBytes: BODY_LIMIT_BYTES }, route);
  url = served.url;

  const sweeper = setInterval(settle, SWEEP_MS);
  sweeper.unref();

  return {
    url,
    apiUrl: `${url}/possystem/v5`,
    login: account.login,
    password: account.password,
    group: account.group,
    receipts: (filter) => {
      settle();
      return receipts(filter);
    },
    callbacks: () => delivery.log,
    tokensIssued: () => tokens.issued,
    injectFaults: (order) => {
      const checked = readFaultOrder(order, knownCodes);
      if (typeof checked === 'string') throw new Error(`not a fault order: ${checked}`);
      injectFaults(checked);
    },
    clearFaults: () => {
      registerFaults.clear();
      reportFaults.clear();
      Object.assign(settings, started);
    },
    stop: async () => {
      clearInterval(sweeper);
      delivery.stop();
      await served.close();
    },
  };
}

/** b***@example.com: enough for a test to tell buyers apart, not enough to write to one. */
function maskedEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}

function maskedPhone(phone: string): string {
  return `${phone.slice(0, 2)}***${phone.slice(-2)}`;
}

/** The buyer's view of a printed receipt (what ofd_receipt_url shows): the fiscal attributes and lines, no contact. */
function ofdPage(document: HeldDocument): string {
  const p = document.payload!;
  const lines = document.receipt.items.map((item) => `  ${item.name}: ${item.quantity} × ${item.price.toFixed(2)} = ${item.sum.toFixed(2)} (НДС ${item.vat.type})`);
  return [
    `Кассовый чек — ${document.operation === 'sell' ? 'приход' : 'возврат прихода'}`,
    `ИНН ${document.receipt.company.inn}, ${document.receipt.company.paymentAddress}`,
    ...lines,
    `ИТОГ ${p.total.toFixed(2)}`,
    `ФН ${p.fn_number}  ФД ${p.fiscal_document_number}  ФП ${p.fiscal_document_attribute}`,
    `РН ККТ ${p.ecr_registration_number}  смена ${p.shift_number}, чек ${p.fiscal_receipt_number}`,
    `${p.receipt_datetime}  ${p.fns_site}`,
    '',
  ].join('\n');
}
