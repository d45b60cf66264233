import assert from 'node:assert/strict';
import fc from 'fast-check';
import { appConfigSections } from '../../../adapters/config/app-config.js';
import { ATOL_TEST_INN, isInn } from '../../../adapters/config/fiscal-config.js';
import { loadConfig } from '../../../adapters/config/platform-config.js';

const ATOL = { ATOL_LOGIN: 'v5-online-atol-ru', ATOL_PASSWORD: 'zUr0OxfI-secret', ATOL_GROUP: 'v5-online-atol-ru_5179' };
const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env, appConfigSections);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
};

describe('fiscal configuration (config.fiscal)', () => {
  it('given nothing set, then the local cloud register on 3002 with a 1 s wait, ATOL\'s test INN, osn, and the local API as the payment address', () => {
    const { fiscal } = loadConfig({}, appConfigSections);
    assert.deepEqual(fiscal, {
      atol: undefined,
      company: { inn: ATOL_TEST_INN, email: 'shop@ledgerline.example', taxSystem: 'osn', paymentAddress: 'http://127.0.0.1:3000' },
      timeoutMs: 10_000,
      cloudRegister: { port: 3002, url: undefined, waitMs: 1000 },
    });
  });

  it('given PORT, then the payment address follows it; given PUBLIC_BASE_URL, then that; given FISCAL_PAYMENT_ADDRESS, then that above both', () => {
    assert.equal(loadConfig({ PORT: '3100' }, appConfigSections).fiscal.company.paymentAddress, 'http://127.0.0.1:3100');
    assert.equal(loadConfig({ PORT: '3100', PUBLIC_BASE_URL: 'https://shop.example' }, appConfigSections).fiscal.company.paymentAddress, 'https://shop.example');
    assert.equal(loadConfig({ PUBLIC_BASE_URL: 'https://api.shop.example', FISCAL_PAYMENT_ADDRESS: 'https://shop.example' }, appConfigSections).fiscal.company.paymentAddress, 'https://shop.example');
  });

  it('given all three ATOL credentials with the company\'s e-mail and site, then ATOL at the default v5 URL', () => {
    const { fiscal } = loadConfig({ ...ATOL, FISCAL_COMPANY_EMAIL: 'shop@example.com', FISCAL_PAYMENT_ADDRESS: 'https://shop.example', FISCAL_TAX_SYSTEM: 'usn_income', ATOL_TIMEOUT_MS: '5000' }, appConfigSections);
    assert.deepEqual(fiscal.atol, { ...{ login: ATOL.ATOL_LOGIN, password: ATOL.ATOL_PASSWORD, group: ATOL.ATOL_GROUP }, apiUrl: 'https://online.atol.ru/possystem/v5' });
    assert.deepEqual(fiscal.company, { inn: ATOL_TEST_INN, email: 'shop@example.com', taxSystem: 'usn_income', paymentAddress: 'https://shop.example' });
    assert.equal(fiscal.timeoutMs, 5000);
  });

  it('given one or two of ATOL_LOGIN / ATOL_PASSWORD / ATOL_GROUP, then the process refuses to start naming the missing ones — never repeating the password', () => {
    const names = Object.keys(ATOL) as (keyof typeof ATOL)[];
    for (let mask = 1; mask < 7; mask++) {
      const env = Object.fromEntries(names.filter((_, i) => mask & (1 << i)).map((n) => [n, ATOL[n]]));
      const message = problemsOf(env);
      for (const name of names.filter((n) => !(n in env))) assert.match(message, new RegExp(`${name} is required with`), JSON.stringify(Object.keys(env)));
      assert.equal(message.includes(ATOL.ATOL_PASSWORD), false);
    }
  });

  it('given ATOL without the company\'s e-mail, or without any public address for the receipts, then each is named as required', () => {
    assert.match(problemsOf({ ...ATOL, FISCAL_PAYMENT_ADDRESS: 'https://shop.example' }), /FISCAL_COMPANY_EMAIL is required with ATOL/);
    assert.match(problemsOf({ ...ATOL, FISCAL_COMPANY_EMAIL: 'shop@example.com' }), /FISCAL_PAYMENT_ADDRESS is required with ATOL/);
    assert.equal(problemsOf({ ...ATOL, FISCAL_COMPANY_EMAIL: 'shop@example.com', PUBLIC_BASE_URL: 'https://shop.example' }), '');
  });

  it('given a bad INN, e-mail, tax system, port or URL, then each is named', () => {
    assert.match(problemsOf({ FISCAL_COMPANY_INN: '5544332218' }), /FISCAL_COMPANY_INN must be 10 or 12 digits with valid check digits/);
    assert.match(problemsOf({ FISCAL_COMPANY_INN: '55443322' }), /FISCAL_COMPANY_INN/);
    assert.match(problemsOf({ FISCAL_COMPANY_EMAIL: 'shop' }), /FISCAL_COMPANY_EMAIL must be an e-mail address/);
    assert.match(problemsOf({ FISCAL_TAX_SYSTEM: 'envd' }), /FISCAL_TAX_SYSTEM must be one of osn, usn_income, usn_income_outcome, esn, patent/);
    assert.match(problemsOf({ CLOUD_REGISTER_PORT: '70000' }), /CLOUD_REGISTER_PORT must be between 0 and 65535/);
    assert.match(problemsOf({ CLOUD_REGISTER_URL: 'ftp://x' }), /CLOUD_REGISTER_URL must start with http:\/\/ or https:\/\//);
  });

  it('given the known INNs (ATOL\'s test company 5544332219, Sberbank 7707083893, the OFD 7709364346, an individual 500100732259), then valid', () => {
    for (const inn of [ATOL_TEST_INN, '7707083893', '7709364346', '500100732259']) assert.equal(isInn(inn), true, inn);
    assert.equal(loadConfig({ FISCAL_COMPANY_INN: '500100732259' }, appConfigSections).fiscal.company.inn, '500100732259');
  });

  it('given any 9 digits, then exactly one tenth digit makes a valid INN; given any 10, exactly one pair of last two digits does', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9}$/), (prefix) => {
        assert.equal([...'0123456789'].filter((d) => isInn(prefix + d)).length, 1);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^\d{10}$/), (prefix) => {
        let valid = 0;
        for (let pair = 0; pair < 100; pair++) if (isInn(prefix + String(pair).padStart(2, '0'))) valid++;
        assert.equal(valid, 1);
      }),
      { numRuns: 100 },
    );
  });
});
