import { DEFAULT_RULES } from '../../domain/rewards/default-rules.js';
import type { ReportedEvent, RewardFacts } from '../../domain/rewards/reward-facts.js';
import { rewardRuleDecider, streamOfRewardRule } from '../../domain/rewards/reward-rule.js';
import { ruleProjection, ruleQueries, RULES_PROJECTION } from '../../projections/rewards/rule-projection.js';
import { handleCommand } from '../command-handler.js';
import { budgetDesk } from './budget-desk.js';
import type { RewardsDependencies, RulesPart } from './rewards-desks.js';
import { ruleRoutes } from './rule-routes.js';

/** How long a rule command's answer waits for the rule book to show it (read-your-writes, bounded). */
const READ_YOUR_WRITES_MS = 5_000;
/** How long the start waits for the rule book to show the default rules it seeded. */
const SEEDED_WAIT_MS = 15_000;

/**
 * Rules as versioned data (issue 14 item 2): the RewardRule streams and their routes, the rules
 * read model the rule book reads, the daily budgets of rules with caps, and the default rule
 * set (domain/rewards/default-rules.ts).
 *
 * At start (workers), each default rule whose stream does not exist is created as version 1 and
 * activated, in one append (`SeedRule`, with a command id derived from the rule): two processes
 * starting at once both try, one appends, the other's expected revision fails, it reloads and
 * finds the command id (or the rule) there — nothing twice. A rule that exists is left as it
 * is (an admin's versions and deactivations survive restarts). The start then waits until the
 * rule book shows what it seeded, so the first event reported is evaluated with the defaults.
 */
export function rulesPart(deps: RewardsDependencies, facts: { readonly factsFor: (report: ReportedEvent) => Promise<RewardFacts> }): RulesPart {
  const { system } = deps;
  const projection = ruleProjection(system.database.biSchema);
  const queries = ruleQueries(system.database.db);
  let loaded = false;
  const budgets = budgetDesk({ store: system.store, clock: system.clock });

  async function seedDefaults(): Promise<void> {
    let last: Parameters<typeof system.waitForProjection>[1] | undefined;
    for (const rule of DEFAULT_RULES) {
      const outcome = await handleCommand(
        system.store,
        rewardRuleDecider,
        streamOfRewardRule(rule.ruleId),
        { type: 'SeedRule', ruleId: rule.ruleId, document: rule.document, by: 'system:connect-defaults', now: system.clock.now() },
        { commandId: `connect-default-rule:${rule.ruleId}:v1`, correlationId: 'connect-default-rules', actor: 'system:connect-defaults', now: system.clock.now() },
      );
      if (outcome._tag === 'Left') throw new Error(`default rule ${rule.ruleId} refused: ${outcome.left.code} ${outcome.left.message}`);
      if (outcome.right.position) last = outcome.right.position;
    }
    if (last && !(await system.waitForProjection(RULES_PROJECTION, last, SEEDED_WAIT_MS))) {
      system.logger.warn({ projection: RULES_PROJECTION }, 'the default reward rules are seeded but the rule book does not show them yet');
    }
  }

  return {
    part: {
      migrations: [projection.migrations!],
      projections: [projection],
      routes: ruleRoutes({
        store: system.store,
        clock: system.clock,
        rules: queries,
        rulesReached: (position) => system.waitForProjection(RULES_PROJECTION, position, READ_YOUR_WRITES_MS),
        factsFor: facts.factsFor,
      }),
      start: seedDefaults,
    },
    ruleBook: {
      activeFor: (eventType) => queries.activeFor(eventType),
      // once loaded, always loaded (rules are never deleted)
      ready: async () => (loaded ||= await queries.anyRule()),
    },
    budgets,
  };
}
