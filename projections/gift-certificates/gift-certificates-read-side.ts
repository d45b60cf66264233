import type { ContextModule } from '../../adapters/app/context-module.js';
import type { Database } from '../../adapters/database/database.js';
import { certificateProjection } from './certificate-projection.js';
import { channelMessageProjection } from './channel-message-projection.js';
import { giftCertificatesStream } from './gift-certificates-stream.js';
import { giftCertificateQueryRoutes } from './gift-certificates-query-routes.js';

/**
 * What BI, support and the channels read of gift certificates: the certificate read model and
 * its audit, the `bi` tables (in the database's configurable BI schema), the published stream
 * `GiftCertificates.Stream`, the query routes.
 */
export function giftCertificatesReadSide(database: Database): Pick<ContextModule, 'migrations' | 'projections' | 'routes' | 'publishedStreams'> {
  const certificates = certificateProjection(database.biSchema);
  const messages = channelMessageProjection(database.biSchema);
  return {
    migrations: [certificates.migrations!, messages.migrations!],
    projections: [certificates, messages],
    routes: giftCertificateQueryRoutes(database),
    publishedStreams: [giftCertificatesStream],
  };
}
