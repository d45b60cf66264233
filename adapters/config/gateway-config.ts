import { Address } from '@ton/core';
import { defineConfigSection, type Environment } from './config-section.js';
import { envChoice, envInteger, envText, envUrl } from './environment-variables.js';

const G2A = 1_000_000_000n; // jetton units per G2A (9 decimals)
const DECIMAL = /^(0|[1-9]\d{0,38})$/;

/** The Blockchain Gateway on TON: network, keys, limits, callbacks, wallet linking. */
const declaredGatewaySection = defineConfigSection({
  title: 'Blockchain Gateway (TON)',
  variables: {
    TON_NETWORK: envChoice(['emulator', 'testnet', 'mainnet'] as const, {
      description: 'Where on-chain effects run: the in-process emulator (state in DATA_DIR/ton) or a TON network',
      default: 'emulator',
    }),
    TON_ENDPOINT: envUrl({ description: 'toncenter-compatible JSON-RPC endpoint (testnet/mainnet)', protocols: ['http', 'https'], example: 'https://testnet.toncenter.com/api/v2/jsonRPC' }),
    TON_API_KEY: envText({ description: 'API key of TON_ENDPOINT', secret: true }),
    TON_REQUESTS_PER_SECOND: envInteger({
      description: 'Requests per second TON_ENDPOINT allows (the adapter paces itself to it); default 10 with TON_API_KEY, 1 without (toncenter free plans)',
      min: 1,
      max: 1000,
    }),
    TON_JETTON_MINTER: envText({
      description:
        'Address of a G2A jetton minter deployed before (testnet/mainnet), administered by the hot wallet. Absent: the minter derived from the hot wallet and GATEWAY_PUBLIC_URL, deployed on first start. Set it once deployed, so a change of GATEWAY_PUBLIC_URL cannot lead to a new token',
    }),
    TON_NFT_COLLECTION: envText({
      description: 'Address of a badge (SBT) collection deployed before, owned by the hot wallet. Absent: derived and deployed on first start, like TON_JETTON_MINTER',
    }),
    TON_MNEMONIC: envText({
      description: 'The hot wallet (W5R1) mnemonic, 24 words. Never logged. Required on a network; in the emulator generated once into DATA_DIR/ton/hot-wallet.mnemonic',
      secret: true,
    }),
    GATEWAY_CALLBACK_SECRET: envText({
      description: 'HMAC-SHA256 key of callback signatures (X-Ledgerline-Signature), at least 32 characters; absent: generated into DATA_DIR/callback-secret',
      secret: true,
      minLength: 32,
    }),
    GATEWAY_PUBLIC_URL: envUrl({ description: 'Public base URL of this API; NFT item metadata is served under it. Unset: http://localhost:<PORT>', protocols: ['http', 'https'] }),
    TON_PROOF_DOMAIN: envText({ description: 'Domain a wallet ton_proof must name (the app domain of TON Connect). Unset: localhost:<PORT>' }),
    WALLET_LINK_TTL_SECONDS: envInteger({ description: 'How long a wallet-link payload stays valid', default: 300, min: 30, max: 3600 }),
    G2A_LIMIT_PER_TRANSFER: envText({ description: 'Largest single G2A transfer, in jetton units (9 decimals)', default: (1_000n * G2A).toString() }),
    G2A_LIMIT_PER_USER_DAY: envText({ description: 'G2A one user may withdraw per UTC day, in jetton units', default: (5_000n * G2A).toString() }),
    G2A_LIMIT_GLOBAL_DAY: envText({ description: 'G2A all users together may withdraw per UTC day, in jetton units', default: (1_000_000n * G2A).toString() }),
    GATEWAY_MAX_RETRIES: envInteger({ description: 'Transient failures a task survives before it fails', default: 5, min: 0, max: 100 }),
    GATEWAY_RETRY_BASE_MS: envInteger({ description: 'First retry delay; doubles per retry, with jitter', default: 2000, min: 10 }),
    GATEWAY_BATCH_SIZE: envInteger({ description: 'Operations signed into one hot-wallet message (W5R1 carries up to 255)', default: 100, min: 1, max: 255 }),
    GATEWAY_POLL_MS: envInteger({ description: 'How often the dispatcher looks for work and confirmations', default: 300, min: 10 }),
  },
  check: (v) => {
    const problems = [];
    for (const name of ['G2A_LIMIT_PER_TRANSFER', 'G2A_LIMIT_PER_USER_DAY', 'G2A_LIMIT_GLOBAL_DAY'] as const) {
      if (!DECIMAL.test(String(v[name]))) problems.push({ variable: name, message: 'must be a whole number of jetton units' });
    }
    if (v.TON_NETWORK !== 'emulator') {
      if (!v.TON_ENDPOINT) problems.push({ variable: 'TON_ENDPOINT', message: `is required when TON_NETWORK=${v.TON_NETWORK}` });
      if (!v.TON_MNEMONIC) problems.push({ variable: 'TON_MNEMONIC', message: `is required when TON_NETWORK=${v.TON_NETWORK}` });
    }
    for (const name of ['TON_JETTON_MINTER', 'TON_NFT_COLLECTION'] as const) {
      const text = v[name];
      if (text !== undefined && !isTonAddress(text)) problems.push({ variable: name, message: 'must be a TON address (EQ…/UQ… or 0:<64 hex>)' });
    }
    if (v.TON_MNEMONIC !== undefined && v.TON_MNEMONIC.trim().split(/\s+/).length !== 24) {
      problems.push({ variable: 'TON_MNEMONIC', message: 'must be 24 words' });
    }
    return problems;
  },
  build: (v) => ({
    network: v.TON_NETWORK,
    endpoint: v.TON_ENDPOINT,
    apiKey: v.TON_API_KEY,
    requestsPerSecond: v.TON_REQUESTS_PER_SECOND,
    /** Contracts deployed before (a network only; the emulator deploys its own). */
    pinned: {
      minter: v.TON_JETTON_MINTER !== undefined && isTonAddress(v.TON_JETTON_MINTER) ? v.TON_JETTON_MINTER : undefined,
      collection: v.TON_NFT_COLLECTION !== undefined && isTonAddress(v.TON_NFT_COLLECTION) ? v.TON_NFT_COLLECTION : undefined,
    },
    mnemonic: v.TON_MNEMONIC,
    callbackSecret: v.GATEWAY_CALLBACK_SECRET,
    publicUrl: v.GATEWAY_PUBLIC_URL?.replace(/\/+$/, ''),
    walletLink: { domain: v.TON_PROOF_DOMAIN, challengeTtlSeconds: v.WALLET_LINK_TTL_SECONDS },
    limits: {
      perTransfer: BigInt(DECIMAL.test(v.G2A_LIMIT_PER_TRANSFER) ? v.G2A_LIMIT_PER_TRANSFER : '0'),
      perUserPerDay: BigInt(DECIMAL.test(v.G2A_LIMIT_PER_USER_DAY) ? v.G2A_LIMIT_PER_USER_DAY : '0'),
      globalPerDay: BigInt(DECIMAL.test(v.G2A_LIMIT_GLOBAL_DAY) ? v.G2A_LIMIT_GLOBAL_DAY : '0'),
    },
    maxRetries: v.GATEWAY_MAX_RETRIES,
    retryBaseMs: v.GATEWAY_RETRY_BASE_MS,
    batchSize: v.GATEWAY_BATCH_SIZE,
    pollMs: v.GATEWAY_POLL_MS,
  }),
});

/**
 * GATEWAY_PUBLIC_URL and TON_PROOF_DOMAIN follow PORT unless set: `PORT=3100 npm start` serves
 * badge metadata under http://localhost:3100 and accepts proofs naming localhost:3100.
 */
export const gatewayConfigSection = {
  ...declaredGatewaySection,
  read(env: Environment) {
    const result = declaredGatewaySection.read(env);
    if (!result.ok) return result;
    const port = /^\d+$/.test(env.PORT ?? '') ? env.PORT! : '3000';
    const value = result.value;
    return {
      ok: true as const,
      value: {
        ...value,
        publicUrl: value.publicUrl ?? `http://localhost:${port}`,
        walletLink: { ...value.walletLink, domain: value.walletLink.domain ?? `localhost:${port}` },
      },
    };
  },
};

function isTonAddress(text: string): boolean {
  try {
    Address.parse(text.trim());
    return true;
  } catch {
    return false;
  }
}
