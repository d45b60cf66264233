import { certificateTimersSaga } from '../../sagas/gift-certificates/certificate-timers-saga.js';
import { certificateEffectHandlers } from './certificate-effects.js';
import { certificateRoutes } from './certificate-routes.js';
import type { GcpDependencies, GcpPart } from './gcp-dependencies.js';

/**
 * One certificate's own routes and timers: CVC hand-out and delivery reports (G-4), POS holds
 * (G-5), lock / unlock (G-7), refund details (G-6), hold timeouts and expiry.
 */
export function certificateLifecycle(deps: GcpDependencies): GcpPart {
  return {
    routes: certificateRoutes({ certificates: deps.certificates, clock: deps.system.clock, settings: deps.settings }),
    sagas: [certificateTimersSaga()],
    effects: certificateEffectHandlers({ certificates: deps.certificates, clock: deps.system.clock }),
  };
}
