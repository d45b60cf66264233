import type { Clock } from '../../platform/clock.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import { ExpireCertificateEffect, ReleaseHoldOnTimeout } from './certificate-effect-kinds.js';
import type { CertificateDecisions } from './certificate-decisions.js';

/**
 * What a certificate's timers do, through the certificate decisions (idempotent: the decider
 * ignores an expiry of a closed certificate and a release of a hold no longer pending). A busy
 * stream, or an expiry asked a moment early (clocks of two instances), is retried.
 */
export function certificateEffectHandlers(deps: { certificates: CertificateDecisions; clock: Clock }): EffectPerformer[] {
  return [
    performs(ExpireCertificateEffect, async ({ certificateId }, { correlationId }) => {
      const outcome = await deps.certificates.decide({ certificateId, command: { type: 'ExpireCertificate', now: deps.clock.now(), by: 'system:gcp-expiry' }, ...(correlationId ? { correlationId } : {}) });
      if (outcome._tag === 'Left' && (outcome.left.code === 'gcp.busy' || outcome.left.code === 'gcp.not_yet_expired')) throw new Error(outcome.left.message);
    }),
    performs(ReleaseHoldOnTimeout, async ({ certificateId, holdId }, { correlationId }) => {
      const outcome = await deps.certificates.decide({ certificateId, command: { type: 'ReleaseHold', holdId, reason: 'timeout', now: deps.clock.now(), by: 'system:gcp-hold-timeout' }, ...(correlationId ? { correlationId } : {}) });
      if (outcome._tag === 'Left' && outcome.left.code === 'gcp.busy') throw new Error(outcome.left.message);
    }),
  ];
}
