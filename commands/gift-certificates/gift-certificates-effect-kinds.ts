import * as t from 'io-ts';
import { effectKind } from '../../sagas/effect-kind.js';

/** Outbox effects of gift certificates: the reservation saga enqueues them, `gift-certificates-effects.ts` performs them. */
export const ReleaseReservation = effectKind('gcp.release-reservation', t.type({ stream: t.string, requestId: t.string }));
