import { openPaymentProviders } from '../../adapters/payments/open-payment-providers.js';
import { paymentTransactionProjection, paymentTransactionQueries } from '../../projections/game-store/payment-transaction-projection.js';
import { paymentExpirySaga } from '../../sagas/game-store/payment-expiry-saga.js';
import type { GameStorePart } from './game-store-dependencies.js';
import type { SystemDependencies } from '../../adapters/app/context-module.js';
import { paymentEffectHandlers } from './payment-effects.js';
import { paymentRoutes } from './payment-routes.js';
import type { PaymentTransactionDesk } from './payment-transaction-commands.js';
import type { PaymentProvider, ProviderName } from './ports/payment-provider.js';
import type { PaymentSandbox } from '../../adapters/payments/sandbox/payment-sandbox.js';
import { webhookRoutes } from './webhook-routes.js';

export interface PaymentTransactionsPart extends GameStorePart {
  /** The local sandbox this process serves (embedded default), if any. */
  readonly sandbox: PaymentSandbox | undefined;
  /** The providers from configuration (the purchase saga refunds through them). */
  readonly providers: ReadonlyMap<ProviderName, PaymentProvider>;
}

/**
 * Payment transactions (P-3, P-4, expiry, P-6 queries): the providers from configuration (or
 * their local sandboxes), the initiate / query / cancel routes, the webhooks, the expiry saga
 * and its effect, the transaction read model with ownership and BI.
 */
export async function paymentTransactions(system: SystemDependencies): Promise<PaymentTransactionsPart> {
  const section = system.config.gameStore;
  const notificationBaseUrl = (section.publicBaseUrl ?? system.localBaseUrl).replace(/\/+$/, '');
  const opened = await openPaymentProviders({ config: section, notificationBaseUrl, logger: system.logger, timeoutMs: section.providerTimeoutMs });
  const desk: PaymentTransactionDesk = { store: system.store, clock: system.clock, providers: opened.providers };
  const queries = paymentTransactionQueries(system.database.db);
  const projection = paymentTransactionProjection(system.database.biSchema);
  return {
    sandbox: opened.sandbox,
    providers: opened.providers,
    migrations: [projection.migrations!],
    projections: [projection],
    sagas: [paymentExpirySaga()],
    effects: paymentEffectHandlers(desk),
    routes: [...paymentRoutes({ desk, system, queries, expiryMinutes: section.expiryMinutes, notificationBaseUrl }), ...webhookRoutes({ desk, yookassaSources: opened.yookassaSources, perAddressPerSecond: section.webhooksPerSecond })],
    stop: () => opened.stop(),
  };
}
