import type { Clock } from '../../platform/clock.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import type { BatchingPoolDecisions } from './certificate-reserver.js';
import { ReleaseReservation } from './gift-certificates-effect-kinds.js';

/** A reservation not issued in time goes back to its pool (G-2): idempotent, the pool decides. */
export function giftCertificateEffectHandlers(deps: { decisions: BatchingPoolDecisions; clock: Clock }): EffectPerformer[] {
  return [
    performs(ReleaseReservation, async ({ stream, requestId }, { correlationId }) => {
      const outcome = await deps.decisions.decide({ stream, command: { type: 'ReleaseReservation', requestId, now: deps.clock.now() }, ...(correlationId ? { correlationId } : {}), actor: "system:gcp-reservation-ttl" });
      if (outcome._tag === 'Left' && outcome.left.code === 'gcp.busy') throw new Error(outcome.left.message);
    }),
  ];
}
