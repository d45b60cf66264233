import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * One upload of certificates (G-1) under a client-chosen batch id: the batch stream is the
 * idempotency arbiter (a repeated upload finds it started and creates nothing twice) and
 * keeps the progress (loaded / total / status). The certificates themselves go to the pool
 * stream of their (nominal, currency), a chunk per event.
 */
export const CertificateBatchEvent = t.union([
  eventCodec(
    'CertificateBatchStarted',
    t.type({ batchId: t.string, source: t.keyof({ generated: null, imported: null }), nominal: t.string, currency: t.string, expiresAt: t.string, total: t.number, operatorId: t.string, startedAt: t.string }),
  ),
  eventCodec('CertificateBatchChunkLoaded', t.type({ chunk: t.number, count: t.number, loadedAt: t.string })),
  eventCodec('CertificateBatchCompleted', t.type({ completedAt: t.string })),
]);
export type CertificateBatchEvent = t.TypeOf<typeof CertificateBatchEvent>;
export type CertificateBatchStarted = Extract<CertificateBatchEvent, { type: 'CertificateBatchStarted' }>['data'];

export interface CertificateBatchState {
  readonly started?: CertificateBatchStarted;
  readonly loaded: number;
  readonly chunks: readonly number[];
  readonly status: 'none' | 'loading' | 'completed';
}

export type CertificateBatchCommand =
  | ({ readonly type: 'StartCertificateBatch'; readonly now: Date } & Omit<CertificateBatchStarted, 'startedAt'>)
  | { readonly type: 'RecordChunk'; readonly chunk: number; readonly count: number; readonly now: Date }
  | { readonly type: 'CompleteBatch'; readonly now: Date };

export const streamOfBatch = (batchId: string): string => `CertificateBatch-${batchId}`;

export const certificateBatchDecider: EventSourcedDecider<CertificateBatchCommand, CertificateBatchEvent, CertificateBatchState> = {
  events: CertificateBatchEvent,
  initialState: { loaded: 0, chunks: [], status: 'none' },
  decide(command, state) {
    switch (command.type) {
      case 'StartCertificateBatch': {
        if (state.started) return right([]);
        const { type: _type, now, ...data } = command;
        return right([{ type: 'CertificateBatchStarted', data: { ...data, startedAt: now.toISOString() } }]);
      }
      case 'RecordChunk':
        if (!state.started) return left(domainError('not_found', 'gcp.batch_not_found', 'no such batch'));
        if (state.chunks.includes(command.chunk)) return right([]);
        return right([{ type: 'CertificateBatchChunkLoaded', data: { chunk: command.chunk, count: command.count, loadedAt: command.now.toISOString() } }]);
      case 'CompleteBatch':
        if (!state.started) return left(domainError('not_found', 'gcp.batch_not_found', 'no such batch'));
        return state.status === 'completed' ? right([]) : right([{ type: 'CertificateBatchCompleted', data: { completedAt: command.now.toISOString() } }]);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'CertificateBatchStarted':
        return { ...state, started: event.data, status: 'loading' };
      case 'CertificateBatchChunkLoaded':
        return { ...state, loaded: state.loaded + event.data.count, chunks: [...state.chunks, event.data.chunk] };
      case 'CertificateBatchCompleted':
        return { ...state, status: 'completed' };
    }
  },
};
