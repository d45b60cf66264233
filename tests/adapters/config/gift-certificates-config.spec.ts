import assert from 'node:assert/strict';
import { appConfigSections } from '../../../adapters/config/app-config.js';
import { loadConfig } from '../../../adapters/config/platform-config.js';

describe('gift-certificate configuration', () => {
  it('given DATABASE_URL without GCP_CVC_SECRET, when loaded, then GCP_CVC_SECRET is named as required (every instance must share the key)', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://u@db/x', JWT_SECRET: 'x'.repeat(32) }, appConfigSections), (error: Error) => error.message.includes('GCP_CVC_SECRET'));
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db/x', JWT_SECRET: 'x'.repeat(32), GCP_CVC_SECRET: 'c'.repeat(32) }, appConfigSections);
    assert.equal(config.giftCertificates.cvcSecret, 'c'.repeat(32));
  });

  it('given the embedded default, then no CVC key is needed (one is generated into DATA_DIR) and the defaults hold', () => {
    const { giftCertificates } = loadConfig({}, appConfigSections);
    assert.equal(giftCertificates.cvcSecret, undefined);
    assert.deepEqual([giftCertificates.maxCvcFailures, giftCertificates.holdTtlMinutes, giftCertificates.reservationTtlMinutes, giftCertificates.reservationStrategy], [5, 15, 30, 'batched']);
  });

  it('given a short key, then the error names it without repeating it', () => {
    assert.throws(() => loadConfig({ GCP_CVC_SECRET: 'hunter2-short' }, appConfigSections), (error: Error) => error.message.includes('GCP_CVC_SECRET') && !error.message.includes('hunter2'));
  });
});
