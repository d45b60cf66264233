import { randomUUID } from 'node:crypto';
import { left, right, type Either } from 'fp-ts/Either';
import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import {
  giftCertificateDecider,
  streamOfCertificate,
  type GiftCertificateCommand,
  type GiftCertificateEvent,
  type GiftCertificateState,
} from '../../domain/gift-certificates/gift-certificate.js';
import { ConcurrencyExhausted, handleCommand } from '../command-handler.js';
import { HotStreamDecisions } from '../hot-stream-decisions.js';
import { loadAggregate } from '../load-aggregate.js';

export interface CertificateRequest {
  readonly certificateId: string;
  readonly command: GiftCertificateCommand;
  readonly correlationId?: string;
}

export interface CertificateOutcome {
  readonly state: GiftCertificateState;
  /** The events this command recorded (none for a repeat that changed nothing). */
  readonly events: readonly GiftCertificateEvent[];
  readonly position: Position | null;
}

/**
 * Every decision on one certificate's stream (issue, CVC, holds, redemptions, refunds, lock,
 * expiry) goes through this port, so "never more than the balance" has one arbiter.
 */
export interface CertificateDecisions {
  decide(request: CertificateRequest): Promise<Either<DomainError, CertificateOutcome>>;
  /** The certificate as it is now (every instance's appends included). */
  current(certificateId: string): Promise<GiftCertificateState>;
}

export const certificateBusy = (): DomainError => Object.assign(domainError('rate_limited', 'gcp.busy', 'too many concurrent requests on this certificate; retry in a moment'), { retryAfterSeconds: 1 });

/** The metadata command id of a certificate command: a retried command is recognised by it. */
export function certificateCommandId(certificateId: string, command: GiftCertificateCommand): string {
  switch (command.type) {
    case 'IssueCertificate':
      return `gcp-issue:${certificateId}:${command.orderId}`;
    case 'RefuseIssue':
      return `gcp-issue-refused:${certificateId}:${command.orderId}:${command.now.getTime()}`;
    case 'HoldRedemption':
      // a wrong CVC and then the right one for the same hold in the same millisecond are two commands
      return `gcp-hold:${certificateId}:${command.holdId}:${command.now.getTime()}:${command.cvcHash.slice(0, 12)}`;
    case 'ReleaseHold':
      return `gcp-release-hold:${certificateId}:${command.holdId}`;
    case 'RedeemCertificate':
      return `gcp-redeem:${certificateId}:${command.orderId}:${command.now.getTime()}`;
    case 'RefuseRedemption':
      return `gcp-redemption-refused:${certificateId}:${command.orderId}:${command.now.getTime()}`;
    case 'RequestRefund':
    case 'ProvideRefundDetails':
    case 'CompleteRefund':
      return `gcp-${command.type}:${certificateId}:${command.refundId}:${command.now.getTime()}`;
    default:
      return `gcp-${command.type}:${certificateId}:${command.now.getTime()}:${Math.random().toString(36).slice(2)}`;
  }
}

/**
 * Plain load-decide-append with the expected revision, retried on conflict. Kept while the
 * shared hot-stream runner lands; `BatchingCertificateDecisions` replaces it for hot certificates.
 */
export class OptimisticCertificateDecisions implements CertificateDecisions {
  constructor(private readonly store: EventStore) {}

  async decide({ certificateId, command, correlationId }: CertificateRequest): Promise<Either<DomainError, CertificateOutcome>> {
    try {
      const outcome = await handleCommand(
        this.store,
        giftCertificateDecider,
        streamOfCertificate(certificateId),
        command,
        { commandId: certificateCommandId(certificateId, command), now: command.now, actor: command.by, ...(correlationId ? { correlationId } : {}) },
        { maxRetries: 50 },
      );
      if (outcome._tag === 'Left') return outcome;
      return right({ state: outcome.right.state, events: outcome.right.replayed ? [] : outcome.right.events, position: outcome.right.position });
    } catch (error) {
      if (error instanceof ConcurrencyExhausted) return left(certificateBusy());
      throw error;
    }
  }

  async current(certificateId: string): Promise<GiftCertificateState> {
    return (await loadAggregate(this.store, giftCertificateDecider, streamOfCertificate(certificateId))).state;
  }
}

/** A certificate command with the certificate it is for (its command id names it). */
type AddressedCommand = GiftCertificateCommand & { readonly certificateId: string };

/** Per process: tells apart two commands that would otherwise share a command id (same certificate, kind and millisecond). */
const processTag = randomUUID().slice(0, 8);
let sequence = 0;

/**
 * Our design for hot certificates (G-5: many tills redeeming one certificate at once, measured
 * in `npm run bench -- gcp`): HotStreamDecisions over the certificate decider — commands on
 * one certificate queue in this process and whatever queued during the previous append is
 * decided in order against the cached ledger and written as one append with the expected
 * revision; another instance's append costs a catch-up read. Idempotency is the decider's
 * (hold ids, redeemed orders, refund ids), so command ids only need to be unique.
 */
export class BatchingCertificateDecisions implements CertificateDecisions {
  private readonly runner: HotStreamDecisions<AddressedCommand, GiftCertificateEvent, GiftCertificateState>;

  constructor(store: EventStore, options: { readonly maxBatch?: number; readonly maxConflicts?: number } = {}) {
    this.runner = new HotStreamDecisions<AddressedCommand, GiftCertificateEvent, GiftCertificateState>(store, giftCertificateDecider, {
      commandIdOf: (command) => `${certificateCommandId(command.certificateId, command)}:${processTag}:${++sequence}`,
      nowOf: (command) => command.now,
      busy: certificateBusy,
      ...options,
    });
  }

  decide({ certificateId, command, correlationId }: CertificateRequest): Promise<Either<DomainError, CertificateOutcome>> {
    return this.runner.decide({ stream: streamOfCertificate(certificateId), command: { ...command, certificateId }, actor: command.by, ...(correlationId ? { correlationId } : {}) });
  }

  current(certificateId: string): Promise<GiftCertificateState> {
    return this.runner.current(streamOfCertificate(certificateId));
  }
}
