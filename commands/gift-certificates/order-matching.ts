import { orderMatchingSaga } from '../../sagas/gift-certificates/order-matching-saga.js';
import { channelMessageRoutes } from './channel-message-routes.js';
import type { GcpDependencies, GcpPart } from './gcp-dependencies.js';
import { orderEffectHandlers } from './order-effects.js';

/**
 * The channels' messages (All_SalesOrder, All_Payments, All_Clients) and the saga that matches
 * orders with payments: issue (G-3), redemption by messages (G-5), refund (G-6).
 */
export function orderMatching(deps: GcpDependencies): GcpPart {
  return {
    routes: channelMessageRoutes(deps),
    sagas: [orderMatchingSaga()],
    effects: orderEffectHandlers(deps),
  };
}
