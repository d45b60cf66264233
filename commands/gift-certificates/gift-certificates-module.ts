import { mergeContextParts, type ContextFactory, type SystemDependencies } from '../../adapters/app/context-module.js';
import { resolveGeneratedSecret } from '../../adapters/config/jwt-secret.js';
import { certificateQueries } from '../../projections/gift-certificates/certificate-projection.js';
import { giftCertificatesReadSide } from '../../projections/gift-certificates/gift-certificates-read-side.js';
import { poolAlertsSaga } from '../../sagas/gift-certificates/pool-alerts-saga.js';
import { reservationTtlSaga } from '../../sagas/gift-certificates/reservation-ttl-saga.js';
import { poolAlertEffectHandlers } from './pool-alert-effects.js';
import type { OperatorDirectory } from './ports/operator-directory.js';
import { BatchingCertificateDecisions, OptimisticCertificateDecisions } from './certificate-decisions.js';
import { certificateLifecycle } from './certificate-lifecycle.js';
import { BatchingPoolDecisions, OptimisticPoolDecisions } from './certificate-reserver.js';
import type { GcpDependencies, GcpPart } from './gcp-dependencies.js';
import { giftCertificateEffectHandlers } from './gift-certificates-effects.js';
import { giftCertificateCommandRoutes } from './gift-certificates-routes.js';
import { orderMatching } from './order-matching.js';

/**
 * Gift certificates "GCP" (SPEC G-1 … G-8): the pool operators load, reservations for sales
 * channels from one hot stream per (nominal, currency), the channels' messages matched into
 * issue / redemption / refund, one stream per certificate as its ledger, the read side for
 * support, channels and BI. Each part is its own file; this one only wires them.
 */
export interface GiftCertificatesOptions {
  /** Who the operators are (notified when a pool runs out); without it nobody is notified. */
  readonly operators?: (database: SystemDependencies['database']) => OperatorDirectory;
}

export function giftCertificatesModule(options: GiftCertificatesOptions = {}): ContextFactory {
  return async (system) => {
    const section = system.config.giftCertificates;
    const cvcSecret = await resolveGeneratedSecret({ configured: section.cvcSecret, dataDir: system.dataDir, file: 'gcp-cvc-secret' });
    const deps: GcpDependencies = {
      system,
      settings: {
        reservationTtlMinutes: section.reservationTtlMinutes,
        cvcSecret,
        maxCvcFailures: section.maxCvcFailures,
        holdTtlMinutes: section.holdTtlMinutes,
      },
      pool: section.reservationStrategy === 'optimistic' ? new OptimisticPoolDecisions(system.store) : new BatchingPoolDecisions(system.store),
      certificates: section.reservationStrategy === 'optimistic' ? new OptimisticCertificateDecisions(system.store) : new BatchingCertificateDecisions(system.store),
      poolQueries: certificateQueries(system.database.db),
    };
    const pool: GcpPart = {
      sagas: [reservationTtlSaga(), poolAlertsSaga()],
      effects: [
        ...giftCertificateEffectHandlers({ decisions: deps.pool, clock: system.clock }),
        ...poolAlertEffectHandlers({ database: system.database, clock: system.clock, directory: options.operators?.(system.database) ?? { operators: async () => [] } }),
      ],
      routes: giftCertificateCommandRoutes({
        store: system.store,
        clock: system.clock,
        decisions: deps.pool,
        reservationTtlMinutes: deps.settings.reservationTtlMinutes,
        existingNumbers: deps.poolQueries.existingNumbers,
        log: system.logger,
      }),
    };
    const parts: GcpPart[] = [pool, orderMatching(deps), certificateLifecycle(deps), giftCertificatesReadSide(system.database)];
    return {
      name: 'gift-certificates',
      roles: [
        { name: 'gift_operator', description: 'loads gift certificates into the pool and follows batches (GCP)' },
        { name: 'gift_support', description: 'looks up, locks and unlocks gift certificates, reads their audit (GCP)' },
      ],
      ...mergeContextParts(parts),
    };
  };
}
