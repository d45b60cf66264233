import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { RoleName, type Role } from './role.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * A person's account (A-1 … A-3). The password itself never enters the system past the hasher:
 * the event holds its argon2id PHC string, so the log can rebuild every account.
 */
export const UserEvent = t.union([
  // e-mail and display name are the person's data: sealed with their key in the log, FORGOTTEN once forgotten
  eventCodec(
    'UserRegistered',
    t.type({ userId: t.string, email: t.string, displayName: t.string, passwordHash: t.string, roles: t.array(RoleName), registeredAt: t.string }),
    { personal: { subject: (d) => d.userId, fields: ['email', 'displayName'] } },
  ),
  eventCodec('UserRoleGranted', t.type({ role: RoleName, grantedBy: t.string, grantedAt: t.string })),
  eventCodec('UserRoleRevoked', t.type({ role: RoleName, revokedBy: t.string, revokedAt: t.string })),
  // The person asked to be forgotten: their key is destroyed; the account is closed for good.
  eventCodec('UserForgotten', t.type({ userId: t.string, forgottenBy: t.string, forgottenAt: t.string })),
]);
export type UserEvent = t.TypeOf<typeof UserEvent>;

export interface UserState {
  readonly status: 'none' | 'registered' | 'forgotten';
  readonly userId?: string;
  readonly email?: string;
  readonly displayName?: string;
  readonly passwordHash?: string;
  readonly roles: readonly Role[];
  readonly registeredAt?: string;
}

export type UserCommand =
  | { readonly type: 'RegisterUser'; readonly userId: string; readonly email: string; readonly displayName: string; readonly passwordHash: string; readonly roles: readonly Role[]; readonly now: Date }
  | { readonly type: 'BecomeOrganizer'; readonly now: Date }
  | { readonly type: 'GrantRole'; readonly role: Role; readonly by: { readonly id: string; readonly isAdmin: boolean }; readonly now: Date }
  | { readonly type: 'RevokeRole'; readonly role: Role; readonly by: { readonly id: string; readonly isAdmin: boolean }; readonly now: Date }
  | { readonly type: 'ForgetUser'; readonly by: { readonly id: string; readonly isAdmin: boolean }; readonly now: Date };

export const streamOfUser = (userId: string): string => `User-${userId}`;
/** The account a `User-<id>` stream holds; null for any other stream. */
export const userOfStream = (streamName: string): string | null => (streamName.startsWith('User-') ? streamName.slice('User-'.length) : null);

const notFound = () => left(domainError('not_found', 'user.not_found', 'no such user', 'id'));

export const userDecider: EventSourcedDecider<UserCommand, UserEvent, UserState> = {
  events: UserEvent,
  initialState: { status: 'none', roles: [] },
  decide(command, state) {
    switch (command.type) {
      case 'RegisterUser':
        if (state.status !== 'none') return left(domainError('conflict', 'auth.email_taken', 'an account with this e-mail exists', 'email'));
        return right([
          {
            type: 'UserRegistered',
            data: {
              userId: command.userId,
              email: command.email,
              displayName: command.displayName,
              passwordHash: command.passwordHash,
              roles: [...new Set<Role>(['user', ...command.roles])],
              registeredAt: command.now.toISOString(),
            },
          },
        ]);
      case 'BecomeOrganizer':
        if (state.status !== 'registered') return notFound();
        if (state.roles.includes('organizer')) return right([]);
        return right([{ type: 'UserRoleGranted', data: { role: 'organizer', grantedBy: state.userId!, grantedAt: command.now.toISOString() } }]);
      case 'GrantRole':
        if (!command.by.isAdmin) return left(domainError('forbidden', 'user.not_admin', 'only an admin grants roles'));
        if (state.status !== 'registered') return notFound();
        if (state.roles.includes(command.role)) return right([]);
        return right([{ type: 'UserRoleGranted', data: { role: command.role, grantedBy: command.by.id, grantedAt: command.now.toISOString() } }]);
      case 'RevokeRole':
        if (!command.by.isAdmin) return left(domainError('forbidden', 'user.not_admin', 'only an admin revokes roles'));
        if (state.status !== 'registered') return notFound();
        if (command.role === 'user') return left(domainError('rule_violated', 'user.role_permanent', 'the user role cannot be revoked', 'role'));
        if (command.role === 'admin' && command.by.id === state.userId) {
          return left(domainError('rule_violated', 'user.own_admin_role', 'an admin cannot revoke their own admin role', 'role'));
        }
        if (!state.roles.includes(command.role)) return right([]);
        return right([{ type: 'UserRoleRevoked', data: { role: command.role, revokedBy: command.by.id, revokedAt: command.now.toISOString() } }]);
      case 'ForgetUser':
        if (!command.by.isAdmin) return left(domainError('forbidden', 'user.not_admin', 'only an admin forgets a person'));
        if (state.status === 'none') return notFound();
        if (state.status === 'forgotten') return right([]);
        return right([{ type: 'UserForgotten', data: { userId: state.userId!, forgottenBy: command.by.id, forgottenAt: command.now.toISOString() } }]);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'UserRegistered': {
        const d = event.data;
        return { status: 'registered', userId: d.userId, email: d.email, displayName: d.displayName, passwordHash: d.passwordHash, roles: d.roles, registeredAt: d.registeredAt };
      }
      case 'UserRoleGranted':
        return { ...state, roles: [...state.roles, event.data.role] };
      case 'UserRoleRevoked':
        return { ...state, roles: state.roles.filter((role) => role !== event.data.role) };
      case 'UserForgotten':
        return { status: 'forgotten', userId: state.userId ?? event.data.userId, roles: [] };
    }
  },
};
