import { isIP } from 'node:net';
import type { ProviderName, PaymentProvider } from '../../commands/game-store/ports/payment-provider.js';
import { YOOKASSA_PUBLISHED_SOURCES } from '../config/game-store-config.js';
import type { AppConfig } from '../config/app-config.js';
import type { Logger } from '../observability/logger.js';
import { SANDBOX_DEFAULT_CREDENTIALS, startPaymentSandbox, type PaymentSandbox } from './sandbox/payment-sandbox.js';
import { TBankProvider } from './tbank/tbank-provider.js';
import { YooKassaProvider } from './yookassa/yookassa-provider.js';

/** Where the sandbox's YooKassa notifications come from (the sandbox runs beside us). */
const LOOPBACK_SOURCES = ['127.0.0.1', '::1', '::ffff:127.0.0.1'] as const;

export interface OpenPaymentProvidersOptions {
  readonly config: AppConfig['gameStore'];
  /** Our API as the providers reach it (PUBLIC_BASE_URL or the local one); YooKassa's sandbox notifies `<this>/webhooks/yookassa`. */
  readonly notificationBaseUrl: string;
  readonly logger: Logger;
  /** How long one provider call may take (default: config.providerTimeoutMs, PAYMENT_PROVIDER_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

export interface OpenedPaymentProviders {
  readonly providers: ReadonlyMap<ProviderName, PaymentProvider>;
  /** The sandbox this process started (undefined when both providers are real or PAYMENT_SANDBOX_URL names a running one). */
  readonly sandbox: PaymentSandbox | undefined;
  /** Addresses / CIDR ranges YooKassa notifications are accepted from. */
  readonly yookassaSources: readonly string[];
  stop(): Promise<void>;
}

/**
 * The payment providers from configuration: a provider with credentials is the real one at its
 * API URL; one without is served by the local sandbox — the one at PAYMENT_SANDBOX_URL
 * (with the sandbox's default credentials) or, unset, one started here on PAYMENT_SANDBOX_PORT
 * whose YooKassa notifies `<notificationBaseUrl>/webhooks/yookassa`. (Half-configured providers
 * never get here: the config section refuses them.)
 */
export async function openPaymentProviders(options: OpenPaymentProvidersOptions): Promise<OpenedPaymentProviders> {
  const { config, logger } = options;
  const calls = { retries: config.providerRetries, retryMs: config.providerRetryMs, timeoutMs: options.timeoutMs ?? config.providerTimeoutMs };
  const needsSandbox = config.yookassa === undefined || config.tbank === undefined;

  let sandbox: PaymentSandbox | undefined;
  let sandboxApis: { readonly yookassa: SandboxYooKassa; readonly tbank: SandboxTBank; readonly url: string } | undefined;
  if (needsSandbox && config.sandboxUrl !== undefined) {
    const url = config.sandboxUrl.replace(/\/+$/, '');
    sandboxApis = {
      url,
      yookassa: { apiUrl: `${url}/yookassa/v3`, ...SANDBOX_DEFAULT_CREDENTIALS.yookassa },
      tbank: { apiUrl: `${url}/tbank/v2`, ...SANDBOX_DEFAULT_CREDENTIALS.tbank },
    };
  } else if (needsSandbox) {
    sandbox = await startPaymentSandbox({
      port: config.sandboxPort,
      yookassa: { ...SANDBOX_DEFAULT_CREDENTIALS.yookassa, webhookUrl: `${options.notificationBaseUrl.replace(/\/+$/, '')}/webhooks/yookassa` },
    });
    sandboxApis = { url: sandbox.url, yookassa: sandbox.yookassa, tbank: sandbox.tbank };
  }

  const yookassa = config.yookassa ?? sandboxApis!.yookassa;
  const tbank = config.tbank ?? sandboxApis!.tbank;
  const providers = new Map<ProviderName, PaymentProvider>([
    ['yookassa', new YooKassaProvider({ shopId: yookassa.shopId, secretKey: yookassa.secretKey, apiUrl: yookassa.apiUrl, ...calls })],
    ['tbank', new TBankProvider({ terminalKey: tbank.terminalKey, password: tbank.password, apiUrl: tbank.apiUrl, ...calls })],
  ]);

  const yookassaIsSandbox = config.yookassa === undefined;
  const sandboxHost = sandboxApis === undefined ? undefined : new URL(sandboxApis.url).hostname.replace(/^\[|\]$/g, '');
  const yookassaSources = config.yookassaWebhookSources ?? [
    ...YOOKASSA_PUBLISHED_SOURCES,
    ...(yookassaIsSandbox ? [...LOOPBACK_SOURCES, ...(sandboxHost !== undefined && isIP(sandboxHost) !== 0 && !LOOPBACK_SOURCES.includes(sandboxHost as never) ? [sandboxHost] : [])] : []),
  ];

  const sandboxed = [...(yookassaIsSandbox ? ['yookassa'] : []), ...(config.tbank === undefined ? ['tbank'] : [])];
  logger.info(
    {
      phase: 'payment providers',
      sandbox: sandboxed,
      real: [...(config.yookassa ? ['yookassa'] : []), ...(config.tbank ? ['tbank'] : [])],
      ...(sandboxApis === undefined ? {} : { sandboxUrl: sandboxApis.url, sandboxStarted: sandbox !== undefined }),
    },
    sandboxed.length === 0
      ? 'payment providers: YooKassa and T-Bank are the real ones'
      : `payment providers: ${sandboxed.join(' and ')} served by the local sandbox at ${sandboxApis!.url}${sandbox === undefined ? '' : ' (started here)'}`,
  );

  return {
    providers,
    sandbox,
    yookassaSources,
    stop: async () => {
      await sandbox?.stop();
    },
  };
}

interface SandboxYooKassa {
  readonly apiUrl: string;
  readonly shopId: string;
  readonly secretKey: string;
}
interface SandboxTBank {
  readonly apiUrl: string;
  readonly terminalKey: string;
  readonly password: string;
}
