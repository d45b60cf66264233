import type { ConfigOf } from './config-section.js';
import { gatewayConfigSection } from './gateway-config.js';
import { platformConfigSections } from './platform-config.js';

/** Every section a Ledgerline process reads: the platform's and each context's. */
export const appConfigSections = {
  ...platformConfigSections,
  gateway: gatewayConfigSection,
};

export type AppConfig = ConfigOf<typeof appConfigSections>;
