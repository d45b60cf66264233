import assert from 'node:assert/strict';
import { readConfigSections } from '../../../adapters/config/config-section.js';
import { fiscalConfigSection } from '../../../adapters/config/fiscal-config.js';
import { startCloudRegister } from '../../../adapters/fiscal/cloud-register/cloud-register.js';
import { openCashRegister } from '../../../adapters/fiscal/open-cash-register.js';
import { createLogger } from '../../../adapters/observability/logger.js';
import type { FiscalReceiptRequest } from '../../../commands/game-store/ports/cash-register.js';
import { cashRegisterContract, startCallbackCatcher } from './cash-register.contract.js';
import { capturingLogger } from '../../support/capturing-logger.js';

const WAIT_MS = 150;
const TIMEOUT_MS = 400;

/** The fiscal section as an environment makes it (nothing about ATOL: the local register). */
const fiscalConfig = (env: Record<string, string> = {}) => readConfigSections(env, { fiscal: fiscalConfigSection }).fiscal;


/**
 * The register a test can move in time: started here with a clock ahead of the wall by
 * `offset`, then reached the way a second instance reaches it — CLOUD_REGISTER_URL.
 */
cashRegisterContract('ATOL adapter → local cloud register', async () => {
  let offset = 0;
  const local = await startCloudRegister({ port: 0, waitMs: WAIT_MS, now: () => new Date(Date.now() + offset), callbackPace: { attempts: 3, firstRetryMs: 50 } });
  const callbacks = await startCallbackCatcher();
  const config = fiscalConfig({ CLOUD_REGISTER_URL: local.url, ATOL_TIMEOUT_MS: String(TIMEOUT_MS) });
  const opened = await openCashRegister({ config, logger: createLogger({ level: 'silent' }), callbackBaseUrl: callbacks.url });
  return {
    register: opened.register,
    local,
    callbacks,
    company: config.company,
    waitMs: WAIT_MS,
    timeoutMs: TIMEOUT_MS,
    advanceRegisterClock: (ms) => (offset += ms),
    stop: async () => {
      await opened.stop();
      await local.stop();
      await callbacks.stop();
    },
  };
});

const aSale = (company: FiscalReceiptRequest['company'], externalId: string): FiscalReceiptRequest => ({
  externalId,
  operation: 'sell',
  timestamp: new Date(),
  customerEmail: 'buyer@example.com',
  company,
  items: [{ name: 'Игра X — ключ активации', unitPriceMinor: 99_00n, quantity: 1, sumMinor: 99_00n, measure: 'piece', paymentMethod: 'full_payment', paymentObject: 'intellectual_activity', vat: 'vat22' }],
  electronicMinor: 99_00n,
  totalMinor: 99_00n,
});

describe('openCashRegister', () => {
  it('given no ATOL credentials and no CLOUD_REGISTER_URL, then a local register is started here on a free port, the register is named local, and one info line says so without a password', async () => {
    const { logger, lines } = capturingLogger();
    const config = fiscalConfig({ CLOUD_REGISTER_PORT: '0', CLOUD_REGISTER_WAIT_MS: '10' });
    const opened = await openCashRegister({ config, logger, callbackBaseUrl: 'http://127.0.0.1:3000/' });
    try {
      assert.ok(opened.local);
      assert.equal(opened.register.name, 'local');
      assert.equal(opened.callbackUrl, 'http://127.0.0.1:3000/webhooks/cash-register');
      const registered = await opened.register.register(aSale(config.company, 'rcpt_started_here'));
      assert.deepEqual(opened.local.receipts().map((r) => [r.uuid, r.external_id]), [[registered.uuid, 'rcpt_started_here']]);
      const info = lines.filter((line) => line.phase === 'cash register');
      assert.equal(info.length, 1);
      assert.deepEqual([info[0]!.register, info[0]!.started, info[0]!.apiUrl], ['local', true, opened.local.apiUrl]);
      assert.equal(JSON.stringify(lines).includes(opened.local.password), false);
    } finally {
      await opened.stop();
    }
  });

  it('given CLOUD_REGISTER_URL, then nothing is started here and receipts land in that register', async () => {
    const running = await startCloudRegister({ port: 0 });
    try {
      const config = fiscalConfig({ CLOUD_REGISTER_URL: `${running.url}/` });
      const opened = await openCashRegister({ config, logger: createLogger({ level: 'silent' }), callbackBaseUrl: 'http://127.0.0.1:1' });
      assert.equal(opened.local, undefined);
      const registered = await opened.register.register(aSale(config.company, 'rcpt_elsewhere'));
      assert.deepEqual(running.receipts().map((r) => r.uuid), [registered.uuid]);
      await opened.stop();
    } finally {
      await running.stop();
    }
  });

  it('given ATOL credentials, then the register is ATOL at its URL, nothing local is started, and the log names the URL and group but not the password', async () => {
    const { logger, lines } = capturingLogger();
    const config = fiscalConfig({
      ATOL_LOGIN: 'v5-online-atol-ru',
      ATOL_PASSWORD: 'zUr0OxfI-secret',
      ATOL_GROUP: 'v5-online-atol-ru_5179',
      ATOL_API_URL: 'https://testonline.atol.ru/possystem/v5',
      FISCAL_COMPANY_EMAIL: 'shop@example.com',
      FISCAL_PAYMENT_ADDRESS: 'https://v5.online.atol.ru',
    });
    const opened = await openCashRegister({ config, logger, callbackBaseUrl: 'https://api.example' });
    assert.equal(opened.register.name, 'atol');
    assert.equal(opened.local, undefined);
    assert.equal(opened.callbackUrl, 'https://api.example/webhooks/cash-register');
    const info = lines.filter((line) => line.phase === 'cash register');
    assert.deepEqual([info.length, info[0]!.register, info[0]!.apiUrl, info[0]!.group], [1, 'atol', 'https://testonline.atol.ru/possystem/v5', 'v5-online-atol-ru_5179']);
    assert.equal(JSON.stringify(lines).includes('zUr0OxfI-secret'), false);
    await opened.stop();
  });
});
