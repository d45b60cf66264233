import assert from 'node:assert/strict';
import { sql } from 'kysely';
import request from 'supertest';
import { streamOfPool } from '../../../domain/gift-certificates/certificate-pool.js';
import { ManualClock } from '../../../platform/clock.js';
import { twoInstancesOnOneDatabase } from '../../support/two-instances.js';
import { channel, eventually, loadedBatch, operator, startGcp } from './gcp-harness.js';

/**
 * G-2 "two channels never get the same certificate, under any concurrency, across several API
 * instances", for real: two systems on one database, 500 reservations at once for 100 certificates.
 */
describe('reservation rush across two API instances (G-2)', function () {
  this.timeout(300_000);
  const clock = new ManualClock(new Date());

  const systems = twoInstancesOnOneDatabase((database, role) => startGcp({ database, clock, role }));

  it('given 100 certificates, when 500 reservations arrive at once through both instances, then exactly 100 distinct certificates and 400 × 409 gcp.pool_exhausted', async () => {
    const op = await operator();
    await loadedBatch(systems.first.api, op, { batch_id: 'rush', count: 100, nominal: '3000', currency: 'RUB', valid_days: 90 });
    const channels = await Promise.all(['web', 'pos', 'partner'].map((id) => channel(id)));
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        request(i % 2 === 0 ? systems.first.api : systems.second.api)
          .get('/certificates/next')
          .query({ channel: ['web', 'pos', 'partner'][i % 3], nominal: '3000.00', currency: 'RUB', request_id: `rush-${i}` })
          .set('Authorization', channels[i % 3]!),
      ),
    );
    const byStatus = new Map<number, number>();
    for (const answer of answers) byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    assert.deepEqual([...byStatus.entries()].sort(), [[200, 100], [409, 400]], JSON.stringify([...byStatus]));
    for (const refused of answers.filter((a) => a.status === 409)) assert.equal(refused.body.code, 'gcp.pool_exhausted');
    const ids = new Set(answers.filter((a) => a.status === 200).map((a) => a.body.id));
    assert.equal(ids.size, 100, 'every answer is its own certificate');
    const stream = await systems.first.dependencies.store.readStream(streamOfPool('3000.00', 'RUB'));
    assert.equal(stream.filter((e) => e.type === 'CertificateReserved').length, 100);
    assert.equal(stream.filter((e) => e.type === 'PoolExhausted').length, 1, 'ISSUE_BLOCKED once for this exhaustion');
  });

  it('given an operator, when she loads a batch of 100,000, then it is loaded in well under a minute', async () => {
    const op = await operator();
    const started = Date.now();
    const progress = await loadedBatch(systems.first.api, op, { batch_id: 'big', count: 100_000, nominal: '500', currency: 'RUB', valid_days: 365 });
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual([progress.loaded, progress.total], [100_000, 100_000]);
    assert.ok(seconds < 45, `took ${seconds}s`);
    await eventually(async () => {
      const { rows } = await sql<{ count: string }>`select count(*)::text as count from rm_gift_certificates where batch_id = 'big'`.execute(systems.database.db);
      return rows[0]!.count === '100000';
    }, 60_000);
    console.log(`      100,000 certificates loaded in ${seconds.toFixed(1)} s, in the read model after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});
