import { randomUUID } from 'node:crypto';
import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import type { Logger } from '../../adapters/observability/logger.js';
import { invalidInput } from '../../adapters/http/problem.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { IsoDateTime } from '../../adapters/http/text-codecs.js';
import { domainError } from '../../domain/decider.js';
import { certificateBatchDecider, streamOfBatch, type CertificateBatchState } from '../../domain/gift-certificates/certificate-batch.js';
import { findReservation, isCurrency, isNominal, normalizeNominal, streamOfPool, type PoolCertificate } from '../../domain/gift-certificates/certificate-pool.js';
import type { Clock } from '../../platform/clock.js';
import { handleCommand } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';
import { drawCertificateNumber } from './certificate-numbers.js';
import type { BatchingPoolDecisions } from './certificate-reserver.js';

export interface GiftCertificateCommandDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly decisions: BatchingPoolDecisions;
  readonly reservationTtlMinutes: number;
  /** Which of these numbers the pool read model already holds. */
  readonly existingNumbers: (numbers: readonly string[]) => Promise<string[]>;
  readonly log?: Logger;
}

export const CHUNK_SIZE = 1000;
export const MAX_BATCH = 100_000;

/** A nominal: a decimal string of minor-unit precision, more than zero ("1000", "1000.50"; not "10.001", "-1", 10.5). */
export const Nominal = withJsonSchema(t.refinement(t.string, isNominal, 'Nominal'), { type: 'string', pattern: '^(0|[1-9][0-9]{0,11})(\\.[0-9]{1,2})?$' }, { expected: 'a decimal string above zero with at most two decimals ("1000.00")' });
export const Currency = withJsonSchema(t.refinement(t.string, isCurrency, 'Currency'), { type: 'string', pattern: '^[A-Z]{3}$' }, { expected: 'an ISO 4217 currency code ("RUB")' });
const BatchId = withJsonSchema(t.refinement(t.string, (s) => /^[A-Za-z0-9._:-]{1,100}$/.test(s), 'BatchId'), { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,100}$' }, { expected: '1 to 100 letters, digits or . _ : -' });
const Count = withJsonSchema(t.refinement(t.number, (n) => Number.isInteger(n) && n >= 1 && n <= MAX_BATCH, 'Count'), { type: 'integer', minimum: 1, maximum: MAX_BATCH }, { expected: `a whole number from 1 to ${MAX_BATCH}` });
const ValidDays = withJsonSchema(t.refinement(t.number, (n) => Number.isInteger(n) && n >= 1 && n <= 3660, 'ValidDays'), { type: 'integer', minimum: 1, maximum: 3660 }, { expected: 'a whole number of days from 1 to 3660' });
const ImportedNumber = withJsonSchema(t.refinement(t.string, (s) => /^[A-Za-z0-9-]{4,40}$/.test(s), 'CertificateNumber'), { type: 'string', pattern: '^[A-Za-z0-9-]{4,40}$' }, { expected: '4 to 40 letters, digits or -' });
const Numbers = withJsonSchema(t.refinement(t.array(ImportedNumber), (a) => a.length >= 1 && a.length <= MAX_BATCH, 'Numbers'), { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: MAX_BATCH }, { expected: `1 to ${MAX_BATCH} numbers` });

const LoadBody = t.intersection([
  t.type({ batch_id: BatchId, nominal: Nominal, currency: Currency }),
  t.partial({ count: Count, numbers: Numbers, expires_at: IsoDateTime, valid_days: ValidDays }),
]);

export const BatchView = t.type({ id: t.string, status: t.string, source: t.string, nominal: t.string, currency: t.string, expires_at: t.string, loaded: t.number, total: t.number });
export const ReservationView = t.type({ id: t.string, number: t.string, nominal: t.string, currency: t.string, expires_at: t.string, channel: t.string, status: t.string, reserved_until: t.string });

export const batchView = (batchId: string, state: CertificateBatchState) => ({
  id: batchId,
  status: state.status,
  source: state.started!.source,
  nominal: state.started!.nominal,
  currency: state.started!.currency,
  expires_at: state.started!.expiresAt,
  loaded: state.loaded,
  total: state.started!.total,
});

const invalid = (field: string, message: string, where: 'body' | 'query' = 'body'): never => {
  throw invalidInput([{ field, in: where, message }]);
};

/** Command routes of gift certificates (G-1, G-2): operators load the pool, channels reserve from it. */
export function giftCertificateCommandRoutes(deps: GiftCertificateCommandDependencies): Route[] {
  const loadBatch = async (batchId: string, certificates: readonly PoolCertificate[], nominal: string, currency: string, correlationId: string, actor: string) => {
    const stream = streamOfPool(nominal, currency);
    for (let chunk = 0; chunk * CHUNK_SIZE < certificates.length; chunk++) {
      const part = certificates.slice(chunk * CHUNK_SIZE, (chunk + 1) * CHUNK_SIZE);
      const loaded = await deps.decisions.decide({ stream, command: { type: 'LoadCertificates', batchId, chunk, nominal, currency, certificates: part, now: deps.clock.now() }, correlationId, actor });
      if (loaded._tag === 'Left') throw new Error(loaded.left.message);
      await handleCommand(deps.store, certificateBatchDecider, streamOfBatch(batchId), { type: 'RecordChunk', chunk, count: part.length, now: deps.clock.now() }, { commandId: `gcp-chunk:${batchId}:${chunk}`, now: deps.clock.now(), correlationId, actor }, { maxRetries: 50 });
    }
    await handleCommand(deps.store, certificateBatchDecider, streamOfBatch(batchId), { type: 'CompleteBatch', now: deps.clock.now() }, { commandId: `gcp-complete:${batchId}`, now: deps.clock.now(), correlationId, actor }, { maxRetries: 50 });
  };

  return [
    defineRoute({
      method: 'post',
      path: '/certificates/batches',
      summary: 'Load a batch of certificates into the pool (G-1)',
      description:
        'Operators (gift_operator) and admins. Either generated (`count`) or imported (`numbers`), with the nominal (decimal string), currency and `expires_at` or `valid_days`. The batch id is the client’s: sending the same batch again creates nothing twice and answers its progress. Loading goes on after the 202; follow it at GET /certificates/batches/{id}.',
      tags: ['gift-certificates'],
      auth: { roles: ['gift_operator'] },
      body: LoadBody,
      responses: {
        202: { description: 'The batch, loading (or already loaded: a repeated upload)', schema: BatchView },
        400: { description: 'A field is missing or malformed: a nominal like "10.001" or "-1", neither or both of count and numbers, neither or both of expires_at and valid_days' },
        403: { description: 'Not an operator' },
        409: { description: 'gcp.duplicate_number: an imported number is in the list twice or already in the pool' },
        422: { description: 'expires_at is not in the future' },
      },
      handle: async ({ body, principal, correlationId }) => {
        if ((body.count === undefined) === (body.numbers === undefined)) return invalid('count', 'send either count (generated) or numbers (imported)');
        if ((body.expires_at === undefined) === (body.valid_days === undefined)) return invalid('expires_at', 'send either expires_at or valid_days');
        const now = deps.clock.now();
        const expiresAt = body.expires_at !== undefined ? new Date(body.expires_at).toISOString() : new Date(now.getTime() + body.valid_days! * 86_400_000).toISOString();
        if (new Date(expiresAt).getTime() <= now.getTime()) return left(domainError('rule_violated', 'gcp.expiry_in_past', 'expires_at must be in the future', 'expires_at'));
        const nominal = normalizeNominal(body.nominal);
        const batchStream = streamOfBatch(body.batch_id);
        const existing = await loadAggregate(deps.store, certificateBatchDecider, batchStream);
        if (existing.state.started) return right({ status: 202, body: batchView(body.batch_id, existing.state), headers: { Location: `/certificates/batches/${body.batch_id}` } });
        let numbers: string[];
        if (body.numbers) {
          numbers = body.numbers.map((n) => n.toUpperCase());
          const seen = new Set<string>();
          const twice = numbers.filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
          if (twice.length > 0) return left(domainError('conflict', 'gcp.duplicate_number', `numbers appear twice in the list: ${[...new Set(twice)].slice(0, 10).join(', ')}`, 'numbers'));
          const taken = await deps.existingNumbers(numbers);
          if (taken.length > 0) return left(domainError('conflict', 'gcp.duplicate_number', `numbers already in the pool: ${taken.slice(0, 10).join(', ')}`, 'numbers'));
        } else {
          const drawn = new Set<string>();
          while (drawn.size < body.count!) drawn.add(drawCertificateNumber());
          numbers = [...drawn];
          // 75 random bits: a clash with the pool is astronomically unlikely, but it is checked
          const taken = new Set(await deps.existingNumbers(numbers));
          numbers = numbers.map((n) => (taken.has(n) ? drawCertificateNumber() : n));
        }
        const actor = `user:${principal.id}`;
        const started = await handleCommand(
          deps.store,
          certificateBatchDecider,
          batchStream,
          { type: 'StartCertificateBatch', batchId: body.batch_id, source: body.numbers ? 'imported' : 'generated', nominal, currency: body.currency, expiresAt, total: numbers.length, operatorId: principal.id, now },
          { commandId: `gcp-batch:${body.batch_id}`, now, correlationId, actor },
        );
        if (started._tag === 'Left') return started;
        if (started.right.events.length > 0) {
          const certificates = numbers.map((number) => ({ certificateId: randomUUID(), number, expiresAt }));
          void loadBatch(body.batch_id, certificates, nominal, body.currency, correlationId, actor).catch((error: unknown) => deps.log?.error(error, `gift certificate batch ${body.batch_id} failed to load`));
        }
        return right({ status: 202, body: batchView(body.batch_id, started.right.state), headers: { Location: `/certificates/batches/${body.batch_id}` } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/certificates/batches/:id',
      summary: 'A batch’s progress: loaded / total / status (G-1)',
      tags: ['gift-certificates'],
      auth: { roles: ['gift_operator'] },
      params: t.type({ id: t.string }),
      responses: { 200: { description: 'The batch', schema: BatchView }, 403: { description: 'Not an operator' }, 404: { description: 'No such batch' } },
      handle: async ({ params }) => {
        if (!/^[A-Za-z0-9._:-]{1,100}$/.test(params.id)) return left(domainError('not_found', 'gcp.batch_not_found', 'no such batch'));
        const { state } = await loadAggregate(deps.store, certificateBatchDecider, streamOfBatch(params.id));
        if (!state.started) return left(domainError('not_found', 'gcp.batch_not_found', 'no such batch'));
        return right({ status: 200, body: batchView(params.id, state) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/certificates/next',
      summary: 'Reserve one certificate of a nominal for a sales channel (G-2)',
      description:
        'A service principal with scope gcp:reserve (and admins). `request_id` (or the Idempotency-Key header) makes a retry return the same certificate. Two channels never get the same certificate. An exhausted pool answers 409 gcp.pool_exhausted and records ISSUE_BLOCKED once per exhaustion. The reservation lapses back into the pool after GCP_RESERVATION_TTL_MINUTES unless issued.',
      tags: ['gift-certificates'],
      auth: { scopes: ['gcp:reserve'] },
      query: t.intersection([t.type({ channel: BatchId, nominal: Nominal, currency: Currency }), t.partial({ request_id: BatchId })]),
      responses: {
        200: { description: 'The reserved certificate', schema: ReservationView },
        400: { description: 'A malformed query, or neither request_id nor Idempotency-Key' },
        403: { description: 'Without the scope gcp:reserve' },
        409: { description: 'gcp.pool_exhausted: no certificate of this nominal is left' },
        429: { description: 'gcp.busy: the pool stayed contended; retry' },
      },
      handle: async ({ query, principal, idempotencyKey, correlationId }) => {
        const key = query.request_id ?? idempotencyKey;
        if (!key) return invalid('request_id', 'send request_id or an Idempotency-Key header, so a retry returns the same certificate', 'query');
        const nominal = normalizeNominal(query.nominal);
        const requestId = `${principal.id}:${key}`;
        const outcome = await deps.decisions.decide({
          stream: streamOfPool(nominal, query.currency),
          command: { type: 'ReserveCertificate', requestId, channel: query.channel, nominal, currency: query.currency, ttlMinutes: deps.reservationTtlMinutes, now: deps.clock.now() },
          correlationId,
          actor: `service:${principal.id}`,
        });
        if (outcome._tag === 'Left') return outcome;
        const reservation = outcome.right.events.find((e) => e.type === 'CertificateReserved')?.data;
        const found = reservation
          ? { requestId, certificate: reservation, channel: reservation.channel, reservedUntil: reservation.reservedUntil }
          : findReservation(outcome.right.state, requestId);
        if (!found) return left(domainError('conflict', 'gcp.pool_exhausted', 'no certificate is left in the pool', 'nominal'));
        return right({
          status: 200,
          body: { id: found.certificate.certificateId, number: found.certificate.number, nominal, currency: query.currency, expires_at: found.certificate.expiresAt, channel: found.channel, status: 'RESERVED', reserved_until: found.reservedUntil },
        });
      },
    }),
  ];
}
