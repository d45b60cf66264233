import type { GcpDependencies, GcpPart } from './gcp-dependencies.js';

/**
 * The channels' messages (All_SalesOrder, All_Payments, All_Clients) and the saga that matches
 * orders with payments: issue (G-3), redemption by messages (G-5), refund (G-6).
 */
export function orderMatching(_deps: GcpDependencies): GcpPart {
  return {};
}
