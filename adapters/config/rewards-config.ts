import { defineConfigSection } from './config-section.js';
import { envInteger, envText, envUrl } from './environment-variables.js';

const BADGE = /^[a-z0-9_]{1,64}$/;
const JETTON_UNITS = /^[1-9][0-9]{0,36}$/;

/**
 * Rewards "Connect" (SPEC R): the Points and NFT services (absent: Connect's own points ledger
 * and badge registry, which serve the same protocols), which badges go on chain, and the G2A
 * withdrawal rules.
 */
export const rewardsConfigSection = defineConfigSection({
  title: 'Rewards (Connect)',
  variables: {
    POINTS_SERVICE_URL: envUrl({ description: 'Base URL of the Points service (the points protocol, docs/architecture.md "Rewards"). Absent: Connect keeps the points ledger itself', protocols: ['http', 'https'] }),
    POINTS_SERVICE_TOKEN: envText({ description: 'Bearer token Connect presents to the Points service. Never logged', secret: true }),
    NFT_SERVICE_URL: envUrl({ description: 'Base URL of the NFT service (the badge protocol). Absent: Connect keeps the badge registry itself', protocols: ['http', 'https'] }),
    NFT_SERVICE_TOKEN: envText({ description: 'Bearer token Connect presents to the NFT service. Never logged', secret: true }),
    CONNECT_ONCHAIN_BADGES: envText({ description: 'Comma-separated badge types the badge registry mints on chain through the gateway (B-4; a level-up is an upgrade, B-5); others stay off-chain', default: 'quest_master_10' }),
    CONNECT_WITHDRAWAL_MIN: envText({ description: 'Smallest G2A withdrawal, in jetton units (9 decimals) as a decimal string', default: '1000000000' }),
    CONNECT_WITHDRAWAL_MAX: envText({ description: 'Largest single G2A withdrawal, in jetton units (the gateway’s own limits apply as well)', default: '1000000000000' }),
    CONNECT_BATCH_MAX: envInteger({ description: 'Most events in one POST /connect/events/batch', default: 500, min: 1, max: 5000 }),
    CONNECT_SERVICE_TIMEOUT_MS: envInteger({ description: 'How long one call to the Points or NFT service may take before its outcome counts as unknown (asked again with the same key)', default: 10_000, min: 50, max: 120_000 }),
  },
  check: (v) => [
    ...(v.CONNECT_ONCHAIN_BADGES.split(',').map((s) => s.trim()).filter((s) => s !== '').every((b) => BADGE.test(b))
      ? []
      : [{ variable: 'CONNECT_ONCHAIN_BADGES', message: 'must be badge types (a-z, 0-9, _) separated by commas' }]),
    ...(JETTON_UNITS.test(v.CONNECT_WITHDRAWAL_MIN) ? [] : [{ variable: 'CONNECT_WITHDRAWAL_MIN', message: 'must be a whole number of jetton units, more than 0' }]),
    ...(JETTON_UNITS.test(v.CONNECT_WITHDRAWAL_MAX) ? [] : [{ variable: 'CONNECT_WITHDRAWAL_MAX', message: 'must be a whole number of jetton units, more than 0' }]),
    ...(JETTON_UNITS.test(v.CONNECT_WITHDRAWAL_MIN) && JETTON_UNITS.test(v.CONNECT_WITHDRAWAL_MAX) && BigInt(v.CONNECT_WITHDRAWAL_MIN) > BigInt(v.CONNECT_WITHDRAWAL_MAX)
      ? [{ variable: 'CONNECT_WITHDRAWAL_MIN', message: 'must not be more than CONNECT_WITHDRAWAL_MAX' }]
      : []),
  ],
  build: (v) => ({
    pointsService: v.POINTS_SERVICE_URL !== undefined ? { url: v.POINTS_SERVICE_URL, token: v.POINTS_SERVICE_TOKEN } : undefined,
    nftService: v.NFT_SERVICE_URL !== undefined ? { url: v.NFT_SERVICE_URL, token: v.NFT_SERVICE_TOKEN } : undefined,
    onchainBadges: v.CONNECT_ONCHAIN_BADGES.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    withdrawal: { min: BigInt(JETTON_UNITS.test(v.CONNECT_WITHDRAWAL_MIN) ? v.CONNECT_WITHDRAWAL_MIN : '1'), max: BigInt(JETTON_UNITS.test(v.CONNECT_WITHDRAWAL_MAX) ? v.CONNECT_WITHDRAWAL_MAX : '1') },
    batchMax: v.CONNECT_BATCH_MAX,
    serviceTimeoutMs: v.CONNECT_SERVICE_TIMEOUT_MS,
  }),
});
