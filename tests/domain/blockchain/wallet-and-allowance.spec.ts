import fc from 'fast-check';
import assert from 'node:assert/strict';
import { isLeft, isRight } from 'fp-ts/Either';
import { transferAllowanceDecider, type TransferAllowanceEvent } from '../../../domain/blockchain/transfer-allowance.js';
import { walletLinkDecider, type WalletLinkEvent } from '../../../domain/blockchain/wallet-link.js';
import { given } from '../../support/decider-spec.js';

const now = new Date('2026-05-01T12:00:00Z');
const limits = { perTransfer: 100n, perUserPerDay: 150n, globalPerDay: 200n };

describe('WalletLink decider', () => {
  const issued: WalletLinkEvent = { type: 'WalletLinkChallengeIssued', data: { userId: 'u', payload: 'p1', expiresAt: '2026-05-01T12:05:00.000Z', issuedAt: now.toISOString() } };
  const confirm = (over: Partial<{ payload: string; proofProblem: string | null; now: Date }> = {}) => ({
    type: 'ConfirmLink' as const, userId: 'u', payload: 'p1', address: '0:ab', publicKey: 'pk', proofProblem: null, now, ...over,
  });

  it('given an outstanding challenge, when a valid proof comes, then the wallet is verified', () => {
    const state = given(walletLinkDecider, [issued]).when(confirm()).then([
      { type: 'WalletLinkVerified', data: { userId: 'u', address: '0:ab', publicKey: 'pk', payload: 'p1', verifiedAt: now.toISOString() } },
    ]);
    assert.deepEqual(state.verified, ['0:ab']);
  });

  it('given a used challenge, when it is presented again, then refused: single use', () => {
    const verified: WalletLinkEvent = { type: 'WalletLinkVerified', data: { userId: 'u', address: '0:ab', publicKey: 'pk', payload: 'p1', verifiedAt: now.toISOString() } };
    given(walletLinkDecider, [issued, verified]).when(confirm()).thenFails('wallet_link.payload_used');
  });

  it('given an expired challenge, then refused naming the payload field', () => {
    given(walletLinkDecider, [issued]).when(confirm({ now: new Date('2026-05-01T12:06:00Z') })).thenFails('wallet_link.payload_expired', { field: 'proof.payload' });
  });

  it('given a payload never issued, then refused', () => {
    given(walletLinkDecider, [issued]).when(confirm({ payload: 'forged' })).thenFails('wallet_link.unknown_payload');
  });

  it('given a payload named like a property every object inherits (constructor, __proto__ …), when it was never issued, then refused like any other', () => {
    for (const payload of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__']) {
      given(walletLinkDecider, [issued]).when(confirm({ payload })).thenFails('wallet_link.unknown_payload', { field: 'proof.payload' });
    }
  });

  it('property: given any issued challenges, when a proof comes over a payload never issued — any string, prototype names included — then refused with wallet_link.unknown_payload and no event', () => {
    const payload = fc.oneof(fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'propertyIsEnumerable', 'toLocaleString'), fc.string());
    const challenge = (p: string, i: number): WalletLinkEvent => ({
      type: 'WalletLinkChallengeIssued',
      data: { userId: 'u', payload: p, expiresAt: new Date(now.getTime() + (i + 1) * 60_000).toISOString(), issuedAt: now.toISOString() },
    });
    fc.assert(
      fc.property(fc.uniqueArray(payload, { maxLength: 6 }), payload, fc.constantFrom(null, 'bad_signature'), (issuedPayloads, asked, proofProblem) => {
        fc.pre(!issuedPayloads.includes(asked));
        const state = issuedPayloads.map(challenge).reduce(walletLinkDecider.evolve, walletLinkDecider.initialState);
        const result = walletLinkDecider.decide(confirm({ payload: asked, proofProblem }), state);
        assert.ok(isLeft(result), `a proof over ${JSON.stringify(asked)} was accepted: ${JSON.stringify(isRight(result) ? result.right : null)}`);
        assert.equal(result.left.code, 'wallet_link.unknown_payload');
        assert.equal(result.left.field, 'proof.payload');
      }),
      { numRuns: 500 },
    );
  });

  it('property: given a payload issued to this user — any string, prototype names included — then a valid proof over it verifies the wallet once', () => {
    const payload = fc.oneof(fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'), fc.string());
    fc.assert(
      fc.property(payload, (p) => {
        const issuedHere: WalletLinkEvent = { type: 'WalletLinkChallengeIssued', data: { userId: 'u', payload: p, expiresAt: '2026-05-01T12:05:00.000Z', issuedAt: now.toISOString() } };
        const state = given(walletLinkDecider, [issuedHere]).when(confirm({ payload: p })).then([
          { type: 'WalletLinkVerified', data: { userId: 'u', address: '0:ab', publicKey: 'pk', payload: p, verifiedAt: now.toISOString() } },
        ]);
        assert.equal(walletLinkDecider.decide(confirm({ payload: p }), state)._tag, 'Left', 'single use');
      }),
    );
  });

  it('given a proof the adapter refused, then the rejection is recorded and the payload is spent', () => {
    const state = given(walletLinkDecider, [issued]).when(confirm({ proofProblem: 'bad_signature' })).then([
      { type: 'WalletLinkRejected', data: { userId: 'u', payload: 'p1', reason: 'bad_signature', rejectedAt: now.toISOString() } },
    ]);
    assert.equal(state.challenges.get('p1')?.used, true);
  });
});

describe('TransferAllowance decider', () => {
  const reserve = (taskId: string, userId: string, amount: bigint) => ({ type: 'Reserve' as const, taskId, userId, amount, limits, now });
  const reserved = (taskId: string, userId: string, amount: string): TransferAllowanceEvent => ({ type: 'TransferReserved', data: { taskId, userId, amount, reservedAt: now.toISOString() } });

  it('given no transfers today, when 100 is reserved, then reserved', () => {
    given(transferAllowanceDecider).when(reserve('t1', 'u', 100n)).then([reserved('t1', 'u', '100')]);
  });

  it('given a transfer above the per-transfer limit, then refused with the limit', () => {
    given(transferAllowanceDecider).when(reserve('t1', 'u', 101n)).then([
      { type: 'TransferRefused', data: { taskId: 't1', userId: 'u', amount: '101', limit: '100', reason: 'per_transfer', refusedAt: now.toISOString() } },
    ]);
  });

  it('given 100 used by the user today, when 60 more, then refused per user per day; another user may', () => {
    const history = [reserved('t1', 'u', '100')];
    given(transferAllowanceDecider, history).when(reserve('t2', 'u', 60n)).then([
      { type: 'TransferRefused', data: { taskId: 't2', userId: 'u', amount: '60', limit: '150', reason: 'per_user_per_day', refusedAt: now.toISOString() } },
    ]);
    given(transferAllowanceDecider, history).when(reserve('t2', 'v', 60n)).then([reserved('t2', 'v', '60')]);
  });

  it('given 190 used globally, when 20 more, then refused globally; a released reservation frees its amount', () => {
    const history = [reserved('t1', 'u', '100'), reserved('t2', 'v', '90')];
    given(transferAllowanceDecider, history).when(reserve('t3', 'w', 20n)).then([
      { type: 'TransferRefused', data: { taskId: 't3', userId: 'w', amount: '20', limit: '200', reason: 'global_per_day', refusedAt: now.toISOString() } },
    ]);
    given(transferAllowanceDecider, [...history, { type: 'TransferReleased', data: { taskId: 't1', releasedAt: now.toISOString() } }])
      .when(reserve('t3', 'w', 20n)).then([reserved('t3', 'w', '20')]);
  });

  it('property: whatever is asked and released, live reservations never exceed the limits, and what the state holds is what its live reservations add up to', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), user: fc.constantFrom('a', 'b', 'c'), amount: fc.bigInt({ min: 1n, max: 120n }), task: fc.nat(30) }),
      fc.record({ kind: fc.constant('release' as const), task: fc.nat(30) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let state = transferAllowanceDecider.initialState;
        for (const s of steps) {
          const command = s.kind === 'reserve' ? reserve(`t${s.task}`, s.user, s.amount) : ({ type: 'Release', taskId: `t${s.task}`, now } as const);
          const result = transferAllowanceDecider.decide(command, state);
          if (isRight(result)) for (const e of result.right) state = transferAllowanceDecider.evolve(state, e);
          const live = [...state.reservations.values()].filter((r) => !r.released);
          const total = live.reduce((sum, r) => sum + BigInt(r.amount), 0n);
          assert.ok(total <= limits.globalPerDay);
          assert.equal(state.held, total);
          for (const user of ['a', 'b', 'c']) {
            const mine = live.filter((r) => r.userId === user).reduce((sum, r) => sum + BigInt(r.amount), 0n);
            assert.ok(mine <= limits.perUserPerDay);
            assert.equal(state.heldByUser.get(user) ?? 0n, mine);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
