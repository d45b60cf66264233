import type { ContextFactory } from '../adapters/app/context-module.js';
import { openTonGateway } from '../adapters/ton/open-ton-gateway.js';
import { gameStoreModule } from '../commands/game-store/game-store-module.js';
import { accountsModule } from '../commands/accounts/accounts-module.js';
import { gatewayModule } from '../commands/blockchain/gateway-module.js';
import { inProcessGateway } from '../commands/blockchain/in-process-gateway.js';
import { rewardsModule } from '../commands/rewards/rewards-module.js';
import { giftCertificatesModule } from '../commands/gift-certificates/gift-certificates-module.js';
import { notificationsModule } from '../commands/notifications/notifications-module.js';
import { ticketingModule } from '../commands/ticketing/ticketing-module.js';
import { accountQueries } from '../projections/accounts/account-projection.js';

/** Every business context this process runs, in the order their routes are mounted. */
export const businessContexts: readonly ContextFactory[] = [accountsModule(), ticketingModule(), notificationsModule(), gatewayModule(openTonGateway()), giftCertificatesModule({ operators: (database) => ({ operators: () => accountQueries(database.db).usersWithRole('gift_operator') }) }), gameStoreModule(), rewardsModule({ gateway: inProcessGateway })];
