import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { invalidInput } from '../../adapters/http/problem.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';
import { MAX_CREDIT_ID_LENGTH, MAX_REASON_LENGTH } from '../../domain/rewards/points-account.js';
import type { BalanceQueries } from '../../projections/rewards/balance-projection.js';
import { checkedString } from '../blockchain/gateway-inputs.js';
import type { PointsLedger } from './points-ledger.js';

/** Scopes of the points protocol: a service crediting points, a service reading balances. */
export const POINTS_CREDIT_SCOPE = 'points:credit';
export const POINTS_READ_SCOPE = 'points:read';

const VISIBLE = new RegExp(`^[\\x21-\\x7e]{1,${MAX_CREDIT_ID_LENGTH}}$`);
const CreditId = checkedString<{ readonly CreditId: unique symbol }>('CreditId', (s) => (VISIBLE.test(s) ? null : `must be 1 to ${MAX_CREDIT_ID_LENGTH} visible ASCII characters`), {
  type: 'string',
  pattern: `^[\\x21-\\x7e]{1,${MAX_CREDIT_ID_LENGTH}}$`,
  description: 'The credit’s idempotency key (Connect sends the reward action’s id); the same as the Idempotency-Key header',
});
const UserId = checkedString<{ readonly PointsUserId: unique symbol }>('UserId', (s) => (s.length >= 1 && s.length <= 200 && !/[\u0000-\u001f]/.test(s) ? null : 'must be 1 to 200 characters, no control characters'), {
  type: 'string',
  minLength: 1,
  maxLength: 200,
});
const Points = checkedString<{ readonly Points: unique symbol }>('Points', (s) => (/^(0|[1-9][0-9]{0,35})$/.test(s) ? null : 'must be whole points as a decimal string (no sign, no leading zeros)'), {
  type: 'string',
  pattern: '^(0|[1-9][0-9]{0,35})$',
  description: 'Whole points as a decimal string; more than 0 (0 is a 422)',
  examples: ['100'],
});
const Reason = checkedString<{ readonly Reason: unique symbol }>('Reason', (s) => (s.length >= 1 && s.length <= MAX_REASON_LENGTH ? null : `must be 1 to ${MAX_REASON_LENGTH} characters`), {
  type: 'string',
  minLength: 1,
  maxLength: MAX_REASON_LENGTH,
  description: 'Why, for the user’s statement (no personal data)',
});

const CreditBody = t.type({ credit_id: CreditId, user_id: UserId, amount: Points, reason: Reason });
export const PointsCreditAnswer = t.type({ credit_id: t.string, entry_id: t.string, user_id: t.string, amount: t.string, balance_after: t.string });
export const PointsBalanceAnswer = t.type({ user_id: t.string, balance: t.string });

/**
 * The points protocol (issue 14, item 6) — what Connect's HTTP adapter speaks to a Points
 * service, and what Connect's own points ledger serves for other services (and for the
 * adapter's contract suite). Reference in docs/architecture.md "Rewards", the points protocol:
 *
 * - `POST /points/v1/credits`, scope `points:credit`, header `Idempotency-Key` = `credit_id`,
 *   body `{credit_id, user_id, amount, reason}` → 201 `{credit_id, entry_id, user_id, amount,
 *   balance_after}` the first time, 200 with the same answer for a repeat of the same body, 409
 *   `points.credit_id_reused` for the same id with another body, 400 (malformed, naming the
 *   field; a missing or different Idempotency-Key) and 422 (amount 0) naming the field.
 * - `GET /points/v1/users/{userId}/balance`, scope `points:read` → 200 `{user_id, balance}`.
 *
 * The edge's stored-response idempotency is off here: the protocol's own answers (201, then 200
 * for a repeat) are the ledger's, by credit id. One credit id is one user's: the account decides
 * per user, and a credit id already recorded for another user (the read model says) is a 409 —
 * two requests with one id for two users at the same instant are not caught (callers use unique
 * ids: Connect sends action ids).
 */
export function pointsProtocolRoutes(deps: { readonly ledger: PointsLedger; readonly queries: Pick<BalanceQueries, 'usersOfCredit'> }): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/points/v1/credits',
      summary: 'Credit points to a user, once per credit id (the points protocol)',
      description:
        'The Points service protocol Connect follows (its own ledger serves it). `Idempotency-Key` must equal `credit_id`. 201 the first time; a repeat with the same body answers 200 with the same entry (nothing new); the same credit id with another user, amount or reason is 409 `points.credit_id_reused`.',
      tags: ['rewards', 'points-protocol'],
      auth: { scopes: [POINTS_CREDIT_SCOPE] },
      idempotency: 'off',
      body: CreditBody,
      responses: {
        201: { description: 'Credited', schema: PointsCreditAnswer },
        200: { description: 'Credited before with the same body: the same entry', schema: PointsCreditAnswer },
        400: { description: 'A malformed body (naming the field), or Idempotency-Key missing or not equal to credit_id' },
        401: { description: 'No valid access token' },
        403: { description: 'Without the scope points:credit' },
        409: { description: 'points.credit_id_reused: the credit id was used with another body' },
        422: { description: 'points.invalid_amount: amount 0' },
        429: { description: 'points.busy: the account is written by many at once; retry with the same key' },
      },
      handle: async ({ body, idempotencyKey, correlationId }) => {
        if (idempotencyKey === undefined) throw invalidInput([{ field: 'Idempotency-Key', in: 'header', message: 'is required (the credit id)' }]);
        if (idempotencyKey !== body.credit_id) throw invalidInput([{ field: 'Idempotency-Key', in: 'header', message: 'must equal credit_id' }]);
        const others = (await deps.queries.usersOfCredit(body.credit_id)).filter((user) => user !== body.user_id);
        if (others.length > 0) return left(domainError('conflict', 'points.credit_id_reused', `credit ${body.credit_id} is already recorded for another user`, 'credit_id'));
        const outcome = await deps.ledger.credit({ creditId: body.credit_id, userId: body.user_id, amount: BigInt(body.amount), reason: body.reason, correlationId });
        if (outcome._tag === 'Left') return outcome;
        const c = outcome.right;
        const answer = { credit_id: c.creditId, entry_id: c.entryId, user_id: c.userId, amount: c.amount.toString(), balance_after: c.balanceAfter.toString() };
        return right({ status: c.recordedNow ? 201 : 200, body: answer });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/points/v1/users/:userId/balance',
      summary: 'A user’s points balance (the points protocol)',
      description: 'From the account itself (not a read model): every credit answered before is in it. A user never credited has 0.',
      tags: ['rewards', 'points-protocol'],
      auth: { scopes: [POINTS_READ_SCOPE] },
      params: t.type({ userId: UserId }),
      responses: {
        200: { description: 'The balance', schema: PointsBalanceAnswer },
        400: { description: 'A malformed user id' },
        401: { description: 'No valid access token' },
        403: { description: 'Without the scope points:read' },
      },
      handle: async ({ params }) => right({ status: 200, body: { user_id: params.userId, balance: (await deps.ledger.balanceOf(params.userId)).toString() } }),
    }),
  ];
}
