import assert from 'node:assert/strict';
import { appConfigSections } from '../../../adapters/config/app-config.js';
import { loadConfig } from '../../../adapters/config/platform-config.js';

describe('GATEWAY_PUBLIC_URL and TON_PROOF_DOMAIN follow PORT unless set', () => {
  it('given neither nor PORT, then they name localhost:3000', () => {
    const { gateway } = loadConfig({}, appConfigSections);
    assert.equal(gateway.publicUrl, 'http://localhost:3000');
    assert.equal(gateway.walletLink.domain, 'localhost:3000');
  });

  it('given PORT=3100, then they name localhost:3100', () => {
    const { gateway } = loadConfig({ PORT: '3100' }, appConfigSections);
    assert.equal(gateway.publicUrl, 'http://localhost:3100');
    assert.equal(gateway.walletLink.domain, 'localhost:3100');
  });

  it('given them set, then PORT does not change them (a trailing slash is dropped)', () => {
    const { gateway } = loadConfig({ PORT: '3100', GATEWAY_PUBLIC_URL: 'https://api.example.com/', TON_PROOF_DOMAIN: 'app.example.com' }, appConfigSections);
    assert.equal(gateway.publicUrl, 'https://api.example.com');
    assert.equal(gateway.walletLink.domain, 'app.example.com');
  });
});
