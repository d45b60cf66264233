import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openPaymentProviders } from '../../../adapters/payments/open-payment-providers.js';
import { startPaymentSandbox } from '../../../adapters/payments/sandbox/payment-sandbox.js';
import { readConfigSections } from '../../../adapters/config/config-section.js';
import { gameStoreConfigSection, YOOKASSA_PUBLISHED_SOURCES } from '../../../adapters/config/game-store-config.js';
import type { AppConfig } from '../../../adapters/config/app-config.js';
import { createLogger } from '../../../adapters/observability/logger.js';
import type { ProviderName } from '../../../commands/game-store/ports/payment-provider.js';
import { paymentProviderContract } from './payment-provider.contract.js';
import { capturingLogger } from '../../support/capturing-logger.js';

const RETRIES = 3;

/** Our webhook routes as the sandbox sees them: every notification is answered as handled. */
async function startReceiver(): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/webhooks/tbank') res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The game store's configuration as the environment makes it: nothing set = the embedded default (sandboxes). */
const sandboxConfig = (overrides: Partial<AppConfig['gameStore']> = {}): AppConfig['gameStore'] => ({
  ...readConfigSections({ PAYMENT_SANDBOX_PORT: '0', PAYMENT_PROVIDER_RETRIES: String(RETRIES), PAYMENT_PROVIDER_RETRY_MS: '1' }, { gameStore: gameStoreConfigSection }).gameStore,
  ...overrides,
});


/** The providers openPaymentProviders opens on the embedded default (no credentials: a sandbox started here). */
function openedBySandbox(name: ProviderName) {
  return async () => {
    const receiver = await startReceiver();
    const opened = await openPaymentProviders({ config: sandboxConfig(), notificationBaseUrl: receiver.url, logger: createLogger({ level: 'silent' }), timeoutMs: 1000 });
    return {
      provider: opened.providers.get(name)!,
      sandbox: opened.sandbox!,
      notificationBaseUrl: receiver.url,
      retries: RETRIES,
      stop: async () => {
        await opened.stop();
        await receiver.stop();
      },
    };
  };
}

paymentProviderContract('yookassa', openedBySandbox('yookassa'));
paymentProviderContract('tbank', openedBySandbox('tbank'));

describe('openPaymentProviders', () => {
  it('given no provider credentials, then both are served by a sandbox started here (YooKassa notifying our /webhooks/yookassa), sources are the published ranges plus loopback, and one info line names the sandboxed providers without a secret', async () => {
    const receiver = await startReceiver();
    const { logger, lines } = capturingLogger();
    const opened = await openPaymentProviders({ config: sandboxConfig(), notificationBaseUrl: receiver.url, logger });
    try {
      assert.ok(opened.sandbox);
      assert.deepEqual([...opened.providers.keys()].sort(), ['tbank', 'yookassa']);
      assert.deepEqual(opened.yookassaSources, [...YOOKASSA_PUBLISHED_SOURCES, '127.0.0.1', '::1', '::ffff:127.0.0.1']);
      const created = await opened.providers.get('yookassa')!.createPayment({
        transactionId: 'b3f5d0f4-3c1e-4a8e-9d55-6a1f0c2b7e10',
        orderId: 'ord-1',
        amountMinor: 50000n,
        currency: 'RUB',
        description: 'Заказ ord-1',
        method: 'bank_card',
        successUrl: 'https://shop.example/ok',
        failUrl: 'https://shop.example/fail',
        notificationUrl: `${receiver.url}/webhooks/yookassa`,
        expiresAt: new Date(Date.now() + 60_000),
        receipt: { lines: [] },
        resume: false,
      });
      await opened.sandbox.pay('yookassa', created.state.providerPaymentId);
      for (let round = 0; round < 500 && !opened.sandbox.deliveries().some((d) => d.provider === 'yookassa'); round++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(
        opened.sandbox.deliveries().filter((d) => d.provider === 'yookassa').map((d) => [d.url, d.status]),
        [[`${receiver.url}/webhooks/yookassa`, 200]],
      );
      await new Promise((resolve) => setImmediate(resolve));
      const info = lines.filter((line) => line.phase === 'payment providers');
      assert.equal(info.length, 1);
      assert.deepEqual(info[0]!.sandbox, ['yookassa', 'tbank']);
      const text = JSON.stringify(lines);
      for (const secret of [opened.sandbox.yookassa.secretKey, opened.sandbox.tbank.password]) assert.equal(text.includes(secret), false);
    } finally {
      await opened.stop();
      await receiver.stop();
    }
  });

  it('given PAYMENT_SANDBOX_URL, then no sandbox is started here and the providers use that one with its default credentials', async () => {
    const running = await startPaymentSandbox({ port: 0 });
    try {
      const opened = await openPaymentProviders({ config: sandboxConfig({ sandboxUrl: `${running.url}/` }), notificationBaseUrl: 'http://127.0.0.1:1', logger: createLogger({ level: 'silent' }) });
      assert.equal(opened.sandbox, undefined);
      const created = await opened.providers.get('tbank')!.createPayment({
        transactionId: '7c1f9a57-2b1e-4f0a-8b6e-1d2c3b4a5f60',
        orderId: 'ord-2',
        amountMinor: 150000n,
        currency: 'RUB',
        description: 'Заказ ord-2',
        method: 'sbp',
        successUrl: 'https://shop.example/ok',
        failUrl: 'https://shop.example/fail',
        notificationUrl: 'http://127.0.0.1:1/webhooks/tbank',
        expiresAt: new Date(Date.now() + 60_000),
        receipt: { lines: [] },
        resume: false,
      });
      assert.equal(created.next?.kind, 'qr');
      assert.deepEqual(running.payments('tbank').map((p) => p.id), [created.state.providerPaymentId]);
      await opened.stop();
    } finally {
      await running.stop();
    }
  });

  it('given real credentials for both and explicit webhook sources, then no sandbox is started and those sources are used as they are', async () => {
    const opened = await openPaymentProviders({
      config: sandboxConfig({
        yookassa: { shopId: '123', secretKey: 'live_x', apiUrl: 'https://api.yookassa.ru/v3' },
        tbank: { terminalKey: 'T1', password: 'p', apiUrl: 'https://securepay.tinkoff.ru/v2' },
        yookassaWebhookSources: ['10.0.0.0/8'],
      }),
      notificationBaseUrl: 'https://api.example',
      logger: createLogger({ level: 'silent' }),
    });
    assert.equal(opened.sandbox, undefined);
    assert.deepEqual(opened.yookassaSources, ['10.0.0.0/8']);
    assert.deepEqual([...opened.providers.keys()].sort(), ['tbank', 'yookassa']);
    await opened.stop();
  });

  it('given only T-Bank configured, then YooKassa is the sandbox and loopback is among its sources', async () => {
    const opened = await openPaymentProviders({
      config: sandboxConfig({ tbank: { terminalKey: 'T1', password: 'p', apiUrl: 'https://securepay.tinkoff.ru/v2' } }),
      notificationBaseUrl: 'http://127.0.0.1:1',
      logger: createLogger({ level: 'silent' }),
    });
    try {
      assert.ok(opened.sandbox);
      assert.ok(opened.yookassaSources.includes('127.0.0.1'));
    } finally {
      await opened.stop();
    }
  });
});
