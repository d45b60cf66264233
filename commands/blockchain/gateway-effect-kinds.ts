import * as t from 'io-ts';
import { effectKind } from '../../sagas/effect-kind.js';

/** The outbox effects of the gateway, declared once (the task follow-up saga enqueues, `gateway-effects.ts` performs). */
export const DeliverCallback = effectKind('blockchain.callback', t.type({ taskId: t.string }));
export const ReleaseAllowance = effectKind('blockchain.release-allowance', t.type({ taskId: t.string, day: t.string }));
export const MarkRetryDue = effectKind('blockchain.mark-retry-due', t.type({ taskId: t.string, retryCount: t.number }));
