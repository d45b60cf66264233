import assert from 'node:assert/strict';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { giftCertificatesModule } from '../../../commands/gift-certificates/gift-certificates-module.js';
import { notificationsModule } from '../../../commands/notifications/notifications-module.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { startTestSystem } from '../../support/test-system.js';
import { channel, eventually, loadedBatch, operator } from './gcp-harness.js';

/** G-2: an exhausted pool notifies the operators once per exhaustion, not once per refused request. */
describe('ISSUE_BLOCKED notifies the operators (G-2)', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date());
  const delivered: string[] = [];

  before(async () => {
    database = await openTestDatabase();
    system = await startTestSystem({
      database,
      clock,
      contexts: [
        giftCertificatesModule({ operators: () => ({ operators: async () => ['op-alert-1', 'op-alert-2'] }) }),
        notificationsModule({ channel: { name: 'test', deliver: async (notification) => void delivered.push(notification.userId) } }),
      ],
    });
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  it('given a pool of one certificate, when it is taken and three more reservations are refused, then each operator gets one "ran out" notification', async () => {
    const op = await operator('op-alert-1');
    await loadedBatch(system.api, op, { batch_id: 'alert-1', count: 1, nominal: '700', currency: 'RUB', valid_days: 30 });
    const web = await channel('web-alert');
    await request(system.api).get('/certificates/next?channel=web&nominal=700&currency=RUB&request_id=r-0').set('Authorization', web).expect(200);
    for (const id of ['r-1', 'r-2', 'r-3']) {
      const refused = await request(system.api).get(`/certificates/next?channel=web&nominal=700&currency=RUB&request_id=${id}`).set('Authorization', web).expect(409);
      assert.equal(refused.body.code, 'gcp.pool_exhausted');
    }
    for (const operatorId of ['op-alert-1', 'op-alert-2']) {
      const token = await operator(operatorId);
      const inbox = await eventually(async () => {
        const answer = await request(system.api).get('/api/notifications').set('Authorization', token).expect(200);
        return answer.body.items.length > 0 ? answer.body.items : undefined;
      });
      assert.equal(inbox.length, 1);
      assert.equal(inbox[0].kind, 'gcp.pool_exhausted');
      assert.equal(inbox[0].event_id, null);
      assert.match(inbox[0].title, /700\.00 RUB ran out/);
    }
    // a refill ends the exhaustion; the next one notifies again
    await loadedBatch(system.api, op, { batch_id: 'alert-2', count: 1, nominal: '700', currency: 'RUB', valid_days: 30 });
    await request(system.api).get('/certificates/next?channel=web&nominal=700&currency=RUB&request_id=r-4').set('Authorization', web).expect(200);
    await request(system.api).get('/certificates/next?channel=web&nominal=700&currency=RUB&request_id=r-5').set('Authorization', web).expect(409);
    const token = await operator('op-alert-2');
    await eventually(async () => (await request(system.api).get('/api/notifications').set('Authorization', token)).body.items.length === 2);
    // and each was handed to the delivery channel
    await eventually(async () => delivered.filter((id) => id === 'op-alert-1').length === 2 && delivered.filter((id) => id === 'op-alert-2').length === 2);
  });
});
