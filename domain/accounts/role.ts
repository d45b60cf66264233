import * as t from 'io-ts';

/** What a person may do: user (everyone), organizer, scanner (door staff), support, admin. */
export const ROLES = ['user', 'organizer', 'scanner', 'support', 'admin'] as const;
export const RoleCodec = t.keyof({ user: null, organizer: null, scanner: null, support: null, admin: null }, 'Role');
export type Role = t.TypeOf<typeof RoleCodec>;
