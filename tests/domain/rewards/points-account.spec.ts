import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pointsAccountDecider as account, pointsAccountOfStream, pointsCreditOf, streamOfPointsAccount, type CreditPoints, type PointsAccountEvent } from '../../../domain/rewards/points-account.js';
import { given } from '../../support/decider-spec.js';

const now = new Date('2026-05-01T10:00:00.000Z');
const credit = (creditId: string, amount: bigint, overrides: Partial<CreditPoints> = {}): CreditPoints => ({
  type: 'CreditPoints',
  userId: 'u-1',
  creditId,
  entryId: `entry-${creditId}`,
  amount,
  reason: 'referral_l1 v1 referral.joined',
  now,
  ...overrides,
});
const credited = (creditId: string, amount: string, balanceAfter: string, reason = 'referral_l1 v1 referral.joined'): PointsAccountEvent => ({
  type: 'PointsCredited',
  data: { userId: 'u-1', creditId, entryId: `entry-${creditId}`, amount, reason, balanceAfter, creditedAt: now.toISOString() },
});

describe('Connect: the points account decider (issue 14, item 6)', () => {
  it('names its stream PointsAccount-<user> and reads the user back from it', () => {
    assert.equal(streamOfPointsAccount('u-1'), 'PointsAccount-u-1');
    assert.equal(pointsAccountOfStream('PointsAccount-u-1'), 'u-1');
    assert.equal(pointsAccountOfStream('G2aAccount-u-1'), undefined);
  });

  it('given an empty account, when 100 points are credited, then PointsCredited with the balance after it', () => {
    const state = given(account).when(credit('c-1', 100n)).then([credited('c-1', '100', '100')]);
    assert.equal(state.balance, 100n);
  });

  it('given a credit, when another credit comes, then the balance after it adds up', () => {
    given(account, [credited('c-1', '100', '100')]).when(credit('c-2', 25n)).then([credited('c-2', '25', '125')]);
  });

  it('given a credit, when the same credit id comes again with the same amount and reason, then nothing new, and the recorded entry answers it', () => {
    const history = [credited('c-1', '100', '100')];
    const state = given(account, history).when(credit('c-1', 100n)).then([]);
    assert.equal(pointsCreditOf(state, 'c-1')?.data.balanceAfter, '100');
  });

  it('given a credit, when the same credit id comes with another amount or another reason, then a conflict (points.credit_id_reused)', () => {
    const history = [credited('c-1', '100', '100')];
    given(account, history).when(credit('c-1', 101n)).thenFails('points.credit_id_reused', { kind: 'conflict' });
    given(account, history).when(credit('c-1', 100n, { reason: 'something else' })).thenFails('points.credit_id_reused', { kind: 'conflict' });
  });

  it('given any account, when a credit of 0 or less, no user, no credit id or no reason comes, then it is refused naming the field', () => {
    given(account).when(credit('c-1', 0n)).thenFails('points.invalid_amount', { field: 'amount' });
    given(account).when(credit('c-1', -5n)).thenFails('points.invalid_amount', { field: 'amount' });
    given(account).when(credit('c-1', 1n, { userId: '' })).thenFails('points.invalid_user', { field: 'user_id' });
    given(account).when(credit('', 1n)).thenFails('points.invalid_credit_id', { field: 'credit_id' });
    given(account).when(credit('c-1', 1n, { reason: '' })).thenFails('points.invalid_reason', { field: 'reason' });
  });

  it('given any sequence of credits, some of them repeated, then the balance is the sum of the distinct credits and each entry carries the running balance', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd', 'e'), amount: fc.bigInt({ min: 1n, max: 10n ** 30n }) }), { maxLength: 40 }), (steps) => {
        let state = account.initialState;
        const firstAmount = new Map<string, bigint>();
        let running = 0n;
        for (const step of steps) {
          const decided = account.decide(credit(step.id, step.amount), state);
          const first = firstAmount.get(step.id);
          if (first === undefined) {
            assert.equal(decided._tag, 'Right');
            firstAmount.set(step.id, step.amount);
          } else if (first === step.amount) assert.deepEqual(decided._tag === 'Right' && decided.right, [], 'a repeat is nothing new');
          else assert.equal(decided._tag === 'Left' && decided.left.code, 'points.credit_id_reused');
          if (decided._tag === 'Right') {
            for (const event of decided.right) {
              running += BigInt(event.data.amount);
              assert.equal(event.data.balanceAfter, running.toString());
              state = account.evolve(state, event);
            }
          }
        }
        assert.equal(state.balance, [...firstAmount.values()].reduce((a, b) => a + b, 0n));
      }),
    );
  });
});
