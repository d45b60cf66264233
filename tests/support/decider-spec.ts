import assert from 'node:assert/strict';
import { isLeft, isRight } from 'fp-ts/Either';
import type { Decider, DomainError } from '../../domain/decider.js';

/**
 * Given events, when a command, then events or an error — a decider test needs no database:
 *
 *   given(ticketDecider, [purchased]).when(checkIn).then([checkedIn]);
 *   given(ticketDecider, [purchased, checkedIn]).when(checkIn).thenFails('ticket.already_used');
 */
export function given<C, E, S>(decider: Decider<C, E, S>, history: readonly E[] = []) {
  const state = history.reduce(decider.evolve, decider.initialState);
  return {
    state,
    when(command: C) {
      const result = decider.decide(command, state);
      return {
        then(expected: readonly E[]) {
          if (isLeft(result)) assert.fail(`expected events, got error ${result.left.code}: ${result.left.message}`);
          assert.deepStrictEqual(result.right, expected);
          return result.right.reduce(decider.evolve, state);
        },
        thenFails(code: string, partial: Partial<DomainError> = {}) {
          if (isRight(result)) assert.fail(`expected error ${code}, got events ${JSON.stringify(result.right)}`);
          assert.equal(result.left.code, code, result.left.message);
          for (const [key, value] of Object.entries(partial)) assert.equal(result.left[key as keyof DomainError], value);
          return result.left;
        },
      };
    },
  };
}
