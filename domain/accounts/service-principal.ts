import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * A machine caller: the Quest/Referral/NFT services, a PSP's webhooks, the BFF. It holds
 * a client id and a secret (stored as an argon2id hash) and gets short-lived tokens with scopes.
 */
export const ServicePrincipalEvent = t.union([
  eventCodec('ServicePrincipalCreated', t.type({ clientId: t.string, name: t.string, scopes: t.array(t.string), secretHash: t.string, createdBy: t.string, createdAt: t.string })),
  eventCodec('ServicePrincipalDisabled', t.type({ disabledBy: t.string, disabledAt: t.string })),
]);
export type ServicePrincipalEvent = t.TypeOf<typeof ServicePrincipalEvent>;

export interface ServicePrincipalState {
  readonly status: 'none' | 'active' | 'disabled';
  readonly clientId?: string;
  readonly name?: string;
  readonly scopes: readonly string[];
  readonly secretHash?: string;
}

export type ServicePrincipalCommand =
  | { readonly type: 'CreateServicePrincipal'; readonly clientId: string; readonly name: string; readonly scopes: readonly string[]; readonly secretHash: string; readonly by: string; readonly now: Date }
  | { readonly type: 'DisableServicePrincipal'; readonly by: string; readonly now: Date };

export const streamOfServicePrincipal = (clientId: string): string => `ServicePrincipal-${clientId}`;
/** The client id a `ServicePrincipal-<client id>` stream holds; null for any other stream. */
export const clientOfStream = (streamName: string): string | null =>
  streamName.startsWith('ServicePrincipal-') ? streamName.slice('ServicePrincipal-'.length) : null;
/** `area:action` (`g2a:mint`); after the area, a part may name a published stream (`stream:ticketing.events`, `stream:GiftCertificates.Stream`). */
export const SCOPE_PATTERN = /^[a-z][a-z0-9_-]{0,31}(:[A-Za-z][A-Za-z0-9_.-]{0,63}){0,2}$/;

export const servicePrincipalDecider: EventSourcedDecider<ServicePrincipalCommand, ServicePrincipalEvent, ServicePrincipalState> = {
  events: ServicePrincipalEvent,
  initialState: { status: 'none', scopes: [] },
  decide(command, state) {
    switch (command.type) {
      case 'CreateServicePrincipal': {
        if (state.status !== 'none') return left(domainError('conflict', 'service_principal.exists', 'this client id exists'));
        const name = command.name.trim();
        if (name.length < 1 || name.length > 100) return left(domainError('rule_violated', 'service_principal.invalid_name', 'name must be 1 to 100 characters', 'name'));
        const bad = command.scopes.find((scope) => !SCOPE_PATTERN.test(scope));
        if (bad !== undefined) return left(domainError('rule_violated', 'service_principal.invalid_scope', `scope "${bad}" is not of the form area:action`, 'scopes'));
        if (command.scopes.length === 0) return left(domainError('rule_violated', 'service_principal.no_scopes', 'a service principal needs at least one scope', 'scopes'));
        return right([
          {
            type: 'ServicePrincipalCreated',
            data: { clientId: command.clientId, name, scopes: [...new Set(command.scopes)], secretHash: command.secretHash, createdBy: command.by, createdAt: command.now.toISOString() },
          },
        ]);
      }
      case 'DisableServicePrincipal':
        if (state.status === 'none') return left(domainError('not_found', 'service_principal.not_found', 'no such service principal', 'client_id'));
        if (state.status === 'disabled') return right([]);
        return right([{ type: 'ServicePrincipalDisabled', data: { disabledBy: command.by, disabledAt: command.now.toISOString() } }]);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ServicePrincipalCreated':
        return { status: 'active', clientId: event.data.clientId, name: event.data.name, scopes: event.data.scopes, secretHash: event.data.secretHash };
      case 'ServicePrincipalDisabled':
        return { ...state, status: 'disabled' };
    }
  },
};
