import { isLeft, left } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { Position } from '../../adapters/eventstore/event-store.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { HttpProblem } from '../../adapters/http/problem.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { BADGE_TYPE, MAX_BADGE_LEVEL, MAX_ID_LENGTH } from '../../domain/rewards/badge.js';
import { domainError } from '../../domain/decider.js';
import { OnchainStatusCodec, type BadgeQueries } from '../../projections/rewards/badge-projection.js';
import type { BadgeRegistry } from './badge-registry.js';

/** The scope a service principal needs to award badges through the badge protocol. */
export const NFT_AWARD_SCOPE = 'nft:award';

const Id = (name: string, expected: string) =>
  withJsonSchema(t.refinement(t.string, (s) => s.length >= 1 && s.length <= MAX_ID_LENGTH, name), { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH }, { expected });
const BadgeType = withJsonSchema(
  t.refinement(t.string, (s) => BADGE_TYPE.test(s), 'BadgeType'),
  { type: 'string', pattern: '^[a-z0-9_]{1,64}$', examples: ['quest_master_10'] },
  { expected: 'a badge type: 1 to 64 of a-z, 0-9 and _' },
);
const Level = withJsonSchema(
  t.refinement(t.number, (n) => Number.isInteger(n) && n >= 1 && n <= MAX_BADGE_LEVEL, 'BadgeLevel'),
  { type: 'integer', minimum: 1, maximum: MAX_BADGE_LEVEL },
  { expected: `a whole number from 1 to ${MAX_BADGE_LEVEL}` },
);

const AwardBody = t.type({ award_id: Id('AwardId', 'the award id (the reward action id), 1 to 200 characters'), user_id: Id('UserId', 'a user id'), badge_type: BadgeType, level: Level });
const AwardAnswer = t.type({
  award_id: t.string,
  instance_id: t.string,
  user_id: t.string,
  badge_type: t.string,
  /** The instance's level after the award (an award at or below it leaves it). */
  level: t.number,
  onchain_status: OnchainStatusCodec,
  onchain_token_id: t.union([t.string, t.null]),
});
type AwardAnswer = t.TypeOf<typeof AwardAnswer>;

export interface NftProtocolDependencies {
  readonly registry: BadgeRegistry;
  readonly badges: BadgeQueries;
  /** Read-your-writes: resolves once the badges read model has applied the log up to `position` (bounded). */
  readonly badgesReached: (position: Position) => Promise<unknown>;
}

/**
 * The badge protocol (the NFT service's, which Connect's own badge registry serves; the HTTP
 * adapter `adapters/nft/http-nft-service.ts` speaks it to an NFT service elsewhere):
 *
 * - `POST /nft-service/v1/awards` — scope `nft:award`, `Idempotency-Key` = `award_id`, body
 *   `{award_id, user_id, badge_type, level}` → 201 (recorded) / 200 (the same award again:
 *   nothing new) / 409 `badge.award_reused` (the id with another body) / 400 naming the field →
 *   `{award_id, instance_id, user_id, badge_type, level, onchain_status, onchain_token_id}`;
 * - `GET /nft-service/v1/awards/{id}` — the award's instance as it stands now (404 unknown).
 */
export function nftProtocolRoutes(deps: NftProtocolDependencies): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/nft-service/v1/awards',
      summary: 'Award a user a badge at a level (the badge protocol; idempotent by award id)',
      description:
        'The NFT service’s award: the user’s NFTInstance of the badge type is created or raised to the level (an award at or below its level is recorded and changes nothing). ' +
        'Badge types listed in CONNECT_ONCHAIN_BADGES then go on chain through the Blockchain Gateway (B-4; a level-up of a badge on chain is an upgrade, B-5): ' +
        '`onchain_status` moves from `pending` (or `awaiting_wallet` while the user has no verified wallet) to `confirmed` with `onchain_token_id`, or `failed`. ' +
        'The `Idempotency-Key` header is required and must equal `award_id`: the same award again answers 200 with the instance as it stands; the same id with another body is a 409.',
      tags: ['rewards'],
      auth: { scopes: [NFT_AWARD_SCOPE] },
      idempotency: 'off', // idempotent by award id in the instance itself (a repeat answers 200, not the stored 201)
      body: AwardBody,
      responses: {
        200: { description: 'The same award seen before: nothing new; the instance as it stands', schema: AwardAnswer },
        201: { description: 'Recorded', schema: AwardAnswer },
        400: { description: 'A malformed field (named), or an Idempotency-Key missing or other than award_id' },
        401: { description: 'No valid access token' },
        403: { description: 'Without the scope nft:award' },
        409: { description: 'badge.award_reused: the award id was recorded with another user, badge type or level' },
        422: { description: 'A value the registry refuses, naming the field' },
      },
      handle: async ({ body, headers, principal, correlationId }) => {
        const key = headers['idempotency-key'];
        if (key !== body.award_id) {
          throw new HttpProblem(400, 'request.invalid', key === undefined ? 'Idempotency-Key is required (the award id)' : 'Idempotency-Key must equal award_id', {
            field: 'Idempotency-Key',
            errors: [{ field: 'Idempotency-Key', in: 'header', message: key === undefined ? 'is required' : 'must equal award_id' }],
          });
        }
        const earlier = await deps.badges.award(body.award_id);
        if (earlier && (earlier.badge.user_id !== body.user_id || earlier.badge.badge_type !== body.badge_type || earlier.awardedLevel !== body.level)) {
          return left(domainError('conflict', 'badge.award_reused', `award ${body.award_id} was recorded for another user, badge type or level`, 'award_id'));
        }
        const outcome = await deps.registry.award(
          { awardId: body.award_id, userId: body.user_id, badgeType: body.badge_type, level: body.level },
          { actor: `${principal.kind}:${principal.id}`, correlationId },
        );
        if (isLeft(outcome)) return outcome;
        const { answer, created, position } = outcome.right;
        if (position) await deps.badgesReached(position);
        const view: AwardAnswer = {
          award_id: answer.awardId,
          instance_id: answer.instanceId,
          user_id: body.user_id,
          badge_type: body.badge_type,
          level: answer.level,
          onchain_status: answer.onchainStatus,
          onchain_token_id: answer.onchainTokenId,
        };
        return { status: created ? 201 : 200, body: view, headers: { Location: `/nft-service/v1/awards/${encodeURIComponent(answer.awardId)}` } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/nft-service/v1/awards/:id',
      summary: 'An award and its badge instance as it stands now (the badge protocol)',
      tags: ['rewards'],
      auth: { scopes: [NFT_AWARD_SCOPE] },
      params: t.type({ id: Id('AwardId', 'an award id') }),
      responses: {
        200: { description: 'The award’s instance', schema: AwardAnswer },
        400: { description: 'A malformed award id' },
        401: { description: 'No valid access token' },
        403: { description: 'Without the scope nft:award' },
        404: { description: 'badge.unknown_award' },
      },
      handle: async ({ params }) => {
        const found = await deps.badges.award(params.id);
        if (!found) return left(domainError('not_found', 'badge.unknown_award', `no award ${params.id}`, 'id'));
        const b = found.badge;
        const view: AwardAnswer = {
          award_id: found.awardId,
          instance_id: b.instance_id,
          user_id: b.user_id,
          badge_type: b.badge_type,
          level: b.level,
          onchain_status: b.onchain_status,
          onchain_token_id: b.onchain_token_id,
        };
        return { status: 200, body: view };
      },
    }),
  ];
}
