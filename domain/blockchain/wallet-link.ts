import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * WalletBinding of one user (B-2): the gateway issues single-use random challenges with a
 * short expiry; a ton_proof signed over an outstanding challenge verifies the wallet.
 * Checking the signature is the adapter's work; this decider guards expiry and single use.
 */
export const WalletLinkEvent = t.union([
  eventCodec('WalletLinkChallengeIssued', t.type({ userId: t.string, payload: t.string, expiresAt: t.string, issuedAt: t.string })),
  eventCodec('WalletLinkVerified', t.type({ userId: t.string, address: t.string, publicKey: t.string, payload: t.string, verifiedAt: t.string })),
  eventCodec('WalletLinkRejected', t.type({ userId: t.string, payload: t.string, reason: t.string, rejectedAt: t.string })),
]);
export type WalletLinkEvent = t.TypeOf<typeof WalletLinkEvent>;

export interface Challenge {
  readonly expiresAt: string;
  readonly used: boolean;
}

export interface WalletLinkState {
  /**
   * Challenges issued to this user, by payload. A Map, not an object: a payload is any string a
   * caller sends, and an object would answer `constructor`, `__proto__`, `toString` … from its
   * prototype as if they had been issued.
   */
  readonly challenges: ReadonlyMap<string, Challenge>;
  /** Verified wallet addresses (raw form `0:<hex>`) of the user. */
  readonly verified: readonly string[];
}

export type WalletLinkCommand =
  | { readonly type: 'IssueChallenge'; readonly userId: string; readonly payload: string; readonly ttlSeconds: number; readonly now: Date }
  | {
      readonly type: 'ConfirmLink';
      readonly userId: string;
      readonly payload: string;
      readonly address: string;
      readonly publicKey: string;
      /** The adapter's verdict on the proof: null when valid, else why not. */
      readonly proofProblem: string | null;
      readonly now: Date;
    };

export const streamOfWalletLink = (userId: string): string => `WalletLink-${userId}`;

export const walletLinkDecider: EventSourcedDecider<WalletLinkCommand, WalletLinkEvent, WalletLinkState> = {
  events: WalletLinkEvent,
  initialState: { challenges: new Map(), verified: [] },
  decide(command, state) {
    switch (command.type) {
      case 'IssueChallenge':
        return right([
          {
            type: 'WalletLinkChallengeIssued',
            data: {
              userId: command.userId,
              payload: command.payload,
              expiresAt: new Date(command.now.getTime() + command.ttlSeconds * 1000).toISOString(),
              issuedAt: command.now.toISOString(),
            },
          },
        ]);
      case 'ConfirmLink': {
        const challenge = state.challenges.get(command.payload);
        if (!challenge) return left(domainError('rule_violated', 'wallet_link.unknown_payload', 'the payload was not issued to this user', 'proof.payload'));
        if (challenge.used) return left(domainError('conflict', 'wallet_link.payload_used', 'the payload was already used; request a new one', 'proof.payload'));
        if (new Date(challenge.expiresAt) <= command.now) {
          return left(domainError('rule_violated', 'wallet_link.payload_expired', 'the payload has expired; request a new one', 'proof.payload'));
        }
        if (command.proofProblem) {
          // The attempt consumes the payload: a refused proof cannot be retried with variations.
          return right([{ type: 'WalletLinkRejected', data: { userId: command.userId, payload: command.payload, reason: command.proofProblem, rejectedAt: command.now.toISOString() } }]);
        }
        return right([
          {
            type: 'WalletLinkVerified',
            data: { userId: command.userId, address: command.address, publicKey: command.publicKey, payload: command.payload, verifiedAt: command.now.toISOString() },
          },
        ]);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'WalletLinkChallengeIssued':
        return { ...state, challenges: withChallenge(state.challenges, event.data.payload, { expiresAt: event.data.expiresAt, used: false }) };
      case 'WalletLinkVerified':
        return {
          challenges: spent(state.challenges, event.data.payload),
          verified: state.verified.includes(event.data.address) ? state.verified : [...state.verified, event.data.address],
        };
      case 'WalletLinkRejected':
        return { ...state, challenges: spent(state.challenges, event.data.payload) };
    }
  },
};

/** A copy with one more challenge (states are values: the one folded before is left as it was). */
function withChallenge(challenges: ReadonlyMap<string, Challenge>, payload: string, challenge: Challenge): ReadonlyMap<string, Challenge> {
  return new Map(challenges).set(payload, challenge);
}

function spent(challenges: ReadonlyMap<string, Challenge>, payload: string): ReadonlyMap<string, Challenge> {
  const challenge = challenges.get(payload);
  return challenge ? withChallenge(challenges, payload, { ...challenge, used: true }) : challenges;
}
