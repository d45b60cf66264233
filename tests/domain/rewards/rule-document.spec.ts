import assert from 'node:assert/strict';
import { isRight } from 'fp-ts/Either';
import { canonicalJson, RuleDocument, ruleDocumentProblem } from '../../../domain/rewards/rule-document.js';

const valid = {
  name: 'Quest completed',
  event_type: 'quest.completed',
  priority: 10,
  valid_from: '2026-01-01T00:00:00Z',
  valid_until: '2027-01-01T00:00:00Z',
  conditions: { all: [{ fact: 'context', path: '$.base_reward_points', operator: 'greaterThan', value: 0 }, { not: { fact: 'actor', path: '$.tier', operator: 'equal', value: 'basic' } }] },
  caps: { per_rule_per_day: '100000', per_user_per_day: '500' },
  rewards: [
    { target: { kind: 'actor' }, reward_type: 'points', amount: { from: { fact: 'context', path: '$.base_reward_points' }, numerator: '1', denominator: '10', at_most: '1000' } },
    { target: { kind: 'context_user', field: 'pro_author_id', otherwise: { kind: 'primary_subject' } }, reward_type: 'points', amount: '5', when: { fact: 'target', path: '$.is_pro', operator: 'equal', value: true } },
    { target: { kind: 'sponsor', of: 'primary_subject', level: 1 }, reward_type: 'points', amount: '50', locked_until_condition: 'vip_or_pro' },
  ],
};

/** The document with one change at a path (`rewards.0.amount`), or the key removed (undefined). */
function changed(path: string, value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(valid));
  const keys = path.split('.');
  let at = copy;
  for (const key of keys.slice(0, -1)) at = at[key];
  if (value === undefined) delete at[keys[keys.length - 1]!];
  else at[keys[keys.length - 1]!] = value;
  return copy;
}

describe('connect: rule documents (rules as versioned data, R-2)', () => {
  it('given a document using every part of the format, then it is a valid rule (the codec decodes it)', () => {
    assert.equal(ruleDocumentProblem(valid), undefined);
    assert.ok(isRight(RuleDocument.decode(valid)));
    assert.equal(ruleDocumentProblem({ event_type: 'x.y', rewards: [{ target: { kind: 'actor' }, reward_type: 'nft', badge: { type: 'quest_master_10' } }] }), undefined, 'only event_type and rewards are required');
  });

  const cases: [string, string, unknown, string][] = [
    ['an amount that is a number', 'rewards.0.amount', 10, 'rewards[0].amount'],
    ['a fixed amount of 0', 'rewards.1.amount', '0', 'rewards[1].amount'],
    ['a fractional amount', 'rewards.1.amount', '1.5', 'rewards[1].amount'],
    ['a computed amount without from', 'rewards.0.amount.from', undefined, 'rewards[0].amount.from'],
    ['a denominator of 0', 'rewards.0.amount.denominator', '0', 'rewards[0].amount.denominator'],
    ['an amount from an unknown fact', 'rewards.0.amount.from.fact', 'weather', 'rewards[0].amount.from.fact'],
    ['an unknown reward type', 'rewards.2.reward_type', 'cash', 'rewards[2].reward_type'],
    ['an unknown target kind', 'rewards.0.target.kind', 'everyone', 'rewards[0].target.kind'],
    ['a sponsor beyond the chain', 'rewards.2.target.level', 4, 'rewards[2].target.level'],
    ['a sponsor of nobody', 'rewards.2.target.of', 'partner', 'rewards[2].target.of'],
    ['a context user field not ending in _id', 'rewards.1.target.field', 'author', 'rewards[1].target.field'],
    ['a bad fallback target', 'rewards.1.target.otherwise', { kind: 'actor', extra: 1 }, 'rewards[1].target.otherwise.extra'],
    ['an unknown lock', 'rewards.2.locked_until_condition', 'gold', 'rewards[2].locked_until_condition'],
    ['an unknown operator', 'conditions.all.0.operator', 'approximately', 'conditions.all[0].operator'],
    ['a decorator operator', 'conditions.all.0.operator', 'not:equal', 'conditions.all[0].operator'],
    ['an unsupported path', 'conditions.all.0.path', 'base_reward_points', 'conditions.all[0].path'],
    ['a condition without a value', 'conditions.all.0.value', undefined, 'conditions.all[0].value'],
    ['a nested condition that is no condition', 'conditions.all.1.not', 'x', 'conditions.all[1].not'],
    ['a fact reference to an unknown fact', 'conditions.all.0.value', { fact: 'nope' }, 'conditions.all[0].value.fact'],
    ['target in a rule’s conditions (only a reward’s when has it)', 'conditions.all.0.fact', 'target', 'conditions.all[0].fact'],
    ['a when that is no condition', 'rewards.1.when', [], 'rewards[1].when'],
    ['a typo of a field', 'rewards.0.ammount', '5', 'rewards[0].ammount'],
    ['an unknown top-level field', 'event', 'quest.completed', 'event'],
    ['no event type', 'event_type', undefined, 'event_type'],
    ['a malformed event type', 'event_type', 'Quest Completed', 'event_type'],
    ['a fractional priority', 'priority', 1.5, 'priority'],
    ['a priority of 0', 'priority', 0, 'priority'],
    ['an impossible date', 'valid_from', '2026-13-01T00:00:00Z', 'valid_from'],
    ['a date without a zone', 'valid_until', '2027-01-01T00:00:00', 'valid_until'],
    ['valid_until before valid_from', 'valid_until', '2025-01-01T00:00:00Z', 'valid_until'],
    ['no rewards', 'rewards', [], 'rewards'],
    ['a cap that is no whole number', 'caps.per_user_per_day', '-5', 'caps.per_user_per_day'],
    ['an unknown cap', 'caps.per_hour', '5', 'caps.per_hour'],
  ];
  for (const [what, path, value, expected] of cases) {
    it(`given ${what}, then the problem names ${expected}`, () => {
      const problem = ruleDocumentProblem(changed(path, value));
      assert.ok(problem, 'refused');
      assert.equal(problem.path, expected, problem.message);
      const decoded = RuleDocument.decode(changed(path, value));
      assert.ok(!isRight(decoded) && decoded.left[0]!.message!.startsWith(expected), 'the codec’s message names the path');
    });
  }

  it('given an nft reward, then it has a badge and no amount; a points reward the other way round', () => {
    const nft = (reward: object) => ruleDocumentProblem({ event_type: 'quest.completed', rewards: [{ target: { kind: 'actor' }, reward_type: 'nft', ...reward }] })?.path;
    assert.equal(nft({}), 'rewards[0].badge');
    assert.equal(nft({ badge: { type: 'Quest Master' } }), 'rewards[0].badge.type');
    assert.equal(nft({ badge: { type: 'quest_master_10', level: 0 } }), 'rewards[0].badge.level');
    assert.equal(nft({ badge: { type: 'quest_master_10' }, amount: '1' }), 'rewards[0].amount');
    assert.equal(ruleDocumentProblem({ event_type: 'a.b', rewards: [{ target: { kind: 'actor' }, reward_type: 'points', amount: '1', badge: { type: 'x' } }] })?.path, 'rewards[0].badge');
    assert.equal(ruleDocumentProblem({ event_type: 'a.b', rewards: [{ target: { kind: 'actor' }, reward_type: 'points' }] })?.path, 'rewards[0].amount');
  });

  it('given caps on a rule whose rewards mix units, then the caps are refused (they add up one unit)', () => {
    const problem = ruleDocumentProblem({ ...valid, rewards: [...valid.rewards, { target: { kind: 'actor' }, reward_type: 'g2a_offchain', amount: '1000000000' }] });
    assert.equal(problem?.path, 'caps');
    assert.equal(ruleDocumentProblem({ ...valid, caps: undefined, rewards: [...valid.rewards, { target: { kind: 'actor' }, reward_type: 'g2a_offchain', amount: '1' }] }), undefined, 'without caps, any mix');
    assert.equal(ruleDocumentProblem({ event_type: 'a.b', caps: { per_user_per_day: '1' }, rewards: [{ target: { kind: 'actor' }, reward_type: 'g2a_offchain', amount: '1' }, { target: { kind: 'actor' }, reward_type: 'g2a_onchain', amount: '1' }] }), undefined, 'G2A off and on chain are one unit');
  });

  it('given conditions nested too deep or too many, then they are refused where they go too far', () => {
    let deep: unknown = { fact: 'context', path: '$.a', operator: 'equal', value: 1 };
    for (let i = 0; i < 20; i++) deep = { not: deep };
    assert.match(ruleDocumentProblem({ event_type: 'a.b', conditions: deep, rewards: valid.rewards.slice(0, 1) })!.path, /^conditions(\.not){17}$/);
    const many = { any: Array.from({ length: 250 }, () => ({ fact: 'context', path: '$.a', operator: 'equal', value: 1 })) };
    assert.equal(ruleDocumentProblem({ event_type: 'a.b', conditions: many, rewards: valid.rewards.slice(0, 1) })?.path, 'conditions.any[199]');
  });

  it('given something that is not an object, or too large, then the document itself is named', () => {
    for (const bad of [null, [], 'rule', 5]) assert.equal(ruleDocumentProblem(bad)?.path, '');
    assert.equal(ruleDocumentProblem({ ...valid, description: 'x'.repeat(70_000) })?.path, '');
  });

  it('writes the same document the same canonical way, whatever the key order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } }), canonicalJson({ a: { c: null, d: [1, { e: 3, f: 2 }] }, b: 1 }));
    assert.notEqual(canonicalJson({ a: [1, 2] }), canonicalJson({ a: [2, 1] }));
  });
});
