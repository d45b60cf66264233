import { TAX_SYSTEMS, type FiscalCompany } from '../../commands/game-store/ports/cash-register.js';
import { defineConfigSection, type ConfigProblem, type Environment } from './config-section.js';
import { envChoice, envInteger, envText, envUrl } from './environment-variables.js';

/** ATOL's public test company (DOMAIN-FACTS B 3.1): the INN the local register's receipts carry by default. */
export const ATOL_TEST_INN = '5544332219';
const DEFAULT_COMPANY_EMAIL = 'shop@ledgerline.example';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** INN (tag 1018): 10 digits (an organisation) or 12 (an individual entrepreneur) with their check digits. */
export function isInn(text: string): boolean {
  if (!/^(\d{10}|\d{12})$/.test(text)) return false;
  const d = [...text].map(Number);
  const checkDigit = (weights: readonly number[]) => (weights.reduce((sum, weight, i) => sum + weight * d[i]!, 0) % 11) % 10;
  if (d.length === 10) return checkDigit([2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[9];
  return checkDigit([7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[10] && checkDigit([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[11];
}

/**
 * Fiscal receipts (54-FZ, issue 13): ATOL Online v5 when its login, password and group are set;
 * all three absent → the local cloud register (one at CLOUD_REGISTER_URL, or one started here);
 * some of them set → the process refuses to start. The company's details go on every receipt.
 */
const declaredFiscalSection = defineConfigSection({
  title: 'Fiscal receipts (54-FZ)',
  variables: {
    ATOL_LOGIN: envText({ description: 'ATOL Online v5 login (getToken). Absent together with ATOL_PASSWORD and ATOL_GROUP: the local cloud register' }),
    ATOL_PASSWORD: envText({ description: 'ATOL Online v5 password (getToken). Never logged', secret: true }),
    ATOL_GROUP: envText({ description: 'ATOL group code of the shop\'s registers (receipts go to {group}/sell), e.g. v5-online-atol-ru_5179' }),
    ATOL_API_URL: envUrl({ description: 'ATOL Online v5 base URL (the test service: https://testonline.atol.ru/possystem/v5)', default: 'https://online.atol.ru/possystem/v5', protocols: ['https', 'http'] }),
    ATOL_TIMEOUT_MS: envInteger({ description: 'How long one call to the cash register (ATOL or the local one) may take before its result counts as unknown', default: 10_000, min: 50, max: 120_000 }),
    FISCAL_COMPANY_INN: envText({ description: 'The seller\'s INN on every receipt (tag 1018): 10 or 12 digits. Default: ATOL\'s test company', default: ATOL_TEST_INN }),
    FISCAL_COMPANY_EMAIL: envText({ description: 'The seller\'s e-mail on every receipt (tag 1117). Required with ATOL; default for the local register shop@ledgerline.example' }),
    FISCAL_TAX_SYSTEM: envChoice(TAX_SYSTEMS, { description: 'The seller\'s tax system (tag 1055, ATOL sno)', default: 'osn' }),
    FISCAL_PAYMENT_ADDRESS: envUrl({
      description: 'The shop\'s site on every receipt (tag 1187, place of settlement of an online sale). Default PUBLIC_BASE_URL, else http://127.0.0.1:PORT; with ATOL one of them must be set',
      protocols: ['https', 'http'],
    }),
    CLOUD_REGISTER_PORT: envInteger({ description: 'Port of the local cloud register (an ATOL v5 look-alike) started here when ATOL is not configured; 0 picks a free one', default: 3002, min: 0, max: 65535 }),
    CLOUD_REGISTER_URL: envUrl({ description: 'Use a local cloud register already running there (npm run cloud-register) instead of starting one in this process — for several instances', protocols: ['http', 'https'] }),
    CLOUD_REGISTER_WAIT_MS: envInteger({ description: 'How long the local cloud register started here keeps a receipt in "wait" before it is printed', default: 1000, min: 0, max: 3_600_000 }),
  },
  check: (v) => {
    const problems: ConfigProblem[] = [];
    const atol = { ATOL_LOGIN: v.ATOL_LOGIN, ATOL_PASSWORD: v.ATOL_PASSWORD, ATOL_GROUP: v.ATOL_GROUP };
    const set = Object.entries(atol).filter(([, value]) => value !== undefined);
    if (set.length > 0 && set.length < 3) {
      for (const [name] of Object.entries(atol).filter(([, value]) => value === undefined)) {
        problems.push({ variable: name, message: `is required with ${set.map(([n]) => n).join(' and ')} (set ATOL_LOGIN, ATOL_PASSWORD and ATOL_GROUP, or none for the local cloud register)` });
      }
    }
    if (!isInn(v.FISCAL_COMPANY_INN)) problems.push({ variable: 'FISCAL_COMPANY_INN', message: 'must be 10 or 12 digits with valid check digits' });
    if (v.FISCAL_COMPANY_EMAIL !== undefined && !EMAIL.test(v.FISCAL_COMPANY_EMAIL)) problems.push({ variable: 'FISCAL_COMPANY_EMAIL', message: 'must be an e-mail address' });
    if (set.length === 3 && v.FISCAL_COMPANY_EMAIL === undefined) problems.push({ variable: 'FISCAL_COMPANY_EMAIL', message: 'is required with ATOL (the seller\'s e-mail goes on every receipt)' });
    return problems;
  },
  build: (v) => ({
    atol:
      v.ATOL_LOGIN !== undefined && v.ATOL_PASSWORD !== undefined && v.ATOL_GROUP !== undefined
        ? { login: v.ATOL_LOGIN, password: v.ATOL_PASSWORD, group: v.ATOL_GROUP, apiUrl: v.ATOL_API_URL }
        : undefined,
    /** The seller on every receipt, but for its site (see `read` below). */
    companyWithoutSite: { inn: v.FISCAL_COMPANY_INN, email: v.FISCAL_COMPANY_EMAIL ?? DEFAULT_COMPANY_EMAIL, taxSystem: v.FISCAL_TAX_SYSTEM },
    paymentAddress: v.FISCAL_PAYMENT_ADDRESS,
    timeoutMs: v.ATOL_TIMEOUT_MS,
    cloudRegister: { port: v.CLOUD_REGISTER_PORT, url: v.CLOUD_REGISTER_URL, waitMs: v.CLOUD_REGISTER_WAIT_MS },
  }),
});

/**
 * FISCAL_PAYMENT_ADDRESS follows PUBLIC_BASE_URL (the shop's public address, read by the game
 * store's section), else http://127.0.0.1:PORT — right for the local register, wrong for a real
 * one: with ATOL, a receipt naming a loopback address as the shop's site would be a false
 * statement to the tax service, so there one of the two must be set.
 */
export const fiscalConfigSection = {
  ...declaredFiscalSection,
  read(env: Environment) {
    const result = declaredFiscalSection.read(env);
    if (!result.ok) return result;
    const { companyWithoutSite, paymentAddress, ...rest } = result.value;
    const publicBaseUrl = env.PUBLIC_BASE_URL?.trim() ? env.PUBLIC_BASE_URL.trim() : undefined;
    if (paymentAddress === undefined && rest.atol !== undefined && publicBaseUrl === undefined) {
      return { ok: false as const, problems: [{ variable: 'FISCAL_PAYMENT_ADDRESS', message: 'is required with ATOL when PUBLIC_BASE_URL is not set (the shop\'s site goes on every receipt)' }] };
    }
    const port = /^\d+$/.test(env.PORT?.trim() ?? '') ? env.PORT!.trim() : '3000';
    const company: FiscalCompany = { ...companyWithoutSite, paymentAddress: paymentAddress ?? publicBaseUrl ?? `http://127.0.0.1:${port}` };
    return { ok: true as const, value: { ...rest, company } };
  },
};
