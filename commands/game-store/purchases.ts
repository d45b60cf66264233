import type { SystemDependencies } from '../../adapters/app/context-module.js';
import { openCashRegister } from '../../adapters/fiscal/open-cash-register.js';
import { userDecider, streamOfUser } from '../../domain/accounts/user.js';
import { FORGOTTEN } from '../../domain/event-codec.js';
import { orderQueries } from '../../projections/game-store/order-projection.js';
import { purchaseProjection, purchaseQueries } from '../../projections/game-store/purchase-projection.js';
import { gameStoreStream } from '../../projections/game-store/game-store-stream.js';
import { purchaseSaga } from '../../sagas/game-store/purchase-saga.js';
import { loadAggregate } from '../load-aggregate.js';
import type { GameStorePart } from './game-store-dependencies.js';
import type { PaymentProvider, ProviderName } from './ports/payment-provider.js';
import { purchaseEffectHandlers } from './purchase-effects.js';
import type { DeveloperLedgerDesk, LibraryDesk } from './purchase-followers.js';
import { purchaseRoutes } from './purchase-routes.js';
import { receiptEffectHandlers, type BuyerContacts } from './receipt-effects.js';

export interface PurchasesInput {
  readonly system: SystemDependencies;
  readonly providers: ReadonlyMap<ProviderName, PaymentProvider>;
  readonly library: LibraryDesk;
  readonly ledger: DeveloperLedgerDesk;
}

/** A registered buyer's e-mail from their account (unsealed on read; a forgotten account has none). */
export function accountContacts(system: Pick<SystemDependencies, 'store'>): BuyerContacts {
  return {
    async emailOf(buyerId) {
      const { state } = await loadAggregate(system.store, userDecider, streamOfUser(buyerId));
      return state.status === 'registered' && state.email && state.email !== FORGOTTEN ? state.email : undefined;
    },
  };
}

/**
 * The purchase (P-5, P-6, issue 13): the saga that completes a paid order, its effects (order,
 * library, fiscal receipts through the cloud register, developer ledgers, refunds at the
 * providers), the read side of its progress and receipts with the BI tables `purchases`,
 * `refunds`, `fiscal_receipts`, and its routes (refund, receipts, the live feed, the register's
 * callback).
 */
export async function purchases(input: PurchasesInput): Promise<GameStorePart> {
  const { system } = input;
  const publicBase = (system.config.gameStore.publicBaseUrl ?? system.localBaseUrl).replace(/\/+$/, '');
  const cashRegister = await openCashRegister({ config: system.config.fiscal, logger: system.logger, callbackBaseUrl: publicBase });
  const projection = purchaseProjection(system.database.biSchema);
  const queries = purchaseQueries(system.database.db);
  const orders = orderQueries(system.database.db);
  return {
    migrations: [projection.migrations!],
    projections: [projection],
    sagas: [purchaseSaga()],
    publishedStreams: [gameStoreStream],
    effects: [
      ...purchaseEffectHandlers({ store: system.store, clock: system.clock, logger: system.logger, library: input.library, ledger: input.ledger, providers: input.providers }),
      ...receiptEffectHandlers({
        store: system.store,
        clock: system.clock,
        logger: system.logger,
        register: cashRegister.register,
        company: system.config.fiscal.company,
        callbackUrl: cashRegister.callbackUrl,
        contacts: accountContacts(system),
      }),
    ],
    routes: purchaseRoutes({
      store: system.store,
      database: system.database,
      clock: system.clock,
      purchases: queries,
      register: cashRegister.register,
      buyerOf: async (orderId) => (await orders.order(orderId))?.buyer_id,
      shutdown: system.shutdown,
    }),
    stop: () => cashRegister.stop(),
  };
}
