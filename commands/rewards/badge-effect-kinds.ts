import * as t from 'io-ts';
import { effectKind } from '../../sagas/effect-kind.js';

/**
 * The on-chain badge saga's steps (sagas/rewards/badge-onchain-saga.ts), performed by
 * `badge-effects.ts`. Each payload carries `decidedAt` (the moment the saga decided): the
 * commands are stamped with it, so a retried effect repeats the same command.
 */

/**
 * Put a badge on chain at `level`: the user's verified wallet (none → the badge awaits one), a
 * mint for the first on-chain level or an upgrade of the badge confirmed on chain, recorded on
 * the instance before the gateway is asked (request id from instance and level).
 */
export const RequestBadgeOnchain = effectKind('rewards.badge-onchain', t.type({ userId: t.string, badgeType: t.string, level: t.number, decidedAt: t.string }));

/** The gateway's task of a badge request ended: confirmed with the item index, or failed. */
export const RecordBadgeOnchainOutcome = effectKind(
  'rewards.badge-onchain-outcome',
  t.type({
    userId: t.string,
    badgeType: t.string,
    requestId: t.string,
    outcome: t.union([
      t.type({ status: t.literal('confirmed'), onchainTokenId: t.union([t.string, t.null]), itemAddress: t.union([t.string, t.null]) }),
      t.type({ status: t.literal('failed'), error: t.string }),
    ]),
    decidedAt: t.string,
  }),
);
