import assert from 'node:assert/strict';
import { availableOf, g2aAccountDecider as account, g2aAccountOfStream, holdOf, streamOfG2aAccount, type G2aAccountCommand, type G2aAccountEvent } from '../../../domain/rewards/g2a-account.js';
import { given } from '../../support/decider-spec.js';

const now = new Date('2026-05-01T10:00:00.000Z');
const at = now.toISOString();
const G = 1_000_000_000n;
const user = 'u-1';

const credit = (entryId: string, amount: bigint, reason = 'quest.completed'): G2aAccountCommand => ({ type: 'CreditG2a', userId: user, entryId, amount, reason, now });
const hold = (withdrawalId: string, amount: bigint): G2aAccountCommand => ({ type: 'HoldG2a', userId: user, withdrawalId, amount, now });
const settle = (withdrawalId: string): G2aAccountCommand => ({ type: 'SettleHold', userId: user, withdrawalId, now });
const release = (withdrawalId: string): G2aAccountCommand => ({ type: 'ReleaseHold', userId: user, withdrawalId, now });

const credited = (entryId: string, amount: bigint, balanceAfter: bigint, reason = 'quest.completed'): G2aAccountEvent => ({
  type: 'G2aCredited',
  data: { userId: user, entryId, amount: amount.toString(), reason, balanceAfter: balanceAfter.toString(), creditedAt: at },
});
const held = (withdrawalId: string, amount: bigint, heldAfter: bigint, availableAfter: bigint): G2aAccountEvent => ({
  type: 'G2aHeld',
  data: { userId: user, withdrawalId, amount: amount.toString(), heldAfter: heldAfter.toString(), availableAfter: availableAfter.toString(), heldAt: at },
});
const settled = (withdrawalId: string, amount: bigint, balanceAfter: bigint, heldAfter: bigint): G2aAccountEvent => ({
  type: 'G2aHoldSettled',
  data: { userId: user, withdrawalId, amount: amount.toString(), balanceAfter: balanceAfter.toString(), heldAfter: heldAfter.toString(), settledAt: at },
});
const released = (withdrawalId: string, amount: bigint, heldAfter: bigint): G2aAccountEvent => ({
  type: 'G2aHoldReleased',
  data: { userId: user, withdrawalId, amount: amount.toString(), heldAfter: heldAfter.toString(), releasedAt: at },
});

describe('Connect: the off-chain G2A account decider (issue 14, items 6–7)', () => {
  it('names its stream G2aAccount-<user> and reads the user back from it', () => {
    assert.equal(streamOfG2aAccount('u-1'), 'G2aAccount-u-1');
    assert.equal(g2aAccountOfStream('G2aAccount-u-1'), 'u-1');
    assert.equal(g2aAccountOfStream('PointsAccount-u-1'), undefined);
  });

  describe('credits', () => {
    it('given an empty account, when 10 G2A are credited, then G2aCredited with the balance after it', () => {
      const state = given(account).when(credit('e-1', 10n * G)).then([credited('e-1', 10n * G, 10n * G)]);
      assert.equal(state.balance, 10n * G);
      assert.equal(availableOf(state), 10n * G);
    });

    it('given a credit, when the same entry id comes with the same amount, then nothing new; with another amount, a conflict', () => {
      const history = [credited('e-1', 10n * G, 10n * G)];
      given(account, history).when(credit('e-1', 10n * G)).then([]);
      given(account, history).when(credit('e-1', 11n * G)).thenFails('g2a.entry_id_reused', { kind: 'conflict' });
      given(account, history).when(credit('e-1', 10n * G, 'another reason')).thenFails('g2a.entry_id_reused');
    });

    it('given any account, when a credit of 0 comes, then it is refused naming amount', () => {
      given(account).when(credit('e-1', 0n)).thenFails('g2a.invalid_amount', { field: 'amount' });
    });
  });

  describe('holds', () => {
    const funded = [credited('e-1', 10n * G, 10n * G)];

    it('given 10 G2A, when 6 are held for a withdrawal, then G2aHeld with 4 available after it', () => {
      const state = given(account, funded).when(hold('w-1', 6n * G)).then([held('w-1', 6n * G, 6n * G, 4n * G)]);
      assert.equal(state.balance, 10n * G, 'a hold does not move the balance');
      assert.equal(availableOf(state), 4n * G);
      assert.deepEqual(holdOf(state, 'w-1'), { withdrawalId: 'w-1', amount: 6n * G, status: 'held' });
    });

    it('given 6 of 10 G2A held, when another withdrawal asks for 6, then the hold is refused and recorded (insufficient balance); asked again, the same refusal and nothing new', () => {
      const history = [...funded, held('w-1', 6n * G, 6n * G, 4n * G)];
      const refused: G2aAccountEvent = { type: 'G2aHoldRefused', data: { userId: user, withdrawalId: 'w-2', amount: (6n * G).toString(), available: (4n * G).toString(), reason: 'insufficient_balance', refusedAt: at } };
      const state = given(account, history).when(hold('w-2', 6n * G)).then([refused]);
      assert.equal(availableOf(state), 4n * G);
      assert.equal(holdOf(state, 'w-2')?.status, 'refused');
      given(account, [...history, refused]).when(hold('w-2', 6n * G)).then([]);
    });

    it('given a hold, when the same withdrawal asks again with the same amount, then nothing new; with another amount, a conflict', () => {
      const history = [...funded, held('w-1', 6n * G, 6n * G, 4n * G)];
      given(account, history).when(hold('w-1', 6n * G)).then([]);
      given(account, history).when(hold('w-1', 5n * G)).thenFails('g2a.hold_id_reused', { kind: 'conflict' });
    });

    it('given exactly the available amount, when it is held, then available is 0', () => {
      const state = given(account, funded).when(hold('w-1', 10n * G)).then([held('w-1', 10n * G, 10n * G, 0n)]);
      assert.equal(availableOf(state), 0n);
    });
  });

  describe('settling and releasing', () => {
    const withHold = [credited('e-1', 10n * G, 10n * G), held('w-1', 6n * G, 6n * G, 4n * G)];

    it('given a hold, when it is settled, then the amount leaves the balance and is no longer held', () => {
      const state = given(account, withHold).when(settle('w-1')).then([settled('w-1', 6n * G, 4n * G, 0n)]);
      assert.equal(state.balance, 4n * G);
      assert.equal(state.held, 0n);
      assert.equal(holdOf(state, 'w-1')?.status, 'settled');
    });

    it('given a hold, when it is released, then it is available again and the balance is as before', () => {
      const state = given(account, withHold).when(release('w-1')).then([released('w-1', 6n * G, 0n)]);
      assert.equal(state.balance, 10n * G);
      assert.equal(availableOf(state), 10n * G);
    });

    it('given a settled hold, when it is settled again, then nothing new; when it is released, then a conflict', () => {
      const history = [...withHold, settled('w-1', 6n * G, 4n * G, 0n)];
      given(account, history).when(settle('w-1')).then([]);
      given(account, history).when(release('w-1')).thenFails('g2a.hold_settled', { kind: 'conflict' });
    });

    it('given a released hold, when it is released again, then nothing new; when it is settled, then a conflict', () => {
      const history = [...withHold, released('w-1', 6n * G, 0n)];
      given(account, history).when(release('w-1')).then([]);
      given(account, history).when(settle('w-1')).thenFails('g2a.hold_released', { kind: 'conflict' });
    });

    it('given no hold for a withdrawal, when it is settled or released, then not found', () => {
      given(account, withHold).when(settle('w-9')).thenFails('g2a.hold_not_found', { kind: 'not_found' });
      given(account, withHold).when(release('w-9')).thenFails('g2a.hold_not_found', { kind: 'not_found' });
    });
  });
});
