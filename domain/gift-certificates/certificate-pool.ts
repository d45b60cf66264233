import { left, right } from 'fp-ts/Either';
import { Map as ImmutableMap, Set as ImmutableSet } from 'immutable';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * The pool of one (nominal, currency) (G-1, G-2): ONE stream holds every certificate loaded
 * into it (a chunk of up to 1,000 per event) and every reservation, so "two channels never
 * get the same certificate" is decided in one place under optimistic concurrency. Numbers and
 * ids come from the caller (deciders draw no randomness and read no clock).
 */
export const PoolCertificate = t.type({ certificateId: t.string, number: t.string, expiresAt: t.string });
export type PoolCertificate = t.TypeOf<typeof PoolCertificate>;

export const CertificatePoolEvent = t.union([
  eventCodec(
    'CertificatesLoaded',
    t.type({ batchId: t.string, chunk: t.number, nominal: t.string, currency: t.string, certificates: t.array(PoolCertificate), loadedAt: t.string }),
  ),
  eventCodec(
    'CertificateReserved',
    t.type({ requestId: t.string, certificateId: t.string, number: t.string, channel: t.string, nominal: t.string, currency: t.string, expiresAt: t.string, reservedAt: t.string, reservedUntil: t.string }),
  ),
  eventCodec('ReservationReleased', t.type({ requestId: t.string, certificateId: t.string, releasedAt: t.string })),
  /** The reservation became a sale (G-3): it no longer lapses, the certificate has left the pool for its own stream. */
  eventCodec('ReservationIssued', t.type({ requestId: t.string, certificateId: t.string, channel: t.string, issuedAt: t.string })),
  /** ISSUE_BLOCKED (G-2): recorded once per exhaustion; a refill ends it. */
  eventCodec('PoolExhausted', t.type({ nominal: t.string, currency: t.string, channel: t.string, blockedAt: t.string })),
]);
export type CertificatePoolEvent = t.TypeOf<typeof CertificatePoolEvent>;
export type CertificateReserved = Extract<CertificatePoolEvent, { type: 'CertificateReserved' }>;

/** An immutable list, newest first: adding is O(1), so folding a long stream stays linear. */
interface List<T> {
  readonly head: T;
  readonly tail: List<T> | null;
}
const find = <T>(list: List<T> | null, predicate: (item: T) => boolean): T | undefined => {
  for (let cell = list; cell; cell = cell.tail) if (predicate(cell.head)) return cell.head;
  return undefined;
};

export interface Reservation {
  readonly requestId: string;
  readonly certificate: PoolCertificate;
  readonly channel: string;
  readonly reservedUntil: string;
}

export interface CertificatePoolState {
  /** Every chunk loaded, newest first (each a frozen array). */
  readonly chunks: List<{ batchId: string; chunk: number; certificates: readonly PoolCertificate[] }> | null;
  readonly loaded: number;
  /** How many of the loaded certificates (in load order) have been handed out for the first time. */
  readonly handedOut: number;
  /** Certificates back in the pool after a reservation lapsed (handed out again first). */
  readonly returned: List<PoolCertificate> | null;
  readonly returnedCount: number;
  /**
   * Every reservation by request id, and the newest reservation's request id per certificate:
   * persistent hash maps (immutable's, O(log₃₂ n) to add or find, each state its own view), so a
   * hot pool's decisions do not walk every reservation ever made.
   */
  readonly reservations: ImmutableMap<string, Reservation>;
  readonly newestReservationOf: ImmutableMap<string, string>;
  /** Reservations released (request ids). */
  readonly released: ImmutableSet<string>;
  /** Reservations issued (request ids): they never lapse. */
  readonly issued: ImmutableSet<string>;
  readonly reserved: number;
  readonly exhausted: boolean;
}

export const initialPoolState: CertificatePoolState = {
  chunks: null,
  loaded: 0,
  handedOut: 0,
  returned: null,
  returnedCount: 0,
  reservations: ImmutableMap(),
  newestReservationOf: ImmutableMap(),
  released: ImmutableSet(),
  issued: ImmutableSet(),
  reserved: 0,
  exhausted: false,
};

export const available = (state: CertificatePoolState): number => state.loaded - state.handedOut + state.returnedCount;
export const findReservation = (state: CertificatePoolState, requestId: string): Reservation | undefined => state.reservations.get(requestId);
export const isReleased = (state: CertificatePoolState, requestId: string): boolean => state.released.has(requestId);
export const isIssued = (state: CertificatePoolState, requestId: string): boolean => state.issued.has(requestId);
/** The reservation holding a certificate now (the newest one of it), if any. */
export const reservationOfCertificate = (state: CertificatePoolState, certificateId: string): Reservation | undefined => {
  const requestId = state.newestReservationOf.get(certificateId);
  const newest = requestId === undefined ? undefined : state.reservations.get(requestId);
  return newest && !isReleased(state, newest.requestId) ? newest : undefined;
};
export const hasChunk = (state: CertificatePoolState, batchId: string, chunk: number): boolean => find(state.chunks, (c) => c.batchId === batchId && c.chunk === chunk) !== undefined;

/** The certificate at load position `index` (0 = the first ever loaded). */
function certificateAt(state: CertificatePoolState, index: number): PoolCertificate {
  let end = state.loaded;
  for (let cell = state.chunks; cell; cell = cell.tail) {
    const start = end - cell.head.certificates.length;
    if (index >= start) return cell.head.certificates[index - start]!;
    end = start;
  }
  throw new Error(`no certificate at ${index}`);
}

/** The next certificate a reservation gets: a returned one first, else the oldest never handed out. */
function nextCertificate(state: CertificatePoolState): PoolCertificate | undefined {
  if (state.returned) return state.returned.head;
  return state.handedOut < state.loaded ? certificateAt(state, state.handedOut) : undefined;
}

export type CertificatePoolCommand =
  | { readonly type: 'LoadCertificates'; readonly batchId: string; readonly chunk: number; readonly nominal: string; readonly currency: string; readonly certificates: readonly PoolCertificate[]; readonly now: Date }
  | { readonly type: 'ReserveCertificate'; readonly requestId: string; readonly channel: string; readonly nominal: string; readonly currency: string; readonly ttlMinutes: number; readonly now: Date }
  | { readonly type: 'ReleaseReservation'; readonly requestId: string; readonly now: Date }
  | { readonly type: 'ConfirmReservation'; readonly certificateId: string; readonly channel: string; readonly now: Date };

/** The pool stream of one (nominal, currency): `CertificatePool-RUB-1000.00`. */
export const streamOfPool = (nominal: string, currency: string): string => `CertificatePool-${currency}-${nominal}`;

export const certificatePoolDecider: EventSourcedDecider<CertificatePoolCommand, CertificatePoolEvent, CertificatePoolState> = {
  events: CertificatePoolEvent,
  initialState: initialPoolState,
  decide(command, state) {
    switch (command.type) {
      case 'LoadCertificates':
        if (hasChunk(state, command.batchId, command.chunk) || command.certificates.length === 0) return right([]);
        return right([
          {
            type: 'CertificatesLoaded',
            data: { batchId: command.batchId, chunk: command.chunk, nominal: command.nominal, currency: command.currency, certificates: [...command.certificates], loadedAt: command.now.toISOString() },
          },
        ]);
      case 'ReserveCertificate': {
        if (findReservation(state, command.requestId)) return right([]);
        const certificate = nextCertificate(state);
        if (!certificate) {
          const refusal = left(domainError('conflict', 'gcp.pool_exhausted', `no ${command.nominal} ${command.currency} certificate is left in the pool`, 'nominal'));
          // ISSUE_BLOCKED once per exhaustion: the caller records it when the decision says so
          return state.exhausted ? refusal : right([{ type: 'PoolExhausted', data: { nominal: command.nominal, currency: command.currency, channel: command.channel, blockedAt: command.now.toISOString() } }]);
        }
        return right([
          {
            type: 'CertificateReserved',
            data: {
              requestId: command.requestId,
              certificateId: certificate.certificateId,
              number: certificate.number,
              channel: command.channel,
              nominal: command.nominal,
              currency: command.currency,
              expiresAt: certificate.expiresAt,
              reservedAt: command.now.toISOString(),
              reservedUntil: new Date(command.now.getTime() + command.ttlMinutes * 60_000).toISOString(),
            },
          },
        ]);
      }
      case 'ReleaseReservation': {
        const reservation = findReservation(state, command.requestId);
        if (!reservation || isReleased(state, command.requestId) || isIssued(state, command.requestId)) return right([]);
        return right([{ type: 'ReservationReleased', data: { requestId: command.requestId, certificateId: reservation.certificate.certificateId, releasedAt: command.now.toISOString() } }]);
      }
      case 'ConfirmReservation': {
        const reservation = reservationOfCertificate(state, command.certificateId);
        if (!reservation) return left(domainError('conflict', 'gcp.reservation_lapsed', 'the certificate is not reserved: its reservation lapsed back into the pool or it was never reserved', 'certificate_id'));
        if (reservation.channel !== command.channel) return left(domainError('conflict', 'gcp.reserved_by_another_channel', `the certificate is reserved by channel ${reservation.channel}, not ${command.channel}`, 'channel'));
        if (isIssued(state, reservation.requestId)) return right([]);
        return right([{ type: 'ReservationIssued', data: { requestId: reservation.requestId, certificateId: command.certificateId, channel: command.channel, issuedAt: command.now.toISOString() } }]);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'CertificatesLoaded':
        return {
          ...state,
          chunks: { head: { batchId: event.data.batchId, chunk: event.data.chunk, certificates: event.data.certificates }, tail: state.chunks },
          loaded: state.loaded + event.data.certificates.length,
          exhausted: false,
        };
      case 'CertificateReserved': {
        const certificate = { certificateId: event.data.certificateId, number: event.data.number, expiresAt: event.data.expiresAt };
        const fromReturned = state.returned !== null && state.returned.head.certificateId === event.data.certificateId;
        return {
          ...state,
          handedOut: fromReturned ? state.handedOut : state.handedOut + 1,
          returned: fromReturned ? state.returned!.tail : state.returned,
          returnedCount: fromReturned ? state.returnedCount - 1 : state.returnedCount,
          reservations: state.reservations.set(event.data.requestId, { requestId: event.data.requestId, certificate, channel: event.data.channel, reservedUntil: event.data.reservedUntil }),
          newestReservationOf: state.newestReservationOf.set(event.data.certificateId, event.data.requestId),
          reserved: state.reserved + 1,
        };
      }
      case 'ReservationReleased': {
        const reservation = findReservation(state, event.data.requestId)!;
        return {
          ...state,
          returned: { head: reservation.certificate, tail: state.returned },
          returnedCount: state.returnedCount + 1,
          released: state.released.add(event.data.requestId),
          reserved: state.reserved - 1,
          exhausted: false,
        };
      }
      case 'PoolExhausted':
        return { ...state, exhausted: true };
      case 'ReservationIssued':
        return { ...state, issued: state.issued.add(event.data.requestId) };
    }
  },
};

/**
 * Amounts (nominals) as decimal strings of minor-unit precision: "1000", "1000.5", "1000.50";
 * never negative, never more than two decimals, never a float.
 */
const NOMINAL = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;
export const isNominal = (text: string): boolean => NOMINAL.test(text) && !/^0(\.0+)?$/.test(text);
export const normalizeNominal = (text: string): string => {
  const [whole, fraction = ''] = text.split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
};
export const isCurrency = (text: string): boolean => /^[A-Z]{3}$/.test(text);
