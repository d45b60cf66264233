import { serveStandIn } from '../../stand-ins/stand-in-server.js';
import type { BuyerSide, SandboxPayment, SandboxRefund } from './buyer-side.js';
import { PaymentNotFound, PaymentNotPayable } from './buyer-side.js';
import { HostedPages } from './hosted-pages.js';
import { FaultPlan, readFault, type SandboxFault } from './sandbox-faults.js';
import { jsonReply, parseJsonBody, textReply, type SandboxReply, type SandboxRequest } from './sandbox-http.js';
import { SbpQrCodes } from './sbp-qr.js';
import { TbankApi } from './tbank-api.js';
import { WebhookDelivery, type DeliveryAttempt } from './webhook-delivery.js';
import { YookassaApi, type YookassaSettings } from './yookassa-api.js';

/**
 * The local payment sandbox: a YooKassa API v3 at /yookassa/v3, a T-Bank EACQ v2 at
 * /tbank/v2, their hosted payment pages (/pay/{provider}/{id}), the SBP QR pages
 * (/sbp/{provider}/{id}, /sbp/qr/{qrId}) and controls for tests and curl (/sandbox/…).
 * In memory; shares no protocol code with the real adapters (adapters/payments/yookassa, tbank).
 */

export type { SandboxFault } from './sandbox-faults.js';
export type { SandboxPayment, SandboxRefund } from './buyer-side.js';

/** The credentials a sandbox has when none are given (also what `npm run payment-sandbox` uses). */
export const SANDBOX_DEFAULT_CREDENTIALS = {
  yookassa: { shopId: '100500', secretKey: 'test_ledgerline_sandbox_secret_key' },
  tbank: { terminalKey: 'LedgerlineDEMO', password: 'ledgerline-sandbox-password' },
} as const;

export interface PaymentSandboxOptions {
  readonly port: number; // 0 = any free port
  readonly host?: string; // default 127.0.0.1
  /** How buyers and shops reach it, when not http://<host>:<port> (a container: http://payment-sandbox:3001) — pages and URLs handed out use it. */
  readonly publicUrl?: string;
  readonly yookassa?: { shopId: string; secretKey: string; webhookUrl?: string };
  readonly tbank?: { terminalKey: string; password: string };
  readonly delivery?: { firstRetryMs: number; attempts: number }; // webhook redelivery until 200 / "OK"
  readonly now?: () => Date;
  readonly yookassaPaymentTtlMs?: number; // pending → canceled expired_on_confirmation (default 1 h)
}

export interface PaymentSandbox {
  readonly url: string;
  readonly yookassa: { readonly apiUrl: string; readonly shopId: string; readonly secretKey: string };
  readonly tbank: { readonly apiUrl: string; readonly terminalKey: string; readonly password: string };
  setYookassaWebhookUrl(url: string): void;
  /** Act as the buyer (what the hosted page's buttons do): then the provider's webhook is sent. */
  pay(provider: 'yookassa' | 'tbank', providerPaymentId: string): Promise<void>;
  decline(provider: 'yookassa' | 'tbank', providerPaymentId: string): Promise<void>;
  /** Error modes on demand: the next `times` calls of that operation fail so. */
  injectFault(fault: SandboxFault): void;
  /** Send the payment's last notification again `times` times (dedupe tests). */
  redeliver(provider: 'yookassa' | 'tbank', providerPaymentId: string, times: number): Promise<void>;
  /** Inspection for tests: every payment with its status and our ids. */
  payments(provider: 'yookassa' | 'tbank'): readonly SandboxPayment[];
  /** Inspection for tests: a payment's refunds, each once however often it was asked for (throws for an unknown payment). */
  refunds(provider: 'yookassa' | 'tbank', providerPaymentId: string): readonly SandboxRefund[];
  /** Every notification attempt with the reply it got. */
  deliveries(): readonly { provider: string; url: string; body: unknown; status: number; reply: string }[];
  stop(): Promise<void>;
}

const SWEEP_MS = 200;

export async function startPaymentSandbox(options: PaymentSandboxOptions): Promise<PaymentSandbox> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? (() => new Date());
  let url = '';
  const baseUrl = () => url;
  const faults = new FaultPlan();
  const delivery = new WebhookDelivery(options.delivery ?? { firstRetryMs: 1000, attempts: 10 });
  const qr = new SbpQrCodes(baseUrl);
  const yookassaCredentials = options.yookassa ?? SANDBOX_DEFAULT_CREDENTIALS.yookassa;
  const yookassaSettings: YookassaSettings = {
    shopId: yookassaCredentials.shopId,
    secretKey: yookassaCredentials.secretKey,
    webhookUrl: options.yookassa?.webhookUrl,
    paymentTtlMs: options.yookassaPaymentTtlMs ?? 60 * 60 * 1000,
    captureWindowMs: 7 * 24 * 60 * 60 * 1000,
  };
  const tbankSettings = options.tbank ?? SANDBOX_DEFAULT_CREDENTIALS.tbank;
  const yookassa = new YookassaApi({ settings: yookassaSettings, now, baseUrl, faults, delivery, qr });
  const tbank = new TbankApi({ settings: tbankSettings, now, baseUrl, faults, delivery, qr });
  const sides: Record<'yookassa' | 'tbank', BuyerSide> = { yookassa, tbank };
  const pages = new HostedPages(sides, qr);

  const side = (provider: string): BuyerSide => {
    if (provider !== 'yookassa' && provider !== 'tbank') throw new Error(`unknown provider ${provider}`);
    return sides[provider];
  };

  async function route(request: SandboxRequest): Promise<SandboxReply> {
    const { path } = request;
    if (path.startsWith('/yookassa/v3/')) return yookassa.handle(request, path.slice('/yookassa/v3'.length));
    if (path.startsWith('/tbank/v2/')) return tbank.handle(request, path.slice('/tbank/v2/'.length).replace(/\/$/, ''));
    if (path.startsWith('/pay/') || path.startsWith('/sbp/')) return (await pages.handle(request.method, path)) ?? textReply(404, 'Not found');
    if (path.startsWith('/sandbox/')) return controls(request);
    if (path === '/' && request.method === 'GET') return textReply(200, `Ledgerline payment sandbox\nYooKassa API v3: ${url}/yookassa/v3\nT-Bank EACQ v2: ${url}/tbank/v2\n`);
    return textReply(404, 'Not found');
  }

  /** POST /sandbox/faults, POST /sandbox/{provider}/payments/{id}/pay|decline|redeliver?times=N, GET /sandbox/{provider}/payments, GET /sandbox/{provider}/payments/{id}/refunds, GET /sandbox/deliveries. */
  async function controls(request: SandboxRequest): Promise<SandboxReply> {
    const parts = request.path.split('/').filter((p) => p !== '').map(decodeURIComponent);
    if (parts.length === 2 && parts[1] === 'faults' && request.method === 'POST') {
      const parsed = parseJsonBody(request.body);
      const fault = parsed.kind === 'json' ? readFault(parsed.value) : 'the body must be a JSON fault';
      if (typeof fault === 'string') return jsonReply(400, { error: fault });
      faults.add(fault);
      return { status: 204, body: '' };
    }
    if (parts.length === 2 && parts[1] === 'deliveries' && request.method === 'GET') return jsonReply(200, delivery.log);
    const provider = parts[1];
    if ((provider === 'yookassa' || provider === 'tbank') && parts[2] === 'payments') {
      if (parts.length === 3 && request.method === 'GET') return jsonReply(200, sides[provider].payments().map((p) => ({ ...p, amountMinor: String(p.amountMinor) })));
      if (parts.length === 5 && request.method === 'GET' && parts[4] === 'refunds') {
        const refunds = sides[provider].refunds(parts[3]!);
        if (refunds === undefined) return jsonReply(404, { error: `${provider} payment ${parts[3]!} is not in the sandbox` });
        return jsonReply(200, refunds.map((r) => ({ ...r, amountMinor: String(r.amountMinor) })));
      }
      if (parts.length === 5 && request.method === 'POST' && parts[4] === 'redeliver') {
        const times = Number(request.query.get('times') ?? '1');
        if (!Number.isInteger(times) || times < 1 || times > 1000) return jsonReply(400, { error: 'times must be an integer from 1 to 1000' });
        try {
          await sides[provider].redeliver(parts[3]!, times);
          return jsonReply(200, { redelivered: times });
        } catch (err) {
          if (err instanceof PaymentNotFound) return jsonReply(404, { error: err.message });
          throw err;
        }
      }
      if (parts.length === 5 && request.method === 'POST' && (parts[4] === 'pay' || parts[4] === 'decline')) {
        try {
          if (parts[4] === 'pay') await sides[provider].pay(parts[3]!, 'page');
          else await sides[provider].decline(parts[3]!);
          return { status: 204, body: '' };
        } catch (err) {
          if (err instanceof PaymentNotFound) return jsonReply(404, { error: err.message });
          if (err instanceof PaymentNotPayable) return jsonReply(409, { error: err.message });
          throw err;
        }
      }
    }
    return jsonReply(404, { error: 'no such sandbox control' });
  }

  const served = await serveStandIn({ name: 'sandbox', port: options.port, host, publicUrl: options.publicUrl }, route);
  url = served.url;

  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void Promise.all([yookassa.sweep(), tbank.sweep()]).finally(() => (sweeping = false));
  }, SWEEP_MS);
  sweeper.unref();

  return {
    url,
    yookassa: { apiUrl: `${url}/yookassa/v3`, shopId: yookassaSettings.shopId, secretKey: yookassaSettings.secretKey },
    tbank: { apiUrl: `${url}/tbank/v2`, terminalKey: tbankSettings.terminalKey, password: tbankSettings.password },
    setYookassaWebhookUrl: (webhookUrl) => {
      yookassaSettings.webhookUrl = webhookUrl;
    },
    pay: (provider, id) => side(provider).pay(id, 'page'),
    decline: (provider, id) => side(provider).decline(id),
    injectFault: (fault) => {
      const checked = readFault(fault);
      if (typeof checked === 'string') throw new Error(`not a sandbox fault: ${checked}`);
      faults.add(checked);
    },
    redeliver: (provider, id, times) => side(provider).redeliver(id, times),
    payments: (provider) => side(provider).payments(),
    refunds: (provider, id) => {
      const refunds = side(provider).refunds(id);
      if (refunds === undefined) throw new PaymentNotFound(provider, id);
      return refunds;
    },
    deliveries: (): readonly DeliveryAttempt[] => delivery.log,
    stop: async () => {
      clearInterval(sweeper);
      delivery.stop();
      await served.close();
    },
  };
}
