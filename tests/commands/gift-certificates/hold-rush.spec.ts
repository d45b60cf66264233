import assert from 'node:assert/strict';
import request from 'supertest';
import { availableBalance, streamOfCertificate } from '../../../domain/gift-certificates/gift-certificate.js';
import { fromMinorUnits, toMinorUnits } from '../../../domain/money.js';
import { ManualClock } from '../../../platform/clock.js';
import { twoInstancesOnOneDatabase } from '../../support/two-instances.js';
import { certificateGiven } from './certificate-given.js';
import { channel, startGcp } from './gcp-harness.js';

const env = { GCP_CVC_SECRET: 'hold-rush-cvc-secret-of-at-least-32-characters' };

/**
 * G-5 "never more than the balance, under any concurrency", for real: two API instances on one
 * database, one certificate of 1000.00, 1,000 holds of random amounts at once through both.
 */
describe('hold rush on one certificate across two API instances (G-5)', function () {
  this.timeout(600_000);
  const clock = new ManualClock(new Date());

  const systems = twoInstancesOnOneDatabase((database, role) => startGcp({ database, clock, role, env }));

  it('given a certificate of 1000.00, when 1,000 holds of random amounts arrive at once through both instances, then the accepted ones sum to at most 1000.00, the available balance is 1000.00 less that sum, the rest 409 (or 429 busy)', async () => {
    const given = certificateGiven(systems.first);
    const certificate = await given.issued({ nominal: '1000.00' });
    const cvc = (await request(systems.first.api).get(`/certificates/${certificate.id}/cvc`).set('Authorization', await channel('crm', ['gcp:cvc'])).expect(200)).body.cvc;
    const terminals = await Promise.all(['pos-a', 'pos-b', 'pos-c', 'pos-d'].map((id) => channel(id, ['gcp:redeem'])));
    let seed = 11;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed / 2 ** 31);
    const amounts = Array.from({ length: 1000 }, () => fromMinorUnits(BigInt(1 + Math.floor(random() * 300)))); // 0.01 … 3.00
    const started = Date.now();
    const answers = await Promise.all(
      amounts.map((amount, i) =>
        request(i % 2 === 0 ? systems.first.api : systems.second.api)
          .post(`/certificates/${certificate.id}/redemptions`)
          .set('Authorization', terminals[i % 4]!)
          .send({ order_id: `rush-${i}`, amount, cvc }),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    const byStatus = new Map<number, number>();
    for (const answer of answers) byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    assert.deepEqual([...byStatus.keys()].filter((s) => ![201, 409, 429].includes(s)), [], JSON.stringify([...byStatus]));
    for (const refused of answers.filter((a) => a.status === 409)) assert.equal(refused.body.code, 'gcp.insufficient_balance');
    for (const busy of answers.filter((a) => a.status === 429)) assert.equal(busy.body.code, 'gcp.busy');
    const accepted = answers.filter((a) => a.status === 201);
    const sum = accepted.reduce((total, a) => total + toMinorUnits(a.body.amount), 0n);
    assert.ok(sum <= 100_000n, `accepted ${fromMinorUnits(sum)}`);
    const state = await given.certificates.current(certificate.id);
    assert.equal(availableBalance(state), 100_000n - sum);
    assert.equal(state.holds.size, accepted.length);
    const held = (await systems.first.dependencies.store.readStream(streamOfCertificate(certificate.id))).filter((e) => e.type === 'RedemptionHeld');
    assert.equal(held.length, accepted.length, 'one RedemptionHeld per accepted hold');
    assert.ok(byStatus.get(409)! > 0, 'the balance ran out');
    console.log(`      1,000 holds in ${seconds.toFixed(1)} s: ${accepted.length} accepted (${fromMinorUnits(sum)}), ${byStatus.get(409) ?? 0} × 409, ${byStatus.get(429) ?? 0} × 429 busy`);
  });
});
