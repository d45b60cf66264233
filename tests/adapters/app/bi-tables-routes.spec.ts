import assert from 'node:assert/strict';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { ManualClock } from '../../../platform/clock.js';
import { loadedBatch, operator, startGcp } from '../../commands/gift-certificates/gcp-harness.js';
import { openTestDatabase } from '../../support/test-database.js';

/** GET /api/admin/bi…: the BI tables as the BI reader role sees them, for admins only. */
describe('BI tables through the admin API', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };

  before(async () => {
    database = await openTestDatabase();
    system = await startGcp({ database, clock: new ManualClock(new Date()) });
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  it('given a loaded batch, when an admin lists the BI tables and reads one filtered by a column, then the rows are there, paged', async () => {
    const admin = await operator('bi-admin', ['admin']);
    await loadedBatch(system.api, admin, { batch_id: 'bi-peek', count: 3, nominal: '100', currency: 'RUB', valid_days: 30 });
    const tables = await request(system.api).get('/api/admin/bi').set('Authorization', admin).expect(200);
    const certificates = tables.body.items.find((t: { name: string }) => t.name === 'gift_certificates');
    assert.ok(certificates, 'gift_certificates is listed');
    assert.ok(certificates.columns.includes('remaining_balance'));
    assert.match(certificates.description, /certificate/i);
    let rows: unknown[] = [];
    for (let i = 0; i < 100 && rows.length < 3; i++) {
      rows = (await request(system.api).get('/api/admin/bi/gift_certificates?column=batch_id&equals=bi-peek').set('Authorization', admin).expect(200)).body.rows;
      if (rows.length < 3) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(rows.length, 3);
    const first = await request(system.api).get('/api/admin/bi/gift_certificates?column=batch_id&equals=bi-peek&limit=2').set('Authorization', admin).expect(200);
    assert.deepEqual([first.body.rows.length, first.body.next_offset], [2, 2]);
    const rest = await request(system.api).get('/api/admin/bi/gift_certificates?column=batch_id&equals=bi-peek&limit=2&offset=2').set('Authorization', admin).expect(200);
    assert.deepEqual([rest.body.rows.length, rest.body.next_offset], [1, null]);
  });

  it('given a table or column that is not in the BI schema, or a half filter, then 404 / 400; a non-admin is 403', async () => {
    const admin = await operator('bi-admin', ['admin']);
    assert.equal((await request(system.api).get('/api/admin/bi/rm_gift_certificates').set('Authorization', admin).expect(404)).body.code, 'bi.table_not_found');
    assert.equal((await request(system.api).get('/api/admin/bi/events').set('Authorization', admin).expect(404)).body.code, 'bi.table_not_found');
    assert.equal((await request(system.api).get('/api/admin/bi/gift_certificates?column=nope&equals=1').set('Authorization', admin).expect(404)).body.code, 'bi.column_not_found');
    await request(system.api).get('/api/admin/bi/gift_certificates?column=status').set('Authorization', admin).expect(400);
    await request(system.api).get('/api/admin/bi/gift_certificates?limit=501').set('Authorization', admin).expect(400);
    await request(system.api).get('/api/admin/bi/Gift;drop').set('Authorization', admin).expect(400);
    await request(system.api).get('/api/admin/bi').set('Authorization', await operator('op', ['gift_operator'])).expect(403);
  });
});
