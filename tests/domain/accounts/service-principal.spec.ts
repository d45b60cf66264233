import { servicePrincipalDecider, type ServicePrincipalEvent } from '../../../domain/accounts/service-principal.js';
import { given } from '../../support/decider-spec.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const create = (overrides: { name?: string; scopes?: string[] } = {}) => ({
  type: 'CreateServicePrincipal' as const,
  clientId: 'svc_0123456789abcdef',
  name: overrides.name ?? 'Quest service',
  scopes: overrides.scopes ?? ['g2a:mint', 'nft:mint', 'g2a:mint'],
  secretHash: '$argon2id$v=19$m=19456,t=2,p=1$salt$hash',
  by: 'root',
  now: NOW,
});
const created: ServicePrincipalEvent = {
  type: 'ServicePrincipalCreated',
  data: { clientId: 'svc_0123456789abcdef', name: 'Quest service', scopes: ['g2a:mint', 'nft:mint'], secretHash: '$argon2id$v=19$m=19456,t=2,p=1$salt$hash', createdBy: 'root', createdAt: NOW.toISOString() },
};
const disabled: ServicePrincipalEvent = { type: 'ServicePrincipalDisabled', data: { disabledBy: 'root', disabledAt: NOW.toISOString() } };

describe('Service principal decider (A-3)', () => {
  it('given no principal, when an admin creates one, then it is created with its scopes once each', () => {
    given(servicePrincipalDecider, []).when(create()).then([created]);
  });

  it('given a bad name, a bad scope or no scope, then 422 naming the field', () => {
    given(servicePrincipalDecider, []).when(create({ name: '   ' })).thenFails('service_principal.invalid_name', { field: 'name' });
    given(servicePrincipalDecider, []).when(create({ scopes: ['Not A Scope'] })).thenFails('service_principal.invalid_scope', { field: 'scopes' });
    given(servicePrincipalDecider, []).when(create({ scopes: [] })).thenFails('service_principal.no_scopes', { field: 'scopes' });
  });

  it('given an existing client id, when it is created again, then 409', () => {
    given(servicePrincipalDecider, [created]).when(create()).thenFails('service_principal.exists', { kind: 'conflict' });
  });

  it('given an active principal, when it is disabled, then it is disabled; disabling again changes nothing; an unknown one is 404', () => {
    given(servicePrincipalDecider, [created]).when({ type: 'DisableServicePrincipal', by: 'root', now: NOW }).then([disabled]);
    given(servicePrincipalDecider, [created, disabled]).when({ type: 'DisableServicePrincipal', by: 'root', now: NOW }).then([]);
    given(servicePrincipalDecider, []).when({ type: 'DisableServicePrincipal', by: 'root', now: NOW }).thenFails('service_principal.not_found', { kind: 'not_found' });
  });
});
