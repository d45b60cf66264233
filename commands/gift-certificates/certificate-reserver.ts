import { left, right, type Either } from 'fp-ts/Either';
import { WrongExpectedVersion, type EventStore, type Position } from '../../adapters/eventstore/event-store.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { decodeEvent } from '../../domain/event-decoding.js';
import {
  certificatePoolDecider,
  findReservation,
  type CertificatePoolCommand,
  type CertificatePoolEvent,
  type CertificatePoolState,
} from '../../domain/gift-certificates/certificate-pool.js';
import { eventsToAppend } from '../event-metadata.js';

export interface PoolRequest {
  readonly stream: string;
  readonly command: CertificatePoolCommand;
  readonly correlationId?: string;
  readonly actor?: string;
}

export interface PoolOutcome {
  readonly state: CertificatePoolState;
  readonly events: readonly CertificatePoolEvent[];
  readonly position: Position | null;
}

const busy = (): DomainError => Object.assign(domainError('rate_limited', 'gcp.busy', 'too many concurrent requests on this pool; retry in a moment'), { retryAfterSeconds: 1 });
const exhausted = (command: CertificatePoolCommand): DomainError =>
  domainError('conflict', 'gcp.pool_exhausted', command.type === 'ReserveCertificate' ? `no ${command.nominal} ${command.currency} certificate is left in the pool` : 'the pool is exhausted', 'nominal');

interface Waiting {
  readonly request: PoolRequest;
  resolve(outcome: Either<DomainError, PoolOutcome>): void;
  reject(error: unknown): void;
}

interface Lane {
  readonly stream: string;
  readonly queue: Waiting[];
  running: boolean;
  known?: { state: CertificatePoolState; revision: bigint };
}

/**
 * Every decision on a pool stream (load a chunk, reserve, release) goes through here, as in
 * BatchingTicketSeller: requests on one pool queue in this process, whatever queued while
 * the previous append was in flight is decided in order against the cached pool and written
 * as ONE append with the expected revision. Other API instances do the same; the expected
 * revision makes the database the single arbiter, a conflict costs a catch-up read.
 */
export class BatchingPoolDecisions {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly store: EventStore,
    private readonly maxBatch = 500,
    private readonly maxConflicts = 100,
  ) {}

  decide(request: PoolRequest): Promise<Either<DomainError, PoolOutcome>> {
    let lane = this.lanes.get(request.stream);
    if (!lane) {
      lane = { stream: request.stream, queue: [], running: false };
      this.lanes.set(request.stream, lane);
    }
    const waiting = new Promise<Either<DomainError, PoolOutcome>>((resolve, reject) => lane.queue.push({ request, resolve, reject }));
    if (!lane.running) void this.drain(lane);
    return waiting;
  }

  /** The pool as it is now (caught up with every instance's appends). */
  async current(stream: string): Promise<CertificatePoolState> {
    let lane = this.lanes.get(stream);
    if (!lane) {
      lane = { stream, queue: [], running: false };
      this.lanes.set(stream, lane);
    }
    return (await this.catchUp(lane)).state;
  }

  private async drain(lane: Lane): Promise<void> {
    lane.running = true;
    try {
      while (lane.queue.length > 0) {
        const batch = lane.queue.splice(0, this.maxBatch);
        try {
          await this.settle(lane, batch);
        } catch (error) {
          lane.known = undefined;
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      lane.running = false;
    }
  }

  private async settle(lane: Lane, batch: readonly Waiting[]): Promise<void> {
    for (let conflicts = 0; ; conflicts++) {
      const known = await this.catchUp(lane);
      let state = known.state;
      const decided: { waiting: Waiting; events: CertificatePoolEvent[] }[] = [];
      const answers: { waiting: Waiting; answer: Either<DomainError, PoolOutcome> | 'appended'; events?: CertificatePoolEvent[] }[] = [];
      for (const waiting of batch) {
        const { command } = waiting.request;
        const decision = certificatePoolDecider.decide(command, state);
        if (decision._tag === 'Left') {
          answers.push({ waiting, answer: decision });
          continue;
        }
        const events = [...decision.right];
        for (const event of events) state = certificatePoolDecider.evolve(state, event);
        if (events.length === 0) {
          answers.push({ waiting, answer: right({ state, events: [], position: null }) });
          continue;
        }
        decided.push({ waiting, events });
        answers.push({ waiting, answer: 'appended', events });
      }
      let position: Position | null = null;
      if (decided.length > 0) {
        try {
          const appended = await this.store.append(
            lane.stream,
            decided.flatMap(({ waiting, events }) =>
              eventsToAppend(certificatePoolDecider.events, lane.stream, events, {
                now: waiting.request.command.now,
                commandId: commandIdOf(waiting.request.command),
                correlationId: waiting.request.correlationId,
                actor: waiting.request.actor,
              }),
            ),
            known.revision === -1n ? 'no_stream' : known.revision,
          );
          lane.known = { state, revision: appended.nextRevision };
          position = appended.position;
        } catch (error) {
          if (!(error instanceof WrongExpectedVersion)) throw error;
          if (conflicts >= this.maxConflicts) {
            for (const waiting of batch) waiting.resolve(left(busy()));
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * 2 ** conflicts)));
          continue;
        }
      }
      for (const { waiting, answer, events } of answers) {
        if (answer !== 'appended') waiting.resolve(answer);
        else if (events!.some((e) => e.type === 'PoolExhausted')) waiting.resolve(left(exhausted(waiting.request.command)));
        else waiting.resolve(right({ state, events: events!, position }));
      }
      return;
    }
  }

  private async catchUp(lane: Lane): Promise<{ state: CertificatePoolState; revision: bigint }> {
    const known = lane.known ?? { state: certificatePoolDecider.initialState, revision: -1n };
    const newer = await this.store.readStream(lane.stream, { fromRevision: known.revision + 1n });
    if (newer.length === 0) return known;
    let state = known.state;
    for (const recorded of newer) state = certificatePoolDecider.evolve(state, decodeEvent(certificatePoolDecider.events, recorded));
    lane.known = { state, revision: newer[newer.length - 1]!.revision };
    return lane.known;
  }
}

function commandIdOf(command: CertificatePoolCommand): string {
  switch (command.type) {
    case 'LoadCertificates':
      return `gcp-load:${command.batchId}:${command.chunk}`;
    case 'ReserveCertificate':
      return `gcp-reserve:${command.requestId}`;
    case 'ReleaseReservation':
      return `gcp-release:${command.requestId}`;
  }
}

export { findReservation };
