import * as t from 'io-ts';
import { effectKind } from '../../sagas/effect-kind.js';

/** ISSUE_BLOCKED (G-2): tell the operators a pool ran out; one per exhaustion (the saga keys it by the event). */
export const AlertOperators = effectKind('gcp.alert-operators', t.type({ alertId: t.string, nominal: t.string, currency: t.string, channel: t.string }));
