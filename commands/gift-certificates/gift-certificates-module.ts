import type { ContextFactory } from '../../adapters/app/context-module.js';
import { certificateProjection, certificateQueries } from '../../projections/gift-certificates/certificate-projection.js';
import { giftCertificateQueryRoutes } from '../../projections/gift-certificates/gift-certificates-query-routes.js';
import { reservationTtlSaga } from '../../sagas/gift-certificates/reservation-ttl-saga.js';
import { BatchingPoolDecisions } from './certificate-reserver.js';
import { giftCertificateEffectHandlers } from './gift-certificates-effects.js';
import { giftCertificateCommandRoutes } from './gift-certificates-routes.js';

/**
 * Gift certificates "GCP" (SPEC G-1, G-2 so far): the pool operators load, reservations for
 * sales channels from one hot stream per (nominal, currency), their lapse back into the pool.
 */
export function giftCertificatesModule(): ContextFactory {
  return (deps) => {
    const settings = deps.config.giftCertificates;
    const decisions = new BatchingPoolDecisions(deps.store);
    const projection = certificateProjection();
    const queries = certificateQueries(deps.database.db);
    return {
      name: 'gift-certificates',
      roles: [{ name: 'gift_operator', description: 'loads gift certificates into the pool and follows batches (GCP)' }],
      migrations: [projection.migrations!],
      projections: [projection],
      sagas: [reservationTtlSaga()],
      effects: giftCertificateEffectHandlers({ decisions, clock: deps.clock }),
      routes: [
        ...giftCertificateCommandRoutes({ store: deps.store, clock: deps.clock, decisions, reservationTtlMinutes: settings.reservationTtlMinutes, existingNumbers: queries.existingNumbers, log: deps.logger }),
        ...giftCertificateQueryRoutes(deps.database),
      ],
    };
  };
}
