import type { ContextModule } from '../../adapters/app/context-module.js';
import type { Database } from '../../adapters/database/database.js';
import { certificateProjection } from './certificate-projection.js';
import { giftCertificateQueryRoutes } from './gift-certificates-query-routes.js';

/**
 * What BI, support and the channels read of gift certificates: the certificate read model,
 * the `bi` tables, the published stream `GiftCertificates.Stream`, the audit of a certificate.
 */
export function giftCertificatesReadSide(database: Database): Pick<ContextModule, 'migrations' | 'projections' | 'routes' | 'publishedStreams'> {
  const projection = certificateProjection();
  return {
    migrations: [projection.migrations!],
    projections: [projection],
    routes: giftCertificateQueryRoutes(database),
  };
}
