import assert from 'node:assert/strict';
import fc from 'fast-check';
import { availableOf, g2aAccountDecider as account, holdOf, type G2aAccountCommand, type G2aAccountState } from '../../../domain/rewards/g2a-account.js';

const AT = new Date('2030-01-01T00:00:00.000Z');
const user = 'u-1';

/** Few ids, so that sequences repeat credits and holds, settle what was released, release what was refused … */
const entryId = fc.constantFrom('e0', 'e1', 'e2', 'e3', 'e4', 'e5');
const withdrawalId = fc.constantFrom('w0', 'w1', 'w2', 'w3', 'w4');
const amount = fc.oneof(fc.bigInt({ min: 1n, max: 100n }), fc.bigInt({ min: 1n, max: 10n ** 36n }));
const command: fc.Arbitrary<G2aAccountCommand> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ entryId, amount }).map((c) => ({ type: 'CreditG2a' as const, userId: user, ...c, reason: 'reward', now: AT })) },
  { weight: 3, arbitrary: fc.record({ withdrawalId, amount }).map((c) => ({ type: 'HoldG2a' as const, userId: user, ...c, now: AT })) },
  { weight: 2, arbitrary: withdrawalId.map((w) => ({ type: 'SettleHold' as const, userId: user, withdrawalId: w, now: AT })) },
  { weight: 2, arbitrary: withdrawalId.map((w) => ({ type: 'ReleaseHold' as const, userId: user, withdrawalId: w, now: AT })) },
);

describe('Connect: the off-chain G2A account, for any sequence of commands (issue 14, item 7)', () => {
  it('given any sequence of credits, holds, settlements and releases (repeats included), then available is never negative and balance = Σ credits − Σ settled', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        let state: G2aAccountState = account.initialState;
        const credits = new Map<string, bigint>();
        const settled = new Map<string, bigint>();
        const open = new Map<string, bigint>();
        for (const c of commands) {
          const decided = account.decide(c, state);
          if (decided._tag === 'Left') continue;
          for (const event of decided.right) {
            state = account.evolve(state, event);
            if (event.type === 'G2aCredited') credits.set(event.data.entryId, BigInt(event.data.amount));
            if (event.type === 'G2aHeld') open.set(event.data.withdrawalId, BigInt(event.data.amount));
            if (event.type === 'G2aHoldSettled') {
              settled.set(event.data.withdrawalId, BigInt(event.data.amount));
              open.delete(event.data.withdrawalId);
            }
            if (event.type === 'G2aHoldReleased') open.delete(event.data.withdrawalId);
          }
          assert.ok(availableOf(state) >= 0n, `available ${availableOf(state)} after ${JSON.stringify(c, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
          const sum = (m: Map<string, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);
          assert.equal(state.balance, sum(credits) - sum(settled), 'balance = Σ credits − Σ settled');
          assert.equal(state.held, sum(open), 'held = Σ holds neither settled nor released');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('given any sequence, then a command decided again on the state it produced is nothing new (every command is idempotent)', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        let state: G2aAccountState = account.initialState;
        for (const c of commands) {
          const decided = account.decide(c, state);
          if (decided._tag === 'Left') continue;
          for (const event of decided.right) state = account.evolve(state, event);
          const again = account.decide(c, state);
          assert.ok(again._tag === 'Right' && again.right.length === 0, `${c.type} again recorded something new`);
        }
        for (const w of ['w0', 'w1', 'w2', 'w3', 'w4']) {
          const hold = holdOf(state, w);
          if (hold && hold.status !== 'refused') assert.ok(hold.amount > 0n);
        }
      }),
    );
  });
});
