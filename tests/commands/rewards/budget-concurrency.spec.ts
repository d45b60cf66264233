import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { budgetDesk } from '../../../commands/rewards/budget-desk.js';
import type { BudgetAnswer, BudgetClaim } from '../../../commands/rewards/rewards-desks.js';
import { streamOfRewardBudget, type RewardBudgetEvent } from '../../../domain/rewards/reward-budget.js';
import { ManualClock } from '../../../platform/clock.js';
import { startTestSystem } from '../../support/test-system.js';
import { twoInstancesOnOneDatabase } from '../../support/two-instances.js';

/**
 * A rule's daily budget is a hot stream: every reward of a capped rule that day claims on it,
 * many at once, from every worker. Against the database, across two instances on it (each with
 * its own budget desk, as two workers would have): 50 claims at once, each sent to both (as a
 * retried effect would be) — the grants never pass either cap, every claim is recorded once,
 * and a claim asked again (there, or later on a desk that never saw it) answers as the first.
 */
describe('connect: concurrent claims on one rule’s daily budget, across two instances (hot stream)', function () {
  this.timeout(300_000);
  const clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));
  const instances = twoInstancesOnOneDatabase((database, role) => startTestSystem({ database, clock, role, contexts: [] }));
  const desks = () => [budgetDesk({ store: instances.first.dependencies.store, clock }), budgetDesk({ store: instances.second.dependencies.store, clock })];

  it('given caps of 30 per user and 300 per rule, when 10 users claim 10 five times each at once on two instances (each claim twice), then exactly 300 granted, at most 30 each, one event per claim, and both answers of a claim alike', async () => {
    const ruleId = `spec-rule-${randomUUID().slice(0, 8)}`;
    const [first, second] = desks() as [ReturnType<typeof budgetDesk>, ReturnType<typeof budgetDesk>];
    const claims: BudgetClaim[] = Array.from({ length: 50 }, (_, i) => ({
      actionId: `action-${i}`,
      ruleId,
      version: 1 + (i % 2),
      targetUserId: `user-${i % 10}`,
      amount: 10n,
      caps: { perRulePerDay: '300', perUserPerDay: '30' },
      day: '2026-03-01',
    }));
    const answers = await Promise.all(claims.flatMap((claim, i) => (i % 2 === 0 ? [first.claim(claim), second.claim(claim)] : [second.claim(claim), first.claim(claim)])));
    const byClaim = claims.map((_, i) => [answers[2 * i]!, answers[2 * i + 1]!] as const);
    for (const [one, other] of byClaim) assert.deepEqual(one, other, 'a claim answers the same, whoever asks');

    const granted = new Map<string, bigint>();
    for (const [i, [answer]] of byClaim.entries()) if (answer.granted) granted.set(claims[i]!.targetUserId, (granted.get(claims[i]!.targetUserId) ?? 0n) + claims[i]!.amount);
    for (const [user, sum] of granted) assert.ok(sum <= 30n, `${user} got ${sum}`);
    const total = [...granted.values()].reduce((a, b) => a + b, 0n);
    assert.equal(total, 300n, 'every user filled up to the cap: the rule’s cap reached exactly, never passed');
    for (const [, [answer]] of byClaim.entries()) if (!answer.granted) assert.ok(answer.reason === 'user_daily_cap' || answer.reason === 'rule_daily_cap');

    const events = (await instances.first.dependencies.store.readStream(streamOfRewardBudget(ruleId, '2026-03-01'))).map((e) => ({ type: e.type, data: e.data }) as RewardBudgetEvent);
    assert.equal(events.length, 50, 'every claim recorded once');
    assert.equal(new Set(events.map((e) => e.data.actionId)).size, 50);
    let running = 0n;
    for (const event of events) {
      if (event.type !== 'RewardBudgetClaimGranted') continue;
      running += BigInt(event.data.amount);
      assert.equal(event.data.ruleTotalAfter, running.toString(), 'one chain of totals');
    }
    assert.equal(running, 300n);

    // later, on a desk that never saw these claims (another process after a restart): each answers as the first time
    const fresh = budgetDesk({ store: instances.second.dependencies.store, clock });
    const repeats = await Promise.all(claims.map((claim) => fresh.claim({ ...claim, caps: { perRulePerDay: '1000', perUserPerDay: '1000' } })));
    assert.deepEqual(repeats, byClaim.map(([answer]) => answer), 'a repeat answers as the first time, even with other caps');
    assert.equal((await instances.first.dependencies.store.readStream(streamOfRewardBudget(ruleId, '2026-03-01'))).length, 50, 'and records nothing');
  });

  it('given one user claiming 50 times at once on two instances, with only a per-user cap, then exactly the cap is granted', async () => {
    const ruleId = `spec-rule-${randomUUID().slice(0, 8)}`;
    const [first, second] = desks() as [ReturnType<typeof budgetDesk>, ReturnType<typeof budgetDesk>];
    const claim = (i: number): BudgetClaim => ({ actionId: `a-${i}`, ruleId, version: 1, targetUserId: 'busy-user', amount: BigInt(1 + (i % 3)), caps: { perUserPerDay: '25' }, day: '2026-03-01' });
    const answers: BudgetAnswer[] = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? first : second).claim(claim(i))));
    const sum = answers.reduce((total, answer, i) => (answer.granted ? total + claim(i).amount : total), 0n);
    assert.ok(sum <= 25n && sum >= 23n, `granted ${sum}: up to the cap (the next claim of 1–3 would have passed it)`);
    for (const answer of answers) if (!answer.granted) assert.equal(answer.reason, 'user_daily_cap');
    const another = await first.claim({ ...claim(99), day: '2026-03-02' });
    assert.deepEqual(another, { granted: true }, 'another day, another budget');
  });

  it('given a rule without caps, then its claims are granted and write nothing', async () => {
    const [first] = desks() as [ReturnType<typeof budgetDesk>];
    const ruleId = `spec-rule-${randomUUID().slice(0, 8)}`;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => first.claim({ actionId: `a-${i}`, ruleId, version: 1, targetUserId: 'u', amount: 1_000n, caps: {}, day: '2026-03-01' })));
    assert.ok(answers.every((a) => a.granted));
    assert.deepEqual(await instances.first.dependencies.store.readStream(streamOfRewardBudget(ruleId, '2026-03-01')), []);
  });
});
