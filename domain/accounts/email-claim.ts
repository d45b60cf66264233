import { createHash } from 'node:crypto';
import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * One e-mail address belongs to one account: the claim is its own stream, keyed by a hash of
 * the normalized address, so two registrations racing for it meet on one expected revision.
 */
export const EmailClaimEvent = eventCodec('EmailClaimed', t.type({ userId: t.string, claimedAt: t.string }));
export type EmailClaimEvent = t.TypeOf<typeof EmailClaimEvent>;

export interface EmailClaimState {
  readonly userId?: string;
}

export type EmailClaimCommand = { readonly type: 'ClaimEmail'; readonly userId: string; readonly now: Date };

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
export const streamOfEmail = (email: string): string => `UserEmail-${createHash('sha256').update(normalizeEmail(email)).digest('hex').slice(0, 40)}`;

export const emailClaimDecider: EventSourcedDecider<EmailClaimCommand, EmailClaimEvent, EmailClaimState> = {
  events: EmailClaimEvent,
  initialState: {},
  decide(command, state) {
    if (state.userId === undefined) return right([{ type: 'EmailClaimed', data: { userId: command.userId, claimedAt: command.now.toISOString() } }]);
    if (state.userId === command.userId) return right([]);
    return left(domainError('conflict', 'auth.email_taken', 'an account with this e-mail exists', 'email'));
  },
  evolve: (_state, event) => ({ userId: event.data.userId }),
};
