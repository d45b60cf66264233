import assert from 'node:assert/strict';
import { rewardRuleDecider as rules, rewardRuleOfStream, streamOfRewardRule, type RewardRuleCommand, type RewardRuleEvent } from '../../../domain/rewards/reward-rule.js';
import { given } from '../../support/decider-spec.js';

const now = new Date('2026-03-01T10:00:00.000Z');
const by = { by: 'user:admin-1', now };
const v1 = { name: 'Reviews', event_type: 'rf_partner.review_created', rewards: [{ target: { kind: 'actor' }, reward_type: 'points', amount: '10' }] };
const v2 = { ...v1, rewards: [{ target: { kind: 'actor' }, reward_type: 'points', amount: '20' }] };

const create = (document: unknown = v1): RewardRuleCommand => ({ type: 'CreateRule', ruleId: 'reviews', document, ...by });
const addVersion = (document: unknown): RewardRuleCommand => ({ type: 'AddRuleVersion', ruleId: 'reviews', document, ...by });
const activate = (version: number): RewardRuleCommand => ({ type: 'ActivateRuleVersion', ruleId: 'reviews', version, ...by });
const deactivate: RewardRuleCommand = { type: 'DeactivateRule', ruleId: 'reviews', ...by };

const created = (version: number, document: Record<string, unknown>): RewardRuleEvent => ({
  type: 'RuleVersionCreated',
  data: { ruleId: 'reviews', version, eventType: 'rf_partner.review_created', document, createdBy: 'user:admin-1', createdAt: now.toISOString() },
});
const activated = (version: number): RewardRuleEvent => ({ type: 'RuleVersionActivated', data: { ruleId: 'reviews', version, activatedBy: 'user:admin-1', activatedAt: now.toISOString() } });
const deactivated = (version: number): RewardRuleEvent => ({ type: 'RuleDeactivated', data: { ruleId: 'reviews', version, deactivatedBy: 'user:admin-1', deactivatedAt: now.toISOString() } });

describe('connect: the RewardRule aggregate (rules as versioned data, R-2)', () => {
  it('names its stream RewardRule-<rule id> and reads the rule back from it', () => {
    assert.equal(streamOfRewardRule('reviews'), 'RewardRule-reviews');
    assert.equal(rewardRuleOfStream('RewardRule-reviews'), 'reviews');
    assert.equal(rewardRuleOfStream('RewardBudget-reviews-2026-03-01'), undefined);
  });

  describe('creating', () => {
    it('given no rule, when created, then version 1 holds the document and the rule is inactive', () => {
      const state = given(rules).when(create()).then([created(1, v1)]);
      assert.equal(state.status === 'exists' && state.active, null);
    });

    it('given the rule, when created again with the same document (keys in another order), then nothing new; with another, a conflict', () => {
      given(rules, [created(1, v1)]).when(create({ rewards: v1.rewards, event_type: v1.event_type, name: v1.name })).then([]);
      given(rules, [created(1, v1)]).when(create(v2)).thenFails('connect.rule_exists', { kind: 'conflict' });
    });

    it('given a document that is not a valid rule, then a 422 naming the path inside the document', () => {
      given(rules).when(create({ ...v1, rewards: [{ target: { kind: 'actor' }, reward_type: 'points', amount: 10 }] })).thenFails('connect.rule_invalid', { kind: 'rule_violated', field: 'document.rewards[0].amount' });
      given(rules).when(create(['not', 'an', 'object'])).thenFails('connect.rule_invalid', { field: 'document' });
    });

    it('given a malformed rule id, then it is refused', () => {
      given(rules).when({ ...create(), ruleId: 'Has Spaces' }).thenFails('connect.rule_id_invalid', { field: 'rule_id' });
    });
  });

  describe('versions', () => {
    it('given version 1, when a version is added, then it is numbered 2 — and the same document again is nothing new', () => {
      given(rules, [created(1, v1)]).when(addVersion(v2)).then([created(2, v2)]);
      given(rules, [created(1, v1), created(2, v2)]).when(addVersion(v2)).then([]);
    });

    it('given versions 1 and 2, when version 1’s document is added again, then it is version 3 (a revert is a version)', () => {
      given(rules, [created(1, v1), created(2, v2)]).when(addVersion(v1)).then([created(3, v1)]);
    });

    it('given a rule, when a version for another event type is added, then it is refused: another event type is another rule', () => {
      given(rules, [created(1, v1)]).when(addVersion({ ...v1, event_type: 'quest.completed' })).thenFails('connect.rule_event_type_changed', { field: 'document.event_type' });
    });

    it('given no rule, when a version is added, then not found; an invalid document names its path', () => {
      given(rules).when(addVersion(v2)).thenFails('connect.rule_not_found', { kind: 'not_found' });
      given(rules, [created(1, v1)]).when(addVersion({ ...v1, priority: -1 })).thenFails('connect.rule_invalid', { field: 'document.priority' });
    });
  });

  describe('activation', () => {
    it('given two versions, when 1 then 2 is activated, then 2 replaces 1 — activating the active one is nothing new', () => {
      const state = given(rules, [created(1, v1), created(2, v2), activated(1)]).when(activate(2)).then([activated(2)]);
      assert.equal(state.status === 'exists' && state.active, 2);
      given(rules, [created(1, v1), activated(1)]).when(activate(1)).then([]);
    });

    it('given a rule, when an unknown version is activated, then not found', () => {
      given(rules, [created(1, v1)]).when(activate(2)).thenFails('connect.rule_version_not_found', { kind: 'not_found' });
      given(rules).when(activate(1)).thenFails('connect.rule_not_found');
    });

    it('given an active rule, when deactivated, then no version is active; deactivating again is nothing new', () => {
      const state = given(rules, [created(1, v1), activated(1)]).when(deactivate).then([deactivated(1)]);
      assert.equal(state.status === 'exists' && state.active, null);
      given(rules, [created(1, v1), activated(1), deactivated(1)]).when(deactivate).then([]);
      given(rules, [created(1, v1), activated(1), deactivated(1)]).when(activate(1)).then([activated(1)]);
    });
  });

  describe('seeding the default rule set', () => {
    const seed: RewardRuleCommand = { type: 'SeedRule', ruleId: 'reviews', document: v1, by: 'system:connect-defaults', now };

    it('given no rule, when seeded, then version 1 is created and activated in one decision', () => {
      const state = given(rules).when(seed).then([
        { ...created(1, v1), data: { ...created(1, v1).data, createdBy: 'system:connect-defaults' } } as RewardRuleEvent,
        { type: 'RuleVersionActivated', data: { ruleId: 'reviews', version: 1, activatedBy: 'system:connect-defaults', activatedAt: now.toISOString() } },
      ]);
      assert.equal(state.status === 'exists' && state.active, 1);
    });

    it('given the rule exists — changed or deactivated by an admin — when seeded, then nothing at all', () => {
      given(rules, [created(1, v1), activated(1), created(2, v2), activated(2)]).when({ ...seed }).then([]);
      given(rules, [created(1, v1), activated(1), deactivated(1)]).when({ ...seed }).then([]);
    });
  });
});
