import { randomUUID } from 'node:crypto';
import { isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { SystemDependencies } from '../../adapters/app/context-module.js';
import { CursorTimestamp, encodeCursor, pageCodec, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { rawAddress } from '../../domain/blockchain/ton-address.js';
import { g2aWithdrawalDecider, sameWithdrawal, streamOfG2aWithdrawal, type G2aWithdrawalState } from '../../domain/rewards/g2a-withdrawal.js';
import { BALANCE_PROJECTION, WithdrawalView, type BalanceQueries } from '../../projections/rewards/balance-projection.js';
import { checkedString, JettonAmount } from '../blockchain/gateway-inputs.js';
import { TonAddress } from '../blockchain/ton-address.js';
import { derivedUuid } from '../derived-uuid.js';
import { loadAggregate } from '../load-aggregate.js';
import type { BlockchainGateway } from './ports/blockchain-gateway.js';
import type { WithdrawalSteps } from './withdrawal-effects.js';

const WithdrawalId = checkedString<{ readonly WithdrawalId: unique symbol }>('WithdrawalId', (s) => (/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/.test(s) ? null : 'must be 1 to 100 letters, digits, . _ : - (starting with a letter or digit)'), {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$',
  description: 'Your id of the withdrawal (a UUID is a good choice): asking again with it is the same withdrawal',
});
const WithdrawBody = t.intersection([t.type({ amount: JettonAmount, to_address: TonAddress }), t.partial({ withdrawal_id: WithdrawalId })]);
const WithdrawalKey = t.type({ requestedAt: CursorTimestamp, id: t.string });

export interface WithdrawalRouteDependencies {
  readonly system: Pick<SystemDependencies, 'store' | 'clock' | 'waitForProjection'>;
  readonly gateway: BlockchainGateway;
  readonly steps: WithdrawalSteps;
  readonly queries: Pick<BalanceQueries, 'withdrawal' | 'withdrawalsOf'>;
  /** CONNECT_WITHDRAWAL_MIN / MAX, jetton units. */
  readonly limits: { readonly min: bigint; readonly max: bigint };
}

const insufficient = (): DomainError => domainError('rule_violated', 'withdrawal.insufficient_balance', 'the available G2A balance does not cover the withdrawal', 'amount');

/** The answer from the aggregate, when the read model has not caught up in time (rare: it is waited for). */
function viewOfState(state: G2aWithdrawalState, now: Date): WithdrawalView {
  const hold = state.status === 'requested' ? 'none' : state.status === 'completed' ? 'settled' : state.status === 'failed' ? (state.failure?.wasHeld ? 'held' : 'refused') : 'held';
  return {
    withdrawal_id: state.withdrawalId!,
    user_id: state.userId!,
    amount: state.amount!.toString(),
    to_address: state.toAddress!,
    status: state.status as WithdrawalView['status'],
    hold,
    task_id: state.taskId ?? null,
    tx_hash: null,
    failure: state.failure ? { stage: state.failure.stage, reason: state.failure.reason, message: state.failure.message } : null,
    requested_at: now.toISOString(),
    updated_at: now.toISOString(),
  };
}

/**
 * G2A withdrawals (issue 14, item 7; seed 000 §2 stage 2): a user withdraws their off-chain G2A
 * to a wallet they verified through the gateway's wallet link. The route checks the amount
 * against CONNECT_WITHDRAWAL_MIN/MAX and the address against the user's verified wallets,
 * records the withdrawal and holds the amount on the user's G2aAccount at once (so the answer
 * is 202 with the amount held, or 422 `withdrawal.insufficient_balance`); the withdrawal saga
 * then asks the gateway for the transfer and settles or releases the hold on its outcome.
 */
export function withdrawalRoutes(deps: WithdrawalRouteDependencies): Route[] {
  const { store, clock } = deps.system;

  async function answer(withdrawalId: string): Promise<WithdrawalView> {
    const loaded = await loadAggregate(store, g2aWithdrawalDecider, streamOfG2aWithdrawal(withdrawalId));
    const last = loaded.recorded[loaded.recorded.length - 1];
    if (last) await deps.system.waitForProjection(BALANCE_PROJECTION, last.position, 3000);
    const view = await deps.queries.withdrawal(withdrawalId);
    return view && view.status === loaded.state.status ? view : viewOfState(loaded.state, clock.now());
  }

  return [
    defineRoute({
      method: 'post',
      path: '/connect/withdrawals',
      summary: 'Withdraw off-chain G2A to one of the caller’s verified TON wallets (Connect, issue 14)',
      description:
        'The caller withdraws for themselves. `amount` in jetton units (9 decimals) within CONNECT_WITHDRAWAL_MIN … CONNECT_WITHDRAWAL_MAX; `to_address` must be a wallet the caller verified (POST /wallet/link/confirm). The amount is held on the caller’s G2A balance at once (202); the gateway then sends it (its own limits apply: a refusal fails the withdrawal and releases the hold) and the hold is settled when the transfer is confirmed on chain. Follow it with GET /connect/withdrawals/{id}. `withdrawal_id` (or the Idempotency-Key) makes a retry the same withdrawal; the same id with another amount or address is 409.',
      tags: ['rewards'],
      auth: { roles: ['user'] },
      body: WithdrawBody,
      responses: {
        202: { description: 'Held; the transfer follows (or the same withdrawal asked before, as it stands)', schema: WithdrawalView },
        400: { description: 'A malformed amount, address or withdrawal id (naming the field)' },
        401: { description: 'No valid access token' },
        403: { description: 'Not a user' },
        409: { description: 'withdrawal.id_reused: the withdrawal id was used for another withdrawal' },
        422: {
          description:
            'withdrawal.amount_below_minimum / withdrawal.amount_above_maximum (CONNECT_WITHDRAWAL_MIN/MAX), withdrawal.wallet_not_verified (to_address is not one of the caller’s verified wallets), withdrawal.insufficient_balance (the available balance does not cover it; the withdrawal is recorded as failed)',
        },
        429: { description: 'g2a.busy: the balance is written by many at once; retry with the same withdrawal_id' },
      },
      handle: async ({ body, principal, idempotencyKey, correlationId }) => {
        const userId = principal.id;
        const withdrawalId = body.withdrawal_id ?? (idempotencyKey !== undefined ? derivedUuid('g2a-withdrawal', userId, idempotencyKey) : randomUUID());
        const amount = BigInt(body.amount);
        const raw = rawAddress(body.to_address);
        const existing = (await loadAggregate(store, g2aWithdrawalDecider, streamOfG2aWithdrawal(withdrawalId))).state;
        if (existing.status !== 'none' && !sameWithdrawal(existing, { userId, amount, rawAddress: raw })) {
          return left(domainError('conflict', 'withdrawal.id_reused', `withdrawal ${withdrawalId} was asked for with another amount or address`, 'withdrawal_id'));
        }
        if (existing.status === 'none') {
          if (amount < deps.limits.min) return left(domainError('rule_violated', 'withdrawal.amount_below_minimum', `a withdrawal is at least ${deps.limits.min} jetton units`, 'amount'));
          if (amount > deps.limits.max) return left(domainError('rule_violated', 'withdrawal.amount_above_maximum', `a withdrawal is at most ${deps.limits.max} jetton units`, 'amount'));
          const verified = (await deps.gateway.verifiedWallets(userId)).map((address) => rawAddress(address));
          if (!verified.includes(raw)) return left(domainError('rule_violated', 'withdrawal.wallet_not_verified', 'to_address is not one of your verified wallets (link it: POST /wallet/link/request, /wallet/link/confirm)', 'to_address'));
          const requested = await deps.steps.request({ withdrawalId, userId, amount, toAddress: body.to_address, rawAddress: raw }, correlationId);
          if (isLeft(requested)) return requested;
        }
        const held = await deps.steps.hold(withdrawalId, correlationId);
        if (isLeft(held)) return held;
        if (held.right.status === 'failed' && held.right.failure?.stage === 'hold') return left(insufficient());
        return right({ status: 202, body: await answer(withdrawalId), headers: { Location: `/connect/withdrawals/${withdrawalId}` } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/connect/users/me/withdrawals',
      summary: 'The caller’s G2A withdrawals, newest first (Connect, issue 14)',
      description: 'Each with its status (requested, held, sent, completed, failed), the hold’s, the gateway task and why it failed. `limit` 1–100 (default 20); pass `nextCursor` as `cursor` for older ones.',
      tags: ['rewards'],
      auth: { roles: ['user'] },
      query: pageQuery,
      responses: {
        200: { description: 'A page of withdrawals', schema: pageCodec(WithdrawalView) },
        400: { description: 'A malformed limit or cursor' },
        401: { description: 'No valid access token' },
        403: { description: 'Not a user' },
      },
      handle: async ({ principal, query }) => {
        const page = readPageRequest(query, WithdrawalKey);
        const rows = await deps.queries.withdrawalsOf(principal.id, { ...(page.after ? { before: page.after } : {}), limit: page.limit });
        const items = rows.slice(0, page.limit);
        const last = items[items.length - 1];
        return right({ status: 200, body: { items, nextCursor: rows.length > page.limit && last ? encodeCursor(WithdrawalKey, { requestedAt: last.requested_at, id: last.withdrawal_id }) : null } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/connect/withdrawals/:withdrawalId',
      summary: 'A G2A withdrawal: its owner’s, or anyone’s for support and admins (Connect, issue 14)',
      description: 'Status requested → held → sent → completed | failed; `hold` says where the amount is (held, settled when the transfer is confirmed, released when it failed, refused for want of balance).',
      tags: ['rewards'],
      auth: { roles: ['user', 'support', 'admin'] },
      params: t.type({ withdrawalId: WithdrawalId }),
      responses: {
        200: { description: 'The withdrawal', schema: WithdrawalView },
        400: { description: 'A malformed withdrawal id' },
        401: { description: 'No valid access token' },
        404: { description: 'No such withdrawal (or another user’s)' },
      },
      handle: async ({ params, principal }) => {
        const view = await deps.queries.withdrawal(params.withdrawalId);
        const staff = principal.roles.includes('support') || principal.roles.includes('admin');
        if (!view || (!staff && view.user_id !== principal.id)) return left(domainError('not_found', 'withdrawal.not_found', 'no such withdrawal'));
        return right({ status: 200, body: view });
      },
    }),
  ];
}
