import { defineConfigSection } from './config-section.js';
import { basisPointsOfPercent, isSharePercent } from '../../domain/game-store/product.js';
import { envInteger, envText, envUrl } from './environment-variables.js';

/** YooKassa's published notification sources (DOMAIN-FACTS B 1.6); the /32 IPv6 is the documented superset. */
export const YOOKASSA_PUBLISHED_SOURCES = ['185.71.76.0/27', '185.71.77.0/27', '77.75.153.0/25', '77.75.154.128/25', '77.75.156.11/32', '77.75.156.35/32', '2a02:5180::/32'] as const;

/**
 * Game store (SPEC P): the payment providers. A provider whose credentials are all absent is
 * served by the local sandbox (X-5); one half-configured refuses to start. The developers'
 * default revenue share (a product's own share, set by an admin, wins).
 */
export const gameStoreConfigSection = defineConfigSection({
  title: 'Game store and payments',
  variables: {
    YOOKASSA_SHOP_ID: envText({ description: 'YooKassa shop id (Basic auth user). Absent together with YOOKASSA_SECRET_KEY: the local YooKassa sandbox' }),
    YOOKASSA_SECRET_KEY: envText({ description: 'YooKassa secret key (Basic auth password). Never logged', secret: true }),
    YOOKASSA_API_URL: envUrl({ description: 'YooKassa API v3 base URL', default: 'https://api.yookassa.ru/v3', protocols: ['https', 'http'] }),
    YOOKASSA_WEBHOOK_SOURCES: envText({
      description: 'Comma-separated addresses / CIDR ranges YooKassa notifications are accepted from (default: the published ranges; with the sandbox also loopback)',
    }),
    TBANK_TERMINAL_KEY: envText({ description: 'T-Bank acquiring TerminalKey. Absent together with TBANK_PASSWORD: the local T-Bank sandbox' }),
    TBANK_PASSWORD: envText({ description: 'T-Bank terminal password (signs every request and notification Token). Never logged', secret: true }),
    TBANK_API_URL: envUrl({ description: 'T-Bank EACQ v2 base URL', default: 'https://securepay.tinkoff.ru/v2', protocols: ['https', 'http'] }),
    PAYMENT_SANDBOX_PORT: envInteger({ description: 'Port of the local payment sandbox (local YooKassa, T-Bank and their payment pages) when a provider is not configured; 0 picks a free one', default: 3001, min: 0, max: 65535 }),
    PAYMENT_SANDBOX_URL: envUrl({ description: 'Use a sandbox already running there (npm run payment-sandbox) instead of starting one in this process — for several instances', protocols: ['http', 'https'] }),
    PUBLIC_BASE_URL: envUrl({ description: 'Where payment providers reach this API (notification URL); default http://127.0.0.1:PORT', protocols: ['http', 'https'] }),
    PAYMENT_EXPIRY_MINUTES: envInteger({ description: 'Minutes a payment transaction may stay unpaid before it is cancelled at the provider and failed', default: 30, min: 1, max: 72 * 60 }),
    PAYMENT_PROVIDER_RETRIES: envInteger({ description: 'Times a provider call whose result is unknown (HTTP 500, 202, timeout) is repeated with the same idempotence key before the request answers 503', default: 3, min: 0, max: 20 }),
    PAYMENT_WEBHOOKS_PER_SECOND: envInteger({ description: 'Notifications per second one source address may post to /webhooks/{provider} (per instance; a burst of twice that), then 429', default: 200, min: 1, max: 1_000_000 }),
    PAYMENT_PROVIDER_TIMEOUT_MS: envInteger({ description: 'How long one call to a payment provider may take before its result counts as unknown', default: 10_000, min: 50, max: 120_000 }),
    PAYMENT_PROVIDER_RETRY_MS: envInteger({ description: 'First delay between those repeats (doubling; a 202 retry_after wins)', default: 500, min: 1, max: 60_000 }),
    DEVELOPER_REVENUE_SHARE_PERCENT: envText({
      description: 'The developer’s share of a sale, in percent (0–100, at most two decimals: "70", "72.5"), for games without a share of their own (PUT /api/v1/catalog/products/{id}/revenue-share); credited to the developer’s balance as floor(price × share)',
      default: '70',
    }),
  },
  check: (v) => [
    ...(isSharePercent(v.DEVELOPER_REVENUE_SHARE_PERCENT) ? [] : [{ variable: 'DEVELOPER_REVENUE_SHARE_PERCENT', message: 'must be a percent from 0 to 100 with at most two decimals ("70", "72.5")' }]),
    ...(v.YOOKASSA_SHOP_ID === undefined) !== (v.YOOKASSA_SECRET_KEY === undefined)
      ? [{ variable: v.YOOKASSA_SHOP_ID === undefined ? 'YOOKASSA_SHOP_ID' : 'YOOKASSA_SECRET_KEY', message: 'is required with the other YooKassa credential (set both or neither)' }]
      : [],
    ...(v.TBANK_TERMINAL_KEY === undefined) !== (v.TBANK_PASSWORD === undefined)
      ? [{ variable: v.TBANK_TERMINAL_KEY === undefined ? 'TBANK_TERMINAL_KEY' : 'TBANK_PASSWORD', message: 'is required with the other T-Bank credential (set both or neither)' }]
      : [],
  ],
  build: (v) => ({
    yookassa: v.YOOKASSA_SHOP_ID !== undefined && v.YOOKASSA_SECRET_KEY !== undefined ? { shopId: v.YOOKASSA_SHOP_ID, secretKey: v.YOOKASSA_SECRET_KEY, apiUrl: v.YOOKASSA_API_URL } : undefined,
    yookassaWebhookSources: v.YOOKASSA_WEBHOOK_SOURCES?.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    tbank: v.TBANK_TERMINAL_KEY !== undefined && v.TBANK_PASSWORD !== undefined ? { terminalKey: v.TBANK_TERMINAL_KEY, password: v.TBANK_PASSWORD, apiUrl: v.TBANK_API_URL } : undefined,
    sandboxPort: v.PAYMENT_SANDBOX_PORT,
    sandboxUrl: v.PAYMENT_SANDBOX_URL,
    publicBaseUrl: v.PUBLIC_BASE_URL,
    expiryMinutes: v.PAYMENT_EXPIRY_MINUTES,
    providerRetries: v.PAYMENT_PROVIDER_RETRIES,
    providerRetryMs: v.PAYMENT_PROVIDER_RETRY_MS,
    providerTimeoutMs: v.PAYMENT_PROVIDER_TIMEOUT_MS,
    webhooksPerSecond: v.PAYMENT_WEBHOOKS_PER_SECOND,
    /** Basis points (7000 = 70 %). */
    developerRevenueShareBasisPoints: basisPointsOfPercent(v.DEVELOPER_REVENUE_SHARE_PERCENT),
  }),
});
