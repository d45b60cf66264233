import { refreshFamilyDecider, type RefreshFamilyEvent } from '../../../domain/accounts/refresh-family.js';
import { emailClaimDecider } from '../../../domain/accounts/email-claim.js';
import { userDecider, type UserEvent } from '../../../domain/accounts/user.js';
import { given } from '../../support/decider-spec.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const LATER = new Date('2030-01-01T00:10:00Z');
const EXPIRES = new Date('2030-01-02T00:00:00Z');
const started: RefreshFamilyEvent = { type: 'RefreshFamilyStarted', data: { familyId: 'f', userId: 'u', tokenHash: 'h1', expiresAt: EXPIRES.toISOString(), startedAt: NOW.toISOString() } };
const rotated: RefreshFamilyEvent = { type: 'RefreshTokenRotated', data: { previousHash: 'h1', tokenHash: 'h2', expiresAt: EXPIRES.toISOString(), rotatedAt: LATER.toISOString() } };
const rotate = (presentedHash: string, now = LATER) => ({ type: 'Rotate' as const, presentedHash, tokenHash: 'h2', expiresAt: EXPIRES, now });

describe('RefreshTokenFamily decider (A-1)', () => {
  it('given the current token, when it is presented, then it is rotated', () => {
    given(refreshFamilyDecider, [started]).when(rotate('h1')).then([rotated]);
  });

  it('given a rotated token presented again, then the whole family is revoked (reuse detection)', () => {
    given(refreshFamilyDecider, [started, rotated]).when(rotate('h1')).then([{ type: 'RefreshFamilyRevoked', data: { reason: 'reuse', revokedAt: LATER.toISOString() } }]);
  });

  it('given a revoked family, an unknown token or an expired one, then 401', () => {
    const revoked: RefreshFamilyEvent = { type: 'RefreshFamilyRevoked', data: { reason: 'logout', revokedAt: LATER.toISOString() } };
    given(refreshFamilyDecider, [started, revoked]).when(rotate('h1')).thenFails('auth.refresh_invalid', { kind: 'unauthorized' });
    given(refreshFamilyDecider, [started]).when(rotate('forged')).thenFails('auth.refresh_invalid');
    given(refreshFamilyDecider, [started]).when(rotate('h1', new Date('2030-01-03T00:00:00Z'))).thenFails('auth.refresh_expired');
  });

  it('given no family, when a login starts one, then it holds the first token hash; starting it again changes nothing', () => {
    given(refreshFamilyDecider, []).when({ type: 'StartFamily', familyId: 'f', userId: 'u', tokenHash: 'h1', expiresAt: EXPIRES, now: NOW }).then([started]);
    given(refreshFamilyDecider, [started]).when({ type: 'StartFamily', familyId: 'f', userId: 'u', tokenHash: 'h9', expiresAt: EXPIRES, now: NOW }).then([]);
  });

  it('given a family, when its current or an earlier token logs out, then the family is revoked; a second logout changes nothing', () => {
    const loggedOut: RefreshFamilyEvent = { type: 'RefreshFamilyRevoked', data: { reason: 'logout', revokedAt: LATER.toISOString() } };
    given(refreshFamilyDecider, [started, rotated]).when({ type: 'Revoke', presentedHash: 'h2', now: LATER }).then([loggedOut]);
    given(refreshFamilyDecider, [started, rotated]).when({ type: 'Revoke', presentedHash: 'h1', now: LATER }).then([loggedOut]);
    given(refreshFamilyDecider, [started, loggedOut]).when({ type: 'Revoke', presentedHash: 'h1', now: LATER }).then([]);
  });

  it('given a family, when a token that was never its own logs out, then 401 and nothing changes', () => {
    given(refreshFamilyDecider, [started]).when({ type: 'Revoke', presentedHash: 'forged', now: LATER }).thenFails('auth.refresh_invalid', { kind: 'unauthorized' });
    given(refreshFamilyDecider, []).when({ type: 'Revoke', presentedHash: 'h1', now: LATER }).thenFails('auth.refresh_invalid');
  });
});

describe('User and e-mail claim deciders (A-1 … A-3)', () => {
  const registered: UserEvent = { type: 'UserRegistered', data: { userId: 'u', email: 'a@b.c', displayName: 'A', passwordHash: '$argon2id$…', roles: ['user'], registeredAt: NOW.toISOString() } };
  it('given a claimed e-mail, then another account cannot claim it; the same account may again', () => {
    const claimed = { type: 'EmailClaimed' as const, data: { userId: 'u', claimedAt: NOW.toISOString() } };
    given(emailClaimDecider, [claimed]).when({ type: 'ClaimEmail', userId: 'v', now: NOW }).thenFails('auth.email_taken', { field: 'email' });
    given(emailClaimDecider, [claimed]).when({ type: 'ClaimEmail', userId: 'u', now: NOW }).then([]);
  });

  it('given a user, then becoming organizer is idempotent, only admins grant roles, and nobody loses the user role', () => {
    const organizer: UserEvent = { type: 'UserRoleGranted', data: { role: 'organizer', grantedBy: 'u', grantedAt: NOW.toISOString() } };
    given(userDecider, [registered]).when({ type: 'BecomeOrganizer', now: NOW }).then([organizer]);
    given(userDecider, [registered, organizer]).when({ type: 'BecomeOrganizer', now: NOW }).then([]);
    given(userDecider, [registered]).when({ type: 'GrantRole', role: 'scanner', by: { id: 'u', isAdmin: false }, now: NOW }).thenFails('user.not_admin', { kind: 'forbidden' });
    given(userDecider, [registered]).when({ type: 'RevokeRole', role: 'user', by: { id: 'adm', isAdmin: true }, now: NOW }).thenFails('user.role_permanent');
  });
});
