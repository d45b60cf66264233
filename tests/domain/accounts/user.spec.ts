import { emailClaimDecider, normalizeEmail, streamOfEmail } from '../../../domain/accounts/email-claim.js';
import { userDecider, type UserEvent } from '../../../domain/accounts/user.js';
import { given } from '../../support/decider-spec.js';
import assert from 'node:assert/strict';

const NOW = new Date('2030-01-01T00:00:00Z');
const register = (roles: ('admin' | 'organizer')[] = []) => ({
  type: 'RegisterUser' as const,
  userId: 'u',
  email: 'ann@example.com',
  displayName: 'Ann',
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$salt$hash',
  roles,
  now: NOW,
});
const registered: UserEvent = {
  type: 'UserRegistered',
  data: { userId: 'u', email: 'ann@example.com', displayName: 'Ann', passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$salt$hash', roles: ['user'], registeredAt: NOW.toISOString() },
};
const admin = { id: 'root', isAdmin: true };

describe('User decider (A-1 … A-3)', () => {
  it('given no account, when one registers, then it is registered with the user role', () => {
    given(userDecider, []).when(register()).then([registered]);
  });

  it('given no account, when an ADMIN_EMAILS address registers, then it is registered as user and admin', () => {
    given(userDecider, [])
      .when(register(['admin']))
      .then([{ type: 'UserRegistered', data: { ...(registered.data as Extract<UserEvent, { type: 'UserRegistered' }>['data']), roles: ['user', 'admin'] } }]);
  });

  it('given a registered account, when the same id registers again, then 409 naming the e-mail', () => {
    given(userDecider, [registered]).when(register()).thenFails('auth.email_taken', { kind: 'conflict', field: 'email' });
  });

  it('given no account, when someone becomes organizer or an admin grants a role, then 404', () => {
    given(userDecider, []).when({ type: 'BecomeOrganizer', now: NOW }).thenFails('user.not_found', { kind: 'not_found' });
    given(userDecider, []).when({ type: 'GrantRole', role: 'scanner', by: admin, now: NOW }).thenFails('user.not_found');
  });

  it('given an admin, when they grant scanner twice, then one grant is recorded', () => {
    const granted: UserEvent = { type: 'UserRoleGranted', data: { role: 'scanner', grantedBy: 'root', grantedAt: NOW.toISOString() } };
    const state = given(userDecider, [registered]).when({ type: 'GrantRole', role: 'scanner', by: admin, now: NOW }).then([granted]);
    assert.deepEqual(state.roles, ['user', 'scanner']);
    given(userDecider, [registered, granted]).when({ type: 'GrantRole', role: 'scanner', by: admin, now: NOW }).then([]);
  });

  it('given a granted role, when an admin revokes it, then it is gone; revoking a role not held changes nothing', () => {
    const granted: UserEvent = { type: 'UserRoleGranted', data: { role: 'support', grantedBy: 'root', grantedAt: NOW.toISOString() } };
    const revoked: UserEvent = { type: 'UserRoleRevoked', data: { role: 'support', revokedBy: 'root', revokedAt: NOW.toISOString() } };
    const state = given(userDecider, [registered, granted]).when({ type: 'RevokeRole', role: 'support', by: admin, now: NOW }).then([revoked]);
    assert.deepEqual(state.roles, ['user']);
    given(userDecider, [registered]).when({ type: 'RevokeRole', role: 'support', by: admin, now: NOW }).then([]);
  });

  it('given a non-admin, when they grant or revoke, then it is forbidden', () => {
    const notAdmin = { id: 'u', isAdmin: false };
    given(userDecider, [registered]).when({ type: 'GrantRole', role: 'admin', by: notAdmin, now: NOW }).thenFails('user.not_admin', { kind: 'forbidden' });
    given(userDecider, [registered]).when({ type: 'RevokeRole', role: 'organizer', by: notAdmin, now: NOW }).thenFails('user.not_admin', { kind: 'forbidden' });
  });

  it('given an admin, when they revoke their own admin role, then it is refused (an admin cannot lock everyone out by accident)', () => {
    const asAdmin: UserEvent = { type: 'UserRoleGranted', data: { role: 'admin', grantedBy: 'boot', grantedAt: NOW.toISOString() } };
    given(userDecider, [registered, asAdmin]).when({ type: 'RevokeRole', role: 'admin', by: { id: 'u', isAdmin: true }, now: NOW }).thenFails('user.own_admin_role', { field: 'role' });
  });
});

describe('E-mail claim decider (A-1)', () => {
  it('given an unclaimed e-mail, when it is claimed, then it names the account', () => {
    given(emailClaimDecider, []).when({ type: 'ClaimEmail', userId: 'u', now: NOW }).then([{ type: 'EmailClaimed', data: { userId: 'u', claimedAt: NOW.toISOString() } }]);
  });

  it('given addresses differing in case and spaces, then they are one claim stream, and the stream name does not reveal the address', () => {
    assert.equal(normalizeEmail('  Ann@Example.COM '), 'ann@example.com');
    assert.equal(streamOfEmail('  Ann@Example.COM '), streamOfEmail('ann@example.com'));
    assert.match(streamOfEmail('ann@example.com'), /^UserEmail-[0-9a-f]{40}$/);
  });
});
