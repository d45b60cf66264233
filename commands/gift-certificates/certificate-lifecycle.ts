import type { GcpDependencies, GcpPart } from './gcp-dependencies.js';

/**
 * One certificate's own routes and timers: CVC hand-out and delivery reports (G-4), POS holds
 * (G-5), lock / unlock (G-7), refund details (G-6), hold timeouts and expiry.
 */
export function certificateLifecycle(_deps: GcpDependencies): GcpPart {
  return {};
}
