import { isLeft, left } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import type { Principal } from '../../adapters/http/principal.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { tooManyAttempts, type TokenBucketLimiter } from '../../adapters/http/rate-limiter.js';
import { blockchainTaskDecider, streamOfTask } from '../../domain/blockchain/blockchain-task.js';
import type { Operation } from '../../domain/blockchain/operation.js';
import type { TransferLimits } from '../../domain/blockchain/transfer-allowance.js';
import { domainError } from '../../domain/decider.js';
import type { Clock } from '../../platform/clock.js';
import type { BadgeQueries } from '../../projections/blockchain/task-projection.js';
import { loadAggregate } from '../load-aggregate.js';
import { mayRetireBadge } from './badge-retirement.js';
import { ItemIndex, JettonAmount } from './gateway-inputs.js';
import { requestTask, type RequestedTask } from './request-task.js';
import { requestTransfer } from './request-transfer.js';
import { taskIdFor } from './task-id.js';
import { TonAddress } from './ton-address.js';
import { confirmWalletLink, requestWalletLink, type TonProofVerifier, type WalletLinkSettings } from './wallet-linking.js';

export interface GatewayCommandDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly limits: TransferLimits;
  readonly walletLink: WalletLinkSettings;
  readonly verifier: TonProofVerifier;
  readonly confirmLimiter: TokenBucketLimiter;
  /**
   * Read-your-writes: resolves once the task read model has caught up with `position` (bounded),
   * so a `GET /tasks/{id}` right after the 202 finds the task.
   */
  readonly taskViewReached: (position: Position) => Promise<unknown>;
  /** Who minted which badge (the task read model): /nft/upgrade retires only the caller's own. */
  readonly badges: BadgeQueries;
}

/** The scope a service principal (the BFF) needs to link a wallet on behalf of a user. */
export const WALLET_LINK_SCOPE = 'wallet:link';

const CallbackUrl = t.refinement(t.string, (s) => /^https?:\/\/[^\s]+$/.test(s) && s.length <= 2000, 'HttpUrl');
const RequestId = t.refinement(t.string, (s) => s.length >= 1 && s.length <= 200, 'RequestId');
const Badge = t.refinement(t.string, (s) => /^[a-z0-9_]{1,64}$/.test(s), 'BadgeCode');
const Level = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 1 && n <= 1000, 'BadgeLevel');
const UserId = t.refinement(t.string, (s) => s.length >= 1 && s.length <= 200, 'UserId');

const withCallback = t.partial({ callback_url: CallbackUrl });
const MintBody = t.intersection([t.type({ request_id: RequestId, to_address: TonAddress, amount: JettonAmount }), t.partial({ user_id: UserId }), withCallback]);
const TransferBody = t.intersection([t.type({ request_id: RequestId, user_id: UserId, to_address: TonAddress, amount: JettonAmount }), withCallback]);
const NftMintBody = t.intersection([t.type({ request_id: RequestId, user_id: UserId, to_address: TonAddress, badge: Badge, level: Level }), withCallback]);
const NftUpgradeBody = t.intersection([
  t.type({ request_id: RequestId, user_id: UserId, to_address: TonAddress, old_token_id: ItemIndex, badge: Badge, level: Level }),
  withCallback,
]);
const TaskAccepted = t.type({ task_id: t.string, status: t.string, created: t.boolean });
const accepted = {
  202: { description: 'Task accepted (or the same request seen before); follow it with GET /tasks/{id}', schema: TaskAccepted },
  400: { description: 'Input the contracts cannot carry, naming the field: an unparsable address or one outside workchains 0 and -1, an amount of 0 or of 2^120 and more' },
  409: { description: 'request_id already used with other parameters' },
};

const ProofBody = t.type({
  address: TonAddress,
  proof: t.intersection([
    t.type({ timestamp: t.number, domain: t.type({ lengthBytes: t.number, value: t.string }), payload: t.string, signature: t.string }),
    t.partial({ state_init: t.string }),
  ]),
});

/** The initiator id of a service principal, or the caller's user id. */
const initiatorOf = (principal: Principal) => `${principal.kind}:${principal.id}`;

/**
 * Who the wallet belongs to: a user links their own (an admin may name another); a service
 * (the BFF) names the user and needs the scope wallet:link. Either way the proof must be over a
 * payload issued to that user's WalletLink stream, so a proof made for one user's challenge (or
 * for none) cannot bind a wallet to another user.
 */
function walletOwner(principal: Principal, userId: string | undefined) {
  const admin = principal.roles.includes('admin');
  if (principal.kind === 'user') {
    if (userId !== undefined && userId !== principal.id && !admin) {
      return left(domainError('forbidden', 'wallet.other_user', 'a user links only their own wallet', 'user_id'));
    }
    return { _tag: 'Right' as const, right: userId ?? principal.id };
  }
  if (!admin && !principal.scopes.includes(WALLET_LINK_SCOPE)) {
    return left(domainError('forbidden', 'auth.forbidden', `a service links a user's wallet only with the scope ${WALLET_LINK_SCOPE}`));
  }
  if (userId === undefined) return left(domainError('rule_violated', 'wallet.user_required', 'a service must name the user', 'user_id'));
  return { _tag: 'Right' as const, right: userId };
}

const walletLinkAccess =
  'A user links their own wallet (an admin may name user_id). A service principal (the BFF) names user_id and needs the scope wallet:link; ' +
  "the proof must then be the user's wallet's ton_proof over the payload issued for that user.";

async function acceptedResponse(result: RequestedTask, taskViewReached: (position: Position) => Promise<unknown>) {
  if (result.position) await taskViewReached(result.position);
  return {
    status: 202,
    body: { task_id: result.taskId, status: result.state.status, created: result.created },
    headers: { Location: `/tasks/${result.taskId}`, ...(result.position ? { 'X-Log-Position': formatPosition(result.position) } : {}) },
  };
}

/** Command routes of the Blockchain Gateway (B-1 … B-6). Machine callers use service principals with scopes. */
export function gatewayCommandRoutes(deps: GatewayCommandDependencies): Route[] {
  const task = (principal: Principal, correlationId: string, requestId: string, operation: Operation, callbackUrl?: string) =>
    requestTask(deps.store, {
      initiator: initiatorOf(principal),
      requestId,
      operation,
      ...(callbackUrl ? { callbackUrl } : {}),
      now: deps.clock.now(),
      correlationId,
    });
  return [
    defineRoute({
      method: 'post',
      path: '/g2a/mint',
      summary: 'Mint G2A jettons to an address (B-1)',
      description: 'Idempotent by request_id: the same request returns the same task. Amount in jetton units (9 decimals) as a decimal string.',
      tags: ['blockchain'],
      auth: { scopes: ['g2a:mint'] },
      body: MintBody,
      responses: accepted,
      handle: async ({ body, principal, correlationId }) => {
        const operation: Operation = { kind: 'g2a_mint', to: body.to_address, amount: body.amount };
        const result = await task(principal, correlationId, body.request_id, operation, body.callback_url);
        return isLeft(result) ? result : acceptedResponse(result.right, deps.taskViewReached);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/g2a/transfer',
      summary: "Send G2A from the gateway's wallet to a user's verified wallet (B-3)",
      description: 'Refused with 422 when the wallet is not verified for the user or a limit (per transfer, per user per day, global per day) would be exceeded.',
      tags: ['blockchain'],
      auth: { scopes: ['g2a:transfer'] },
      body: TransferBody,
      responses: { ...accepted, 422: { description: 'Wallet not verified, or over a limit' } },
      handle: async ({ body, principal, correlationId }) => {
        const result = await requestTransfer(deps.store, {
          initiator: initiatorOf(principal),
          requestId: body.request_id,
          userId: body.user_id,
          to: body.to_address,
          amount: BigInt(body.amount),
          ...(body.callback_url ? { callbackUrl: body.callback_url } : {}),
          limits: deps.limits,
          now: deps.clock.now(),
          correlationId,
        });
        return isLeft(result) ? result : acceptedResponse(result.right, deps.taskViewReached);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/nft/mint',
      summary: 'Mint a badge NFT (TEP-62/64) to an address (B-4)',
      description: 'The callback carries onchain_token_id = the item index.',
      tags: ['blockchain'],
      auth: { scopes: ['nft:mint'] },
      body: NftMintBody,
      responses: accepted,
      handle: async ({ body, principal, correlationId }) => {
        const operation: Operation = { kind: 'nft_mint', to: body.to_address, userId: body.user_id, badge: body.badge, level: body.level };
        const result = await task(principal, correlationId, body.request_id, operation, body.callback_url);
        return isLeft(result) ? result : acceptedResponse(result.right, deps.taskViewReached);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/nft/upgrade',
      summary: 'Retire a badge and mint its successor with new metadata, as one task (B-5)',
      description:
        'old_token_id must be a badge the caller minted (an nft_mint or nft_upgrade task of the same caller, confirmed, whose item index it is) for the same user_id; an admin may name any badge.',
      tags: ['blockchain'],
      auth: { scopes: ['nft:mint'] },
      body: NftUpgradeBody,
      responses: {
        ...accepted,
        403: { description: 'nft.not_your_badge: old_token_id was minted by another caller' },
        409: { description: 'request_id already used with other parameters, or nft.badge_retired: old_token_id is already retired or being retired' },
        422: { description: 'nft.unknown_badge: no confirmed badge with item index old_token_id; nft.badge_of_other_user: it was minted for another user_id' },
      },
      handle: async ({ body, principal, correlationId }) => {
        const initiator = initiatorOf(principal);
        const retirable = await mayRetireBadge(deps, {
          initiator,
          admin: principal.roles.includes('admin'),
          userId: body.user_id,
          itemIndex: body.old_token_id,
          taskId: taskIdFor(initiator, body.request_id),
        });
        if (isLeft(retirable)) return retirable;
        const operation: Operation = {
          kind: 'nft_upgrade',
          to: body.to_address,
          userId: body.user_id,
          badge: body.badge,
          level: body.level,
          retiredItemIndex: body.old_token_id,
        };
        const result = await task(principal, correlationId, body.request_id, operation, body.callback_url);
        return isLeft(result) ? result : acceptedResponse(result.right, deps.taskViewReached);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tasks/:id/resubmit',
      summary: 'Try a failed task again as a new task (B-6)',
      tags: ['blockchain'],
      auth: { scopes: [] },
      params: t.type({ id: t.string }),
      body: t.type({ request_id: RequestId }),
      responses: {
        202: accepted[202],
        404: { description: 'No such task of this caller' },
        409: { description: 'The task has not failed; request_id already used with other parameters; nft.badge_retired: the badge of a failed upgrade was retired by another upgrade since' },
      },
      handle: async ({ params, body, principal, correlationId }) => {
        const original = await loadAggregate(deps.store, blockchainTaskDecider, streamOfTask(params.id));
        const state = original.state;
        if (state.status === 'none' || (state.initiator !== initiatorOf(principal) && !principal.roles.includes('admin'))) {
          return left(domainError('not_found', 'task.not_found', `no task ${params.id}`, 'id'));
        }
        if (state.status !== 'failed') return left(domainError('conflict', 'task.not_failed', `task ${params.id} is ${state.status}; only a failed task can be resubmitted`));
        if (state.operation.kind === 'nft_upgrade') {
          // Its badge was the caller's when the upgrade was first asked; it must not be retired by another upgrade since.
          const retirable = await mayRetireBadge(deps, {
            initiator: state.initiator,
            admin: true,
            userId: state.operation.userId,
            itemIndex: state.operation.retiredItemIndex,
            taskId: taskIdFor(state.initiator, body.request_id),
          });
          if (isLeft(retirable)) return retirable;
        }
        const result = await requestTask(deps.store, {
          initiator: state.initiator,
          requestId: body.request_id,
          operation: state.operation,
          ...(state.callbackUrl ? { callbackUrl: state.callbackUrl } : {}),
          resubmittedFrom: params.id,
          now: deps.clock.now(),
          correlationId,
        });
        return isLeft(result) ? result : acceptedResponse(result.right, deps.taskViewReached);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/wallet/link/request',
      summary: 'Start linking a TON wallet: a single-use payload to sign with ton_proof (B-2)',
      description: `The payload is issued to one user (the caller, or user_id): only a proof over it confirms a wallet for that user. ${walletLinkAccess}`,
      tags: ['blockchain'],
      auth: { scopes: [] },
      body: t.partial({ user_id: UserId }),
      responses: {
        201: { description: 'The payload, its expiry and the domain the proof must name', schema: t.type({ payload: t.string, expires_at: t.string, domain: t.string }) },
        403: { description: 'A service without the scope wallet:link, or a user naming another user' },
        422: { description: 'A service that names no user_id' },
      },
      handle: async ({ body, principal, correlationId }) => {
        const owner = walletOwner(principal, body.user_id);
        if (isLeft(owner)) return owner;
        const result = await requestWalletLink(deps.store, owner.right, deps.walletLink, deps.clock.now(), correlationId);
        if (isLeft(result)) return result;
        return { status: 201, body: { payload: result.right.payload, expires_at: result.right.expiresAt, domain: result.right.domain } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/wallet/link/confirm',
      summary: 'Finish linking: verify the ton_proof and mark the wallet verified (B-2)',
      description: `The proof's payload must have been issued to this user by /wallet/link/request, unused and unexpired. ${walletLinkAccess}`,
      tags: ['blockchain'],
      auth: { scopes: [] },
      body: t.intersection([ProofBody, t.partial({ user_id: UserId })]),
      responses: {
        200: { description: 'Verified', schema: t.type({ address: t.string, status: t.literal('verified') }) },
        403: { description: 'A service without the scope wallet:link, or a user naming another user' },
        409: { description: 'wallet_link.payload_used: the payload was already used' },
        422: {
          description:
            'Proof refused (the problem names the field: address, proof.domain, proof.timestamp, proof.payload, proof.signature); wallet_link.unknown_payload: the payload was never issued to this user',
        },
        429: { description: 'Too many attempts' },
      },
      handle: async ({ body, principal, correlationId }) => {
        const owner = walletOwner(principal, body.user_id);
        if (isLeft(owner)) return owner;
        const allowed = deps.confirmLimiter.take(`wallet-confirm:${owner.right}`);
        if (!allowed.allowed) return left(tooManyAttempts('wallet_link.too_many_attempts', 'too many wallet proofs; wait and request a new payload', allowed.retryAfterSeconds));
        const { state_init: stateInit, ...proof } = body.proof;
        const result = await confirmWalletLink(
          deps.store,
          deps.verifier,
          { userId: owner.right, address: body.address, proof: { ...proof, ...(stateInit ? { stateInit } : {}) }, now: deps.clock.now(), correlationId },
          deps.walletLink,
        );
        return isLeft(result) ? result : { status: 200, body: result.right };
      },
    }),
  ];
}
