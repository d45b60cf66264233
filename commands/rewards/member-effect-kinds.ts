import * as t from 'io-ts';
import { effectKind } from '../../sagas/effect-kind.js';

/**
 * An upgrade report (`referral.user_upgraded_to_vip`, `user.upgraded_to_pro`) raises the member's
 * tier on `ConnectMember-<userId>`, releasing the locked rewards it satisfies. One per
 * upgrade event: the saga keys it by the event id (`rewards.raise-tier:<eventId>`).
 */
export const RaiseMemberTier = effectKind('rewards.raise-tier', t.type({ userId: t.string, tier: t.keyof({ vip: null, pro: null }), eventId: t.string }));
