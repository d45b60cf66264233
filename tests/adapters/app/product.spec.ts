import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { businessContexts } from '../../../bin/contexts.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { startTestSystem } from '../../support/test-system.js';

/** The product as `npm start` builds it: every business context together on one database. */
describe('the whole product (bin/contexts.ts) in one process', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  let dataDir: string;

  before(async () => {
    database = await openTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-product-'));
    system = await startTestSystem({ database, clock: new ManualClock(new Date()), env: { DATA_DIR: dataDir }, contexts: businessContexts });
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('given every context, then each route is mounted once and documented in /openapi.json, and the system is ready', async () => {
    assert.deepEqual(system.modules.map((module) => module.name).filter((name) => name !== 'platform' && name !== 'replay'), ['accounts', 'ticketing', 'notifications', 'blockchain-gateway', 'gift-certificates', 'game-store', 'rewards']);
    const document = (await request(system.api).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const seen = new Set<string>();
    for (const module of system.modules) {
      for (const route of module.routes ?? []) {
        const key = `${route.method.toUpperCase()} ${route.path}`;
        assert.ok(!seen.has(key), `${key} is declared twice`);
        seen.add(key);
        assert.ok(document.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method], `${key} is not documented`);
      }
    }
    assert.ok(seen.size > 40);
    await request(system.api).get('/readyz').expect(200);
  });
});
