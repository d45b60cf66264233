import * as t from 'io-ts';

/**
 * A role's name as accounts store it: lower-case words (`organizer`, `gift_operator`). Which
 * roles exist is declared by the contexts (each module's `roles`); accounts keep whatever role
 * an admin granted from that list.
 */
export const RoleName = t.refinement(t.string, (s) => /^[a-z][a-z0-9_-]{0,39}$/.test(s), 'RoleName');
export type Role = string;

/** The roles accounts itself declares: everyone is a user; support reads accounts; admin passes every guard. */
export const ACCOUNT_ROLES = [
  { name: 'user', description: 'everyone who registered (cannot be granted or revoked)' },
  { name: 'support', description: 'reads accounts and service principals for support' },
  { name: 'admin', description: 'passes every guard; grants roles and creates service principals' },
] as const;
