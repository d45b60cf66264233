import type { ContextModule, SystemDependencies } from '../../adapters/app/context-module.js';
import type { CertificateQueries } from '../../projections/gift-certificates/certificate-projection.js';
import type { CertificateDecisions } from './certificate-decisions.js';
import type { BatchingPoolDecisions } from './certificate-reserver.js';

/** How the gift-certificate context is tuned (its config section, with the CVC key resolved). */
export interface GiftCertificateSettings {
  readonly reservationTtlMinutes: number;
  /** HMAC-SHA256 key of CVC hashes (GCP_CVC_SECRET, or generated into DATA_DIR/gcp-cvc-secret). */
  readonly cvcSecret: string;
  /** Wrong CVCs in a row (since issue or the last unlock) that lock a certificate. */
  readonly maxCvcFailures: number;
  /** Minutes a POS hold waits for its capture before it is released. */
  readonly holdTtlMinutes: number;
}

/** What every part of the context is built from (one set per process). */
export interface GcpDependencies {
  readonly system: SystemDependencies;
  readonly settings: GiftCertificateSettings;
  /** Decisions on a pool stream (load, reserve, release, confirm). */
  readonly pool: BatchingPoolDecisions;
  /** Decisions on one certificate's stream. */
  readonly certificates: CertificateDecisions;
  /** The pool read model (`rm_gift_certificates`). */
  readonly poolQueries: CertificateQueries;
}

/** A part of the context (a flow, the read side): merged into the one ContextModule. */
export type GcpPart = Pick<ContextModule, 'migrations' | 'projections' | 'sagas' | 'effects' | 'timers' | 'routes' | 'publishedStreams'>;
