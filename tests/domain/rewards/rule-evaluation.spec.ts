import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RuleVersionDocument } from '../../../domain/rewards/rule-document.js';
import { evaluateRules } from '../../../domain/rewards/rule-evaluation.js';
import { factsOf, member } from './rule-facts.js';

const rule = (ruleId: string, document: Record<string, unknown>, version = 1): RuleVersionDocument => ({ ruleId, version, document });
const points = (target: Record<string, unknown>, amount: unknown = '10', more: Record<string, unknown> = {}) => ({ target, reward_type: 'points', amount, ...more });
const actor = { kind: 'actor' };
const brief = (proposals: ReturnType<typeof evaluateRules>) => proposals.map((p) => `${p.ruleId}@${p.version}#${p.rewardIndex}→${p.targetUserId}:${p.amount ?? p.badge?.type}${p.lockedUntil ? ' locked' : ''}`);

describe('connect: evaluating rules (R-2), pure and deterministic', () => {
  it('given a matching rule, then a proposal carries the rule, version, reward index, target, type, amount, caps and priority', () => {
    const proposals = evaluateRules([rule('r', { event_type: 'a.b', priority: 7, caps: { per_user_per_day: '50' }, rewards: [points(actor, '10')] }, 3)], factsOf('a.b'));
    assert.deepEqual(proposals, [{ ruleId: 'r', version: 3, rewardIndex: 0, targetUserId: 'actor-1', rewardType: 'points', amount: '10', badge: null, lockedUntil: null, caps: { perUserPerDay: '50' }, priority: 7 }]);
  });

  it('given rules of another event type, or whose conditions fail, then they grant nothing', () => {
    const rules = [
      rule('other', { event_type: 'x.y', rewards: [points(actor)] }),
      rule('level', { event_type: 'a.b', conditions: { all: [{ fact: 'context', path: '$.level', operator: 'equal', value: 1 }] }, rewards: [points(actor)] }),
    ];
    assert.deepEqual(evaluateRules(rules, factsOf('a.b', { context: { level: 2 } })), []);
    assert.deepEqual(brief(evaluateRules(rules, factsOf('a.b', { context: { level: 1 } }))), ['level@1#0→actor-1:10']);
  });

  it('given validity dates, then the event’s occurred_at decides — from inclusive, until exclusive, never the clock', () => {
    const rules = [rule('window', { event_type: 'a.b', valid_from: '2020-01-01T00:00:00Z', valid_until: '2020-02-01T00:00:00Z', rewards: [points(actor)] })];
    const at = (occurred_at: string) => evaluateRules(rules, factsOf('a.b', { occurred_at })).length;
    assert.equal(at('2019-12-31T23:59:59.999Z'), 0);
    assert.equal(at('2020-01-01T00:00:00.000Z'), 1);
    assert.equal(at('2020-01-31T23:59:59.999Z'), 1);
    assert.equal(at('2020-02-01T00:00:00.000Z'), 0);
    assert.equal(at('not a date'), 0);
  });

  it('given several rules, then higher priority comes first, then rule id, then version; rewards in their order', () => {
    const rules = [
      rule('b', { event_type: 'a.b', priority: 5, rewards: [points(actor, '1'), points(actor, '2')] }),
      rule('a', { event_type: 'a.b', priority: 5, rewards: [points(actor, '3')] }),
      rule('z', { event_type: 'a.b', priority: 9, rewards: [points(actor, '4')] }),
      rule('a', { event_type: 'a.b', priority: 5, rewards: [points(actor, '5')] }, 2),
      rule('c', { event_type: 'a.b', rewards: [points(actor, '6')] }),
    ];
    assert.deepEqual(brief(evaluateRules(rules, factsOf('a.b'))), ['z@1#0→actor-1:4', 'a@1#0→actor-1:3', 'a@2#0→actor-1:5', 'b@1#0→actor-1:1', 'b@1#1→actor-1:2', 'c@1#0→actor-1:6']);
  });

  describe('targets', () => {
    const facts = factsOf('a.b', {
      subject: member('subject-1'),
      primary_subject_user_id: 'subject-1',
      context: { pro_author_id: 'author-1', empty_id: '' },
      context_users: { pro_author_id: member('author-1', 'pro') },
      sponsors: { actor: [member('actor-s1'), member('actor-s2', 'vip')], subject: [member('subject-s1')] },
    });
    const to = (target: Record<string, unknown>) => evaluateRules([rule('r', { event_type: 'a.b', rewards: [points(target)] })], facts).map((p) => p.targetUserId);

    it('given actor, primary subject, a context user, a sponsor N levels up, then each is the user the facts name', () => {
      assert.deepEqual(to(actor), ['actor-1']);
      assert.deepEqual(to({ kind: 'primary_subject' }), ['subject-1']);
      assert.deepEqual(to({ kind: 'context_user', field: 'pro_author_id' }), ['author-1']);
      assert.deepEqual(to({ kind: 'sponsor', of: 'actor', level: 1 }), ['actor-s1']);
      assert.deepEqual(to({ kind: 'sponsor', of: 'actor', level: 2 }), ['actor-s2']);
      assert.deepEqual(to({ kind: 'sponsor', of: 'primary_subject', level: 1 }), ['subject-s1']);
    });

    it('given a target that cannot be resolved, then that reward is skipped — or goes to its otherwise', () => {
      assert.deepEqual(to({ kind: 'sponsor', of: 'actor', level: 3 }), []);
      assert.deepEqual(to({ kind: 'sponsor', of: 'primary_subject', level: 2 }), []);
      assert.deepEqual(to({ kind: 'context_user', field: 'host_id' }), []);
      assert.deepEqual(to({ kind: 'context_user', field: 'empty_id' }), [], 'an empty id names nobody');
      assert.deepEqual(to({ kind: 'context_user', field: 'curator_id', otherwise: { kind: 'sponsor', of: 'actor', level: 3, otherwise: { kind: 'primary_subject' } } }), ['subject-1']);
      assert.deepEqual(evaluateRules([rule('r', { event_type: 'a.b', rewards: [points({ kind: 'primary_subject' })] })], factsOf('a.b')), [], 'no primary subject');
    });

    it('given a reward’s when, then it reads the resolved target’s facts as the fact target', () => {
      const rules = [rule('r', { event_type: 'a.b', rewards: [points({ kind: 'context_user', field: 'pro_author_id' }, '5', { when: { fact: 'target', path: '$.is_pro', operator: 'equal', value: true } })] })];
      assert.deepEqual(brief(evaluateRules(rules, facts)), ['r@1#0→author-1:5']);
      assert.deepEqual(evaluateRules(rules, { ...facts, context_users: { pro_author_id: member('author-1', 'vip') } }), []);
      assert.deepEqual(evaluateRules(rules, { ...facts, context_users: {} }), [], 'a user the read models do not know is basic');
    });
  });

  describe('amounts', () => {
    const amount = (value: unknown, spec: Record<string, unknown> = {}) =>
      evaluateRules([rule('r', { event_type: 'a.b', rewards: [points(actor, { from: { fact: 'context', path: '$.v' }, ...spec })] })], factsOf('a.b', { context: value === undefined ? {} : { v: value } }))[0]?.amount;

    it('given an amount computed from the context, then floor(value × numerator / denominator) in integers, at most at_most', () => {
      assert.equal(amount(120), '120');
      assert.equal(amount('129', { numerator: '1', denominator: '10' }), '12');
      assert.equal(amount(5_000_000, { numerator: '1', denominator: '10000' }), '500');
      assert.equal(amount('12.99'), '12', 'a decimal string: floored exactly');
      assert.equal(amount('123456789012345678901234567890', { numerator: '3', denominator: '2' }), '185185183518518518351851851835');
      assert.equal(amount(10_000, { at_most: '500' }), '500');
    });

    it('given a value that is not a number ≥ 0, or an amount of 0, then the reward is skipped', () => {
      for (const bad of [undefined, 'abc', null, true, [5], { n: 5 }, -5, '-1', '1e3']) assert.equal(amount(bad), undefined, JSON.stringify(bad));
      assert.equal(amount(9, { numerator: '1', denominator: '10' }), undefined, 'floor to 0');
      assert.equal(amount(0), undefined);
    });

    it('given an nft reward, then it grants the badge at its level (1 by default) and no amount', () => {
      const [badge] = evaluateRules([rule('r', { event_type: 'a.b', rewards: [{ target: actor, reward_type: 'nft', badge: { type: 'quest_master_10' } }] })], factsOf('a.b'));
      assert.deepEqual([badge?.rewardType, badge?.amount, badge?.badge], ['nft', null, { type: 'quest_master_10', level: 1 }]);
    });
  });

  it('given locked_until_condition vip_or_pro, then the reward is locked exactly while its target is neither VIP nor PRO', () => {
    const rules = [rule('r', { event_type: 'a.b', rewards: [points({ kind: 'sponsor', of: 'actor', level: 1 }, '50', { locked_until_condition: 'vip_or_pro' })] })];
    const lock = (sponsor: ReturnType<typeof member>) => evaluateRules(rules, factsOf('a.b', { sponsors: { actor: [sponsor], subject: [] } }))[0]?.lockedUntil;
    assert.equal(lock(member('s', 'basic')), 'vip_or_pro');
    assert.equal(lock(member('s', 'vip')), null);
    assert.equal(lock(member('s', 'pro')), null);
    assert.equal(lock(member('s', 'basic', { is_pro: true })), null);
  });

  it('given a document that is not a valid rule (it never passed the validator), then it grants nothing and nothing throws', () => {
    const rules = [rule('bad', { event_type: 'a.b', rewards: [points(actor, 10)] }), rule('worse', { event_type: 'a.b' }), rule('ok', { event_type: 'a.b', rewards: [points(actor)] })];
    assert.deepEqual(brief(evaluateRules(rules, factsOf('a.b'))), ['ok@1#0→actor-1:10']);
  });

  it('property: the same rules and facts give the same proposals, whatever order the rules come in', () => {
    const condition = fc.oneof(
      fc.constant(undefined),
      fc.record({ all: fc.array(fc.record({ fact: fc.constant('context'), path: fc.constantFrom('$.level', '$.v'), operator: fc.constantFrom('equal', 'greaterThan', 'lessThanInclusive'), value: fc.integer({ min: 0, max: 3 }) }), { maxLength: 2 }) }),
    );
    const target = fc.constantFrom({ kind: 'actor' }, { kind: 'primary_subject' }, { kind: 'sponsor', of: 'actor', level: 1 }, { kind: 'sponsor', of: 'actor', level: 2 }, { kind: 'context_user', field: 'host_id' });
    const reward = fc.record({
      target,
      reward_type: fc.constant('points'),
      amount: fc.oneof(fc.constantFrom('1', '25'), fc.record({ from: fc.constant({ fact: 'context', path: '$.v' }), denominator: fc.constantFrom('1', '2') })),
      locked_until_condition: fc.constantFrom(undefined, 'vip_or_pro'),
    });
    const document = fc.record({ event_type: fc.constantFrom('a.b', 'x.y'), priority: fc.integer({ min: 1, max: 3 }), conditions: condition, rewards: fc.array(reward, { minLength: 1, maxLength: 3 }) });
    const rules = fc.uniqueArray(fc.record({ ruleId: fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5'), version: fc.integer({ min: 1, max: 2 }), document }), { selector: (r) => `${r.ruleId}@${r.version}`, maxLength: 6 });
    const tier = fc.constantFrom('basic' as const, 'vip' as const, 'pro' as const);
    const facts = fc.record({ level: fc.integer({ min: 0, max: 3 }), v: fc.integer({ min: 0, max: 100 }), sponsorTier: tier, host: fc.boolean() }).map(({ level, v, sponsorTier, host }) =>
      factsOf('a.b', {
        subject: member('s-1'),
        primary_subject_user_id: 's-1',
        context: { level, v, ...(host ? { host_id: 'h-1' } : {}) },
        sponsors: { actor: [member('sp-1', sponsorTier)], subject: [] },
      }),
    );
    fc.assert(
      fc.property(rules, facts, fc.integer(), (given, f, seed) => {
        const clean = JSON.parse(JSON.stringify(given)) as RuleVersionDocument[];
        const first = evaluateRules(clean, f);
        const shuffled = [...clean].sort((a, b) => ((a.ruleId.charCodeAt(1) * 31 + a.version * seed) % 7) - ((b.ruleId.charCodeAt(1) * 31 + b.version * seed) % 7));
        assert.deepEqual(evaluateRules(shuffled, f), first);
        assert.deepEqual(evaluateRules([...clean].reverse(), f), first);
        assert.deepEqual(evaluateRules(JSON.parse(JSON.stringify(clean)), JSON.parse(JSON.stringify(f))), first, 'a copy (as read back from the log) gives the same');
      }),
      { numRuns: 300 },
    );
  });
});
