import assert from 'node:assert/strict';
import fc from 'fast-check';
import { available, certificatePoolDecider, findReservation, isReleased, reservationOfCertificate, type CertificatePoolCommand, type CertificatePoolEvent, type CertificatePoolState } from '../../../domain/gift-certificates/certificate-pool.js';
import { given } from '../../support/decider-spec.js';

const NOW = new Date('2030-01-01T12:00:00Z');
const cert = (n: number) => ({ certificateId: `c${n}`, number: `N${n}`, expiresAt: '2031-01-01T00:00:00.000Z' });
const loaded = (batchId: string, chunk: number, from: number, count: number): CertificatePoolEvent => ({
  type: 'CertificatesLoaded',
  data: { batchId, chunk, nominal: '1000.00', currency: 'RUB', certificates: Array.from({ length: count }, (_, i) => cert(from + i)), loadedAt: NOW.toISOString() },
});
const load = (batchId: string, chunk: number, from: number, count: number): CertificatePoolCommand => ({
  type: 'LoadCertificates',
  batchId,
  chunk,
  nominal: '1000.00',
  currency: 'RUB',
  certificates: Array.from({ length: count }, (_, i) => cert(from + i)),
  now: NOW,
});
const reserve = (requestId: string, channel = 'web'): CertificatePoolCommand => ({ type: 'ReserveCertificate', requestId, channel, nominal: '1000.00', currency: 'RUB', ttlMinutes: 30, now: NOW });
const reserved = (requestId: string, n: number, channel = 'web'): CertificatePoolEvent => ({
  type: 'CertificateReserved',
  data: { requestId, ...cert(n), channel, nominal: '1000.00', currency: 'RUB', reservedAt: NOW.toISOString(), reservedUntil: new Date(NOW.getTime() + 30 * 60_000).toISOString() },
});
const exhausted = (channel = 'web'): CertificatePoolEvent => ({ type: 'PoolExhausted', data: { nominal: '1000.00', currency: 'RUB', channel, blockedAt: NOW.toISOString() } });

describe('CertificatePool decider (G-1, G-2)', () => {
  it('given a loaded chunk, when a channel reserves, then it gets the oldest certificate', () => {
    given(certificatePoolDecider, [loaded('b1', 0, 1, 3)]).when(reserve('r1')).then([reserved('r1', 1)]);
    given(certificatePoolDecider, [loaded('b1', 0, 1, 3), reserved('r1', 1)]).when(reserve('r2', 'pos')).then([reserved('r2', 2, 'pos')]);
  });

  it('given the same request again, then nothing new is reserved (a retry gets the same certificate)', () => {
    given(certificatePoolDecider, [loaded('b1', 0, 1, 3), reserved('r1', 1)]).when(reserve('r1')).then([]);
  });

  it('given the same chunk again, then nothing is loaded twice', () => {
    given(certificatePoolDecider, [loaded('b1', 0, 1, 3)]).when(load('b1', 0, 1, 3)).then([]);
  });

  it('given an empty pool, then the first refusal records ISSUE_BLOCKED, later ones are plain 409s, and a refill ends the exhaustion', () => {
    given(certificatePoolDecider, [loaded('b1', 0, 1, 1), reserved('r1', 1)]).when(reserve('r2')).then([exhausted()]);
    given(certificatePoolDecider, [loaded('b1', 0, 1, 1), reserved('r1', 1), exhausted()]).when(reserve('r3')).thenFails('gcp.pool_exhausted', { kind: 'conflict' });
    given(certificatePoolDecider, [loaded('b1', 0, 1, 1), reserved('r1', 1), exhausted(), loaded('b2', 0, 2, 1)]).when(reserve('r3')).then([reserved('r3', 2)]);
  });

  it('given a lapsed reservation, when it is released, then its certificate is reserved again first', () => {
    const history = [loaded('b1', 0, 1, 2), reserved('r1', 1)];
    given(certificatePoolDecider, history).when({ type: 'ReleaseReservation', requestId: 'r1', now: NOW }).then([{ type: 'ReservationReleased', data: { requestId: 'r1', certificateId: 'c1', releasedAt: NOW.toISOString() } }]);
    const released: CertificatePoolEvent = { type: 'ReservationReleased', data: { requestId: 'r1', certificateId: 'c1', releasedAt: NOW.toISOString() } };
    given(certificatePoolDecider, [...history, released]).when({ type: 'ReleaseReservation', requestId: 'r1', now: NOW }).then([]);
    given(certificatePoolDecider, [...history, released]).when(reserve('r2')).then([reserved('r2', 1)]);
  });

  it('property: states are persistent — reservations decided on a state and then abandoned (a lost conflict) leave it as it was', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 30 }), (shared, branch, releases) => {
        const run = (state: CertificatePoolState, commands: readonly CertificatePoolCommand[]) =>
          commands.reduce((s, command) => {
            const decision = certificatePoolDecider.decide(command, s);
            return decision._tag === 'Left' ? s : decision.right.reduce(certificatePoolDecider.evolve, s);
          }, state);
        const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
        const base = run(certificatePoolDecider.initialState, [load('b', 0, 0, 100), ...ids('s', shared).map((id) => reserve(id))]);
        const released = ids('s', Math.min(releases, shared)).map((requestId): CertificatePoolCommand => ({ type: 'ReleaseReservation', requestId, now: NOW }));
        const a = run(base, [...released, ...ids('a', branch).map((id) => reserve(id))]);
        const b = run(base, ids('b', branch).map((id) => reserve(id)));
        for (const id of ids('a', branch)) assert.ok(findReservation(a, id) && !findReservation(base, id) && !findReservation(b, id));
        for (const { requestId } of released as { requestId: string }[]) assert.ok(isReleased(a, requestId) && !isReleased(base, requestId) && !isReleased(b, requestId));
        assert.deepEqual([base.reserved, b.reserved], [shared, shared + branch]);
        for (const id of ids('b', branch)) assert.equal(reservationOfCertificate(b, findReservation(b, id)!.certificate.certificateId)?.requestId, id);
      }),
      { numRuns: 200 },
    );
  });

  it('property: whatever loads, reservations and releases come, no certificate is ever held by two reservations and reserved ≤ loaded', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('load' as const), count: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('reserve' as const), request: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('release' as const), request: fc.integer({ min: 0, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 150 }), (steps) => {
        let state: CertificatePoolState = certificatePoolDecider.initialState;
        let next = 0;
        const holder = new Map<string, string>(); // certificate → request holding it now
        steps.forEach((s, i) => {
          const command: CertificatePoolCommand =
            s.kind === 'load' ? load('b', i, next, s.count) : s.kind === 'reserve' ? reserve(`r${s.request}`, `ch${s.request % 3}`) : { type: 'ReleaseReservation', requestId: `r${s.request}`, now: NOW };
          if (s.kind === 'load') next += s.count;
          const decision = certificatePoolDecider.decide(command, state);
          if (decision._tag === 'Left') {
            assert.equal(decision.left.code, 'gcp.pool_exhausted');
            assert.equal(available(state), 0, 'refused only when nothing is left');
            return;
          }
          for (const event of decision.right) {
            if (event.type === 'CertificateReserved') {
              assert.equal(holder.get(event.data.certificateId), undefined, `${event.data.certificateId} reserved twice`);
              holder.set(event.data.certificateId, event.data.requestId);
            }
            if (event.type === 'ReservationReleased') holder.delete(event.data.certificateId);
            if (event.type === 'PoolExhausted') assert.equal(available(state), 0);
            state = certificatePoolDecider.evolve(state, event);
          }
          assert.ok(state.reserved <= state.loaded, 'reserved ≤ loaded');
          assert.equal(state.reserved, holder.size);
          assert.equal(available(state), state.loaded - state.reserved);
        });
      }),
      { numRuns: 300 },
    );
  });
});
