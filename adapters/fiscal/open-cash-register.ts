import type { CashRegister } from '../../commands/game-store/ports/cash-register.js';
import type { AppConfig } from '../config/app-config.js';
import type { Logger } from '../observability/logger.js';
import { AtolCashRegister } from './atol/atol-cash-register.js';
import { CLOUD_REGISTER_DEFAULT_ACCOUNT, startCloudRegister, type LocalCloudRegister } from './cloud-register/cloud-register.js';

export interface OpenCashRegisterOptions {
  readonly config: AppConfig['fiscal'];
  readonly logger: Logger;
  /** Our API as the register reaches it (PUBLIC_BASE_URL or the local one): callbacks go to `<this>/webhooks/cash-register`. */
  readonly callbackBaseUrl: string;
  /** How long one register call may take (default: config.timeoutMs, ATOL_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

export interface OpenedCashRegister {
  readonly register: CashRegister;
  /** The local register this process started (undefined with ATOL, or when CLOUD_REGISTER_URL names a running one). */
  readonly local: LocalCloudRegister | undefined;
  /** What to put in FiscalReceiptRequest.callbackUrl: `<callbackBaseUrl>/webhooks/cash-register`. */
  readonly callbackUrl: string;
  stop(): Promise<void>;
}

/**
 * The cash register from configuration: ATOL Online v5 when its credentials are set; otherwise
 * the local cloud register of the embedded default — the one at CLOUD_REGISTER_URL (with its
 * default account), or one started here on CLOUD_REGISTER_PORT. Either way the game store talks
 * to it through the ATOL adapter: the local register speaks the same protocol. (A half-configured
 * ATOL never gets here: the config section refuses it.)
 */
export async function openCashRegister(options: OpenCashRegisterOptions): Promise<OpenedCashRegister> {
  const { config, logger } = options;
  const timeoutMs = options.timeoutMs ?? config.timeoutMs;
  const callbackUrl = `${options.callbackBaseUrl.replace(/\/+$/, '')}/webhooks/cash-register`;

  if (config.atol !== undefined) {
    const register = new AtolCashRegister({ ...config.atol, name: 'atol', timeoutMs });
    logger.info({ phase: 'cash register', register: 'atol', apiUrl: config.atol.apiUrl, group: config.atol.group }, `cash register: ATOL Online at ${config.atol.apiUrl} (group ${config.atol.group})`);
    return { register, local: undefined, callbackUrl, stop: async () => {} };
  }

  let local: LocalCloudRegister | undefined;
  let apiUrl: string;
  let account: { readonly login: string; readonly password: string; readonly group: string };
  if (config.cloudRegister.url !== undefined) {
    apiUrl = `${config.cloudRegister.url.replace(/\/+$/, '')}/possystem/v5`;
    account = CLOUD_REGISTER_DEFAULT_ACCOUNT;
  } else {
    local = await startCloudRegister({ port: config.cloudRegister.port, waitMs: config.cloudRegister.waitMs });
    apiUrl = local.apiUrl;
    account = local;
  }
  const register = new AtolCashRegister({ apiUrl, login: account.login, password: account.password, group: account.group, name: 'local', timeoutMs });
  logger.info(
    { phase: 'cash register', register: 'local', apiUrl, group: account.group, started: local !== undefined },
    `cash register: the local cloud register at ${apiUrl}${local === undefined ? '' : ' (started here)'}`,
  );
  return {
    register,
    local,
    callbackUrl,
    stop: async () => {
      await local?.stop();
    },
  };
}
