import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * The refresh tokens of one login: each refresh replaces the current token with a new
 * one; presenting a token that was already replaced means it leaked (or was stolen), so the
 * whole family is revoked and every holder must log in again. Only SHA-256 hashes of tokens are
 * stored.
 */
export const RefreshFamilyEvent = t.union([
  eventCodec('RefreshFamilyStarted', t.type({ familyId: t.string, userId: t.string, tokenHash: t.string, expiresAt: t.string, startedAt: t.string })),
  eventCodec('RefreshTokenRotated', t.type({ previousHash: t.string, tokenHash: t.string, expiresAt: t.string, rotatedAt: t.string })),
  eventCodec('RefreshFamilyRevoked', t.type({ reason: t.keyof({ reuse: null, logout: null }), revokedAt: t.string })),
]);
export type RefreshFamilyEvent = t.TypeOf<typeof RefreshFamilyEvent>;

export interface RefreshFamilyState {
  readonly status: 'none' | 'active' | 'revoked';
  readonly userId?: string;
  readonly currentHash?: string;
  readonly expiresAt?: string;
  readonly replaced: readonly string[];
}

export type RefreshFamilyCommand =
  | { readonly type: 'StartFamily'; readonly familyId: string; readonly userId: string; readonly tokenHash: string; readonly expiresAt: Date; readonly now: Date }
  | { readonly type: 'Rotate'; readonly presentedHash: string; readonly tokenHash: string; readonly expiresAt: Date; readonly now: Date }
  | { readonly type: 'Revoke'; readonly presentedHash: string; readonly now: Date };

export const streamOfRefreshFamily = (familyId: string): string => `RefreshFamily-${familyId}`;

const invalid = () => left(domainError('unauthorized', 'auth.refresh_invalid', 'this refresh token is not valid; log in again'));

export const refreshFamilyDecider: EventSourcedDecider<RefreshFamilyCommand, RefreshFamilyEvent, RefreshFamilyState> = {
  events: RefreshFamilyEvent,
  initialState: { status: 'none', replaced: [] },
  decide(command, state) {
    switch (command.type) {
      case 'StartFamily':
        if (state.status !== 'none') return right([]);
        return right([
          {
            type: 'RefreshFamilyStarted',
            data: { familyId: command.familyId, userId: command.userId, tokenHash: command.tokenHash, expiresAt: command.expiresAt.toISOString(), startedAt: command.now.toISOString() },
          },
        ]);
      case 'Rotate':
        if (state.status !== 'active') return invalid();
        if (state.replaced.includes(command.presentedHash)) {
          // a replaced token came back: whoever holds the family's tokens is not to be trusted
          return right([{ type: 'RefreshFamilyRevoked', data: { reason: 'reuse', revokedAt: command.now.toISOString() } }]);
        }
        if (command.presentedHash !== state.currentHash) return invalid();
        if (new Date(state.expiresAt!).getTime() <= command.now.getTime()) {
          return left(domainError('unauthorized', 'auth.refresh_expired', 'this refresh token has expired; log in again'));
        }
        return right([
          { type: 'RefreshTokenRotated', data: { previousHash: command.presentedHash, tokenHash: command.tokenHash, expiresAt: command.expiresAt.toISOString(), rotatedAt: command.now.toISOString() } },
        ]);
      case 'Revoke':
        if (state.status === 'none') return invalid();
        if (state.status === 'revoked') return right([]);
        if (command.presentedHash !== state.currentHash && !state.replaced.includes(command.presentedHash)) return invalid();
        return right([{ type: 'RefreshFamilyRevoked', data: { reason: 'logout', revokedAt: command.now.toISOString() } }]);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'RefreshFamilyStarted':
        return { status: 'active', userId: event.data.userId, currentHash: event.data.tokenHash, expiresAt: event.data.expiresAt, replaced: [] };
      case 'RefreshTokenRotated':
        return { ...state, currentHash: event.data.tokenHash, expiresAt: event.data.expiresAt, replaced: [...state.replaced, event.data.previousHash] };
      case 'RefreshFamilyRevoked':
        return { ...state, status: 'revoked' };
    }
  },
};
