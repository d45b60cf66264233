import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareDecimals, conditionHolds, decimalOf, resolveFact } from '../../../domain/rewards/rule-conditions.js';

const facts = {
  event_type: 'quest.completed',
  context: { level: 1, base_reward_points: '120', amount_minor: '12345678901234567890', tags: ['city', 'vip-only'], quest: { id: 'q-7', steps: [{ id: 's-1' }, { id: 's-2' }] }, zero: 0, nothing: null, threshold: 100, code: '007' },
  actor: { user_id: 'u-1', tier: 'vip', is_vip: true, is_pro: false, quests_completed: 9, events_by_type: {} },
  subject: null,
};
const holds = (condition: unknown) => conditionHolds(condition, facts);
const on = (path: string, operator: string, value: unknown) => ({ fact: 'context', path, operator, value });

describe('connect: rule conditions (json-rules-engine format, evaluated synchronously)', () => {
  describe('operators', () => {
    it('given equal and notEqual, then values compare as JSON, a number as the decimal it is', () => {
      assert.equal(holds(on('$.level', 'equal', 1)), true);
      assert.equal(holds(on('$.level', 'equal', '1')), true, 'a decimal string equals the number');
      assert.equal(holds(on('$.level', 'equal', 2)), false);
      assert.equal(holds(on('$.level', 'notEqual', 2)), true);
      assert.equal(holds({ fact: 'event_type', operator: 'equal', value: 'quest.completed' }), true);
      assert.equal(holds(on('$.quest', 'equal', { steps: [{ id: 's-1' }, { id: 's-2' }], id: 'q-7' })), true, 'objects: deep, key order aside');
      assert.equal(holds(on('$.nothing', 'equal', null)), true);
      assert.equal(holds(on('$.code', 'equal', '7')), false, 'two strings compare as text');
    });

    it('given in and notIn, then the fact is looked for in the list', () => {
      assert.equal(holds({ fact: 'actor', path: '$.tier', operator: 'in', value: ['vip', 'pro'] }), true);
      assert.equal(holds({ fact: 'actor', path: '$.tier', operator: 'notIn', value: ['vip', 'pro'] }), false);
      assert.equal(holds({ fact: 'actor', path: '$.tier', operator: 'in', value: 'vip' }), false, 'not a list: false');
    });

    it('given contains and doesNotContain, then the fact is a list that holds the value', () => {
      assert.equal(holds(on('$.tags', 'contains', 'city')), true);
      assert.equal(holds(on('$.tags', 'doesNotContain', 'city')), false);
      assert.equal(holds(on('$.tags', 'doesNotContain', 'beach')), true);
      assert.equal(holds(on('$.level', 'contains', 1)), false, 'a fact that is no list: false');
    });

    it('given the orderings, then numbers and decimal strings compare exactly, beyond safe integers', () => {
      assert.equal(holds(on('$.base_reward_points', 'greaterThan', 100)), true);
      assert.equal(holds(on('$.base_reward_points', 'greaterThanInclusive', '120')), true);
      assert.equal(holds(on('$.base_reward_points', 'lessThan', '120.0001')), true);
      assert.equal(holds(on('$.base_reward_points', 'lessThanInclusive', 119)), false);
      assert.equal(holds(on('$.amount_minor', 'greaterThan', '12345678901234567889')), true, 'a float would call these equal');
      assert.equal(holds(on('$.amount_minor', 'lessThan', '12345678901234567891')), true);
      assert.equal(holds(on('$.amount_minor', 'equal', '12345678901234567890')), true);
      assert.equal(holds(on('$.tags', 'greaterThan', 1)), false, 'not a number: false');
      assert.equal(holds(on('$.level', 'greaterThan', 'abc')), false);
    });
  });

  describe('all, any, not', () => {
    it('given nested groups, then all needs every one, any one of them, not the opposite', () => {
      const level1 = on('$.level', 'equal', 1);
      const level2 = on('$.level', 'equal', 2);
      assert.equal(holds({ all: [level1, { any: [level2, { not: level2 }] }] }), true);
      assert.equal(holds({ all: [level1, level2] }), false);
      assert.equal(holds({ any: [level2, level1] }), true);
      assert.equal(holds({ not: { all: [level1] } }), false);
      assert.equal(holds({ all: [] }), true, 'json-rules-engine: an empty all holds');
      assert.equal(holds({ any: [] }), false, 'an empty any does not');
    });
  });

  describe('paths and fact references', () => {
    it('given $.a.b and $.list[0].c, then the value inside the fact is compared', () => {
      assert.equal(holds(on('$.quest.id', 'equal', 'q-7')), true);
      assert.equal(holds(on('$.quest.steps[1].id', 'equal', 's-2')), true);
      assert.equal(holds({ fact: 'actor', path: '$.quests_completed', operator: 'lessThan', value: 10 }), true);
      assert.deepEqual(resolveFact(facts, { fact: 'context', path: '$.tags[0]' }), 'city');
    });

    it('given a value {fact, path}, then it is compared with that other fact', () => {
      assert.equal(holds(on('$.base_reward_points', 'greaterThan', { fact: 'context', path: '$.threshold' })), true);
      assert.equal(holds(on('$.base_reward_points', 'lessThan', { fact: 'context', path: '$.threshold' })), false);
      assert.equal(holds(on('$.base_reward_points', 'notEqual', { fact: 'context', path: '$.absent' })), false, 'a missing referenced fact: false');
    });

    it('given a missing fact or path, then the condition is false whatever the operator — and not of it true', () => {
      for (const operator of ['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'lessThan', 'greaterThan']) {
        assert.equal(holds(on('$.absent', operator, operator.endsWith('In') || operator === 'in' ? [1] : 1)), false, operator);
        assert.equal(holds({ fact: 'no_such_fact', operator, value: 1 }), false, operator);
      }
      assert.equal(holds(on('$.quest.steps[5].id', 'equal', 's-1')), false);
      assert.equal(holds(on('$.level.deeper', 'equal', 1)), false);
      assert.equal(holds({ not: on('$.absent', 'notEqual', '') }), true, 'how "absent" is written');
      assert.equal(holds({ fact: 'subject', path: '$.tier', operator: 'equal', value: 'basic' }), false, 'inside a null fact: missing');
    });

    it('given paths into the prototype, then nothing is found there', () => {
      assert.equal(holds(on('$.constructor', 'notEqual', 1)), false);
      assert.equal(holds(on('$.__proto__', 'notEqual', 1)), false);
      assert.equal(holds(on('$.tags.length', 'equal', 2)), false, 'array properties are not fields');
    });
  });

  describe('exact decimals', () => {
    it('reads numbers and decimal strings exactly, and refuses the rest', () => {
      assert.deepEqual(decimalOf('12.50'), { digits: 1250n, scale: 2 });
      assert.deepEqual(decimalOf(-3), { digits: -3n, scale: 0 });
      assert.deepEqual(decimalOf(2 ** 60), { digits: 1152921504606846976n, scale: 0 });
      for (const bad of ['1e3', 'abc', '', '1.', '.5', NaN, Infinity, null, true, [1], {}]) assert.equal(decimalOf(bad), undefined, String(bad));
      assert.equal(compareDecimals(decimalOf('1.10')!, decimalOf('1.1')!), 0);
      assert.equal(compareDecimals(decimalOf('-0.5')!, decimalOf(0)!), -1);
    });

    it('property: comparing two integers as decimal strings agrees with bigint order', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (a, b) => {
          const facts = { context: { a: a.toString() } };
          assert.equal(conditionHolds({ fact: 'context', path: '$.a', operator: 'lessThan', value: b.toString() }, facts), a < b);
          assert.equal(conditionHolds({ fact: 'context', path: '$.a', operator: 'greaterThanInclusive', value: b.toString() }, facts), a >= b);
        }),
      );
    });
  });

  it('property: any JSON as a condition and as facts — never a throw, and the same answer twice', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const condition = fc.oneof(
      json,
      fc.record({ fact: fc.constantFrom('context', 'actor', 'event_type', 'x'), path: fc.constantFrom('$', '$.a', '$.a[0]', '$.b.c', 'bad'), operator: fc.constantFrom('equal', 'in', 'contains', 'lessThan', 'nope'), value: json }),
      fc.record({ all: fc.array(json) }),
      fc.record({ not: json }),
    );
    fc.assert(
      fc.property(condition, fc.dictionary(fc.constantFrom('context', 'actor', 'event_type'), json), (c, f) => {
        const first = conditionHolds(c, f);
        assert.equal(typeof first, 'boolean');
        assert.equal(conditionHolds(c, f), first);
      }),
      { numRuns: 500 },
    );
  });
});
