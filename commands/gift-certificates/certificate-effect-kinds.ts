import * as t from 'io-ts';
import { effectKind } from '../../sagas/effect-kind.js';

/** Outbox effects of one certificate's timers: the certificate-timers saga enqueues them, certificate-effects.ts performs them. */
export const ExpireCertificateEffect = effectKind('gcp.expire-certificate', t.type({ certificateId: t.string }));
export const ReleaseHoldOnTimeout = effectKind('gcp.release-hold', t.type({ certificateId: t.string, holdId: t.string }));
