import * as t from 'io-ts';
import { ReleaseReservation } from '../../commands/gift-certificates/gift-certificates-effect-kinds.js';
import { pickEvents } from '../../domain/event-codec.js';
import { CertificatePoolEvent } from '../../domain/gift-certificates/certificate-pool.js';
import { defineSaga, sagaTimer, type SagaReaction } from '../saga.js';

export const RESERVATION_TTL = 'gcp-reservation-ttl';
const TtlTimer = sagaTimer(RESERVATION_TTL, t.type({ flowId: t.string, stream: t.string }));
const timerId = (requestId: string) => `gcp-reservation:${requestId}`;

interface ReservationTtlState {
  readonly stream?: string;
  readonly open?: boolean;
}

/**
 * G-2: a reservation not issued within `GCP_RESERVATION_TTL_MINUTES` returns to the pool. Every
 * `CertificateReserved` schedules a durable timer at its `reservedUntil`; when it fires the
 * effect `gcp.release-reservation` asks the pool to release it (the pool ignores a reservation
 * already released). A reservation issued (G-3: `ReservationIssued`) never lapses: its timer is
 * cancelled (and the pool ignores a release of an issued reservation anyway).
 */
export function reservationTtlSaga() {
  return defineSaga({
    name: RESERVATION_TTL,
    events: pickEvents(CertificatePoolEvent, ['CertificateReserved', 'ReservationReleased', 'ReservationIssued']),
    timer: TtlTimer,
    initialState: {} as ReservationTtlState,
    flowId: (event) => event.data.requestId,
    react(state, event): SagaReaction<ReservationTtlState> {
      if (event.type === 'CertificateReserved') {
        return { state: { stream: event.streamName, open: true }, schedule: [TtlTimer.at(timerId(event.data.requestId), new Date(event.data.reservedUntil), { flowId: event.data.requestId, stream: event.streamName })] };
      }
      // released or issued: either way it no longer lapses
      return { state: { ...state, open: false }, cancelTimers: [timerId(event.data.requestId)] };
    },
    onTimer(state, timer) {
      if (!state.open) return { state };
      return { state, effects: [ReleaseReservation.effect(`gcp-release:${timer.payload.flowId}`, { stream: timer.payload.stream, requestId: timer.payload.flowId })] };
    },
  });
}
