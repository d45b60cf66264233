import * as t from 'io-ts';
import { ExpireCertificateEffect, ReleaseHoldOnTimeout } from '../../commands/gift-certificates/certificate-effect-kinds.js';
import { pickEvents } from '../../domain/event-codec.js';
import { certificateOfStream, GiftCertificateEvent } from '../../domain/gift-certificates/gift-certificate.js';
import { defineSaga, sagaTimer, type SagaReaction } from '../saga.js';

export const CERTIFICATE_TIMERS = 'gcp-certificate-timers';
const CertificateTimer = sagaTimer(
  CERTIFICATE_TIMERS,
  t.union([t.type({ flowId: t.string, what: t.literal('expiry') }), t.type({ flowId: t.string, what: t.literal('hold'), holdId: t.string, heldUntil: t.string })]),
);
const expiryTimer = (certificateId: string) => `gcp-expiry:${certificateId}`;
const holdTimer = (certificateId: string, holdId: string) => `gcp-hold:${certificateId}:${holdId}`;

interface CertificateTimersState {
  /** Holds pending (their timers are set). */
  readonly holds: readonly string[];
  readonly closed: boolean;
}

/**
 * One certificate's durable timers (flow = certificate id): `CertificateIssued` sets one at
 * its expiry → effect `gcp.expire-certificate` (EXPIRED, unredeemed balance recorded);
 * `RedemptionHeld` one at its `heldUntil` → `gcp.release-hold` (reason "timeout"); a capture
 * (`CertificateRedeemed` of the hold) or a release cancels the hold's timer, the expiry all of them.
 */
export function certificateTimersSaga() {
  return defineSaga({
    name: CERTIFICATE_TIMERS,
    events: pickEvents(GiftCertificateEvent, ['CertificateIssued', 'RedemptionHeld', 'RedemptionReleased', 'CertificateRedeemed', 'CertificateExpired']),
    timer: CertificateTimer,
    initialState: { holds: [], closed: false } as CertificateTimersState,
    flowId: (event) => certificateOfStream(event.streamName) ?? null,
    react(state, event): SagaReaction<CertificateTimersState> {
      const certificateId = certificateOfStream(event.streamName)!;
      switch (event.type) {
        case 'CertificateIssued':
          return { state, schedule: [CertificateTimer.at(expiryTimer(certificateId), new Date(event.data.expiresAt), { flowId: certificateId, what: 'expiry' })] };
        case 'RedemptionHeld':
          return {
            state: { ...state, holds: [...state.holds.filter((h) => h !== event.data.holdId), event.data.holdId] },
            schedule: [CertificateTimer.at(holdTimer(certificateId, event.data.holdId), new Date(event.data.heldUntil), { flowId: certificateId, what: 'hold', holdId: event.data.holdId, heldUntil: event.data.heldUntil })],
          };
        case 'RedemptionReleased':
          return { state: { ...state, holds: state.holds.filter((h) => h !== event.data.holdId) }, cancelTimers: [holdTimer(certificateId, event.data.holdId)] };
        case 'CertificateRedeemed': {
          const holdId = event.data.holdId;
          if (!holdId) return { state };
          return { state: { ...state, holds: state.holds.filter((h) => h !== holdId) }, cancelTimers: [holdTimer(certificateId, holdId)] };
        }
        case 'CertificateExpired':
          return { state: { holds: [], closed: true }, cancelTimers: [expiryTimer(certificateId), ...state.holds.map((h) => holdTimer(certificateId, h))] };
      }
    },
    onTimer(state, timer) {
      const certificateId = timer.payload.flowId;
      if (timer.payload.what === 'expiry') {
        if (state.closed) return { state };
        return { state, effects: [ExpireCertificateEffect.effect(`gcp-expire:${certificateId}`, { certificateId })] };
      }
      const holdId = timer.payload.holdId;
      if (!state.holds.includes(holdId)) return { state };
      // the same hold id may be placed again after a release: its own timeout is another effect
      return { state, effects: [ReleaseHoldOnTimeout.effect(`gcp-hold-timeout:${certificateId}:${holdId}:${timer.payload.heldUntil}`, { certificateId, holdId })] };
    },
  });
}
