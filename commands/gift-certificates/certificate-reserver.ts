import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import {
  certificatePoolDecider,
  findReservation,
  type CertificatePoolCommand,
  type CertificatePoolEvent,
  type CertificatePoolState,
} from '../../domain/gift-certificates/certificate-pool.js';
import { HotStreamDecisions, type HotStreamOptions, type HotStreamOutcome, type HotStreamRequest } from '../hot-stream-decisions.js';

export type PoolRequest = HotStreamRequest<CertificatePoolCommand>;
export type PoolOutcome = HotStreamOutcome<CertificatePoolState, CertificatePoolEvent>;

const busy = (): DomainError => Object.assign(domainError('rate_limited', 'gcp.busy', 'too many concurrent requests on this pool; retry in a moment'), { retryAfterSeconds: 1 });
const exhausted = (command: CertificatePoolCommand): DomainError =>
  domainError('conflict', 'gcp.pool_exhausted', command.type === 'ReserveCertificate' ? `no ${command.nominal} ${command.currency} certificate is left in the pool` : 'the pool is exhausted', 'nominal');

function commandIdOf(command: CertificatePoolCommand): string {
  switch (command.type) {
    case 'LoadCertificates':
      return `gcp-load:${command.batchId}:${command.chunk}`;
    case 'ReserveCertificate':
      return `gcp-reserve:${command.requestId}`;
    case 'ReleaseReservation':
      return `gcp-release:${command.requestId}`;
    case 'ConfirmReservation':
      // the same channel may reserve a certificate again after a lapse: the time tells the confirmations apart
      return `gcp-confirm:${command.certificateId}:${command.channel}:${command.now.toISOString()}`;
    default: {
      // a command without its own case yet: all its fields (the time included, so two decisions never share event ids)
      const other = command as { readonly type: string };
      return `gcp-${other.type}:${JSON.stringify(other)}`;
    }
  }
}

/** How pool commands become appended events and answers, whichever way they are decided. */
export const poolDecisionOptions: HotStreamOptions<CertificatePoolCommand, CertificatePoolEvent> = {
  commandIdOf,
  nowOf: (command) => command.now,
  busy,
  // the first reservation that finds the pool empty records PoolExhausted (ISSUE_BLOCKED) and is still refused
  refusalOf: (command, events) => (events.some((e) => e.type === 'PoolExhausted') ? exhausted(command) : undefined),
};

/**
 * Every decision on a pool stream (load a chunk, reserve, release) goes through here, as in
 * BatchingTicketSeller: HotStreamDecisions over the pool decider. Requests on one pool queue
 * in this process, whatever queued while the previous append was in flight is decided in
 * order against the cached pool and written as ONE append with the expected revision. Other
 * API instances do the same; the expected revision makes the database the single arbiter, a
 * conflict costs a catch-up read. A PoolExhausted event answers 409 gcp.pool_exhausted.
 */
export class BatchingPoolDecisions extends HotStreamDecisions<CertificatePoolCommand, CertificatePoolEvent, CertificatePoolState> {
  constructor(store: EventStore, maxBatch = 500, maxConflicts = 100) {
    super(store, certificatePoolDecider, { ...poolDecisionOptions, maxBatch, maxConflicts });
  }
}

export { findReservation };
