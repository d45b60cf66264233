import { accountsConfigSection } from './accounts-config.js';
import type { ConfigOf } from './config-section.js';
import { fiscalConfigSection } from './fiscal-config.js';
import { gameStoreConfigSection } from './game-store-config.js';
import { gatewayConfigSection } from './gateway-config.js';
import { giftCertificatesConfigSection } from './gift-certificates-config.js';
import { notificationsConfigSection } from './notifications-config.js';
import { platformConfigSections } from './platform-config.js';
import { rewardsConfigSection } from './rewards-config.js';
import { ticketingConfigSection } from './ticketing-config.js';

/** Every section a Ledgerline process reads: the platform's and each context's. */
export const appConfigSections = {
  ...platformConfigSections,
  accounts: accountsConfigSection,
  gateway: gatewayConfigSection,
  ticketing: ticketingConfigSection,
  notifications: notificationsConfigSection,
  giftCertificates: giftCertificatesConfigSection,
  gameStore: gameStoreConfigSection,
  fiscal: fiscalConfigSection,
  rewards: rewardsConfigSection,
};

export type AppConfig = ConfigOf<typeof appConfigSections>;
