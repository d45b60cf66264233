import * as t from 'io-ts';
import { effectKind } from '../../sagas/effect-kind.js';

/**
 * The G2A withdrawal's steps (issue 14, item 7), enqueued by the withdrawal saga
 * (`sagas/rewards/withdrawal-saga.ts`) and performed in `withdrawal-effects.ts`. Each is
 * idempotent by the withdrawal id: the account decides holds, settlements and releases once per
 * withdrawal, the gateway one task per request id, the withdrawal each transition once.
 */

/** Hold the amount on the user's G2aAccount (the route does it at once; this finishes it after a crash). */
export const HoldWithdrawal = effectKind('rewards.hold-withdrawal', t.type({ withdrawalId: t.string }));
/** Ask the gateway for the transfer (B-3, request id = withdrawal id); a refusal (a limit …) fails the withdrawal. */
export const SendWithdrawal = effectKind('rewards.send-withdrawal', t.type({ withdrawalId: t.string }));
/** The task confirmed on chain: settle the hold, complete the withdrawal. */
export const SettleWithdrawal = effectKind('rewards.settle-withdrawal', t.type({ withdrawalId: t.string, taskId: t.string, txHash: t.union([t.string, t.null]) }));
/** The task failed for good (permanent, or out of retries): fail the withdrawal (its hold is then released). */
export const FailWithdrawal = effectKind('rewards.fail-withdrawal', t.type({ withdrawalId: t.string, taskId: t.string, error: t.string }));
/** A failed withdrawal that held its amount: give it back to the account. */
export const ReleaseWithdrawalHold = effectKind('rewards.release-withdrawal-hold', t.type({ withdrawalId: t.string, userId: t.string }));
