import { isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';
import type { Clock } from '../../platform/clock.js';
import { actOnReward, loadRewardAction } from './reward-action-commands.js';

const Id = withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= 100, 'Id'), { type: 'string', minLength: 1, maxLength: 100 });

/** Admin commands on reward actions: a failed reward (its payout refused, no wallet, a gateway failure) is tried again as a new attempt. */
export function rewardActionRoutes(deps: { readonly store: EventStore; readonly clock: Clock }): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/connect/rewards/:id/retry',
      summary: 'Try a failed reward again (a new attempt of the dispatcher) (R-5)',
      description:
        'Rewards admins and admins. Only a `failed` reward: it goes back to `pending` with attempt n+1 and the dispatcher pays it (points and G2A credits keep the action id as their key, so nothing is paid twice; an on-chain G2A mint is a new gateway request). A payout that is still retrying in the outbox and ran out of attempts is a dead letter instead: GET /api/admin/dead-letters and POST /api/admin/dead-letters/{key}/retry.',
      tags: ['connect'],
      auth: { roles: ['rewards_admin'] },
      params: t.type({ id: Id }),
      responses: {
        202: { description: 'Queued again', schema: t.type({ action_id: t.string, status: t.string, attempt: t.number }) },
        404: { description: 'No such reward' },
        409: { description: 'reward.not_failed: the reward is not failed' },
      },
      handle: async ({ params, principal, correlationId }) => {
        const loaded = await loadRewardAction(deps.store, params.id);
        if (loaded.state.status === 'none') return left(domainError('not_found', 'reward.not_found', `no reward ${params.id}`, 'id'));
        const attempt = loaded.state.attempt;
        const outcome = await actOnReward(deps.store, { type: 'RetryRewardAction', actionId: params.id, by: `${principal.kind}:${principal.id}`, now: deps.clock.now() }, { step: `retry.${attempt}`, actor: `${principal.kind}:${principal.id}`, correlationId });
        if (isLeft(outcome)) return outcome;
        const state = outcome.right.state;
        return right({ status: 202, body: { action_id: params.id, status: state.status, attempt: state.status === 'none' ? 0 : state.attempt } });
      },
    }),
  ];
}
