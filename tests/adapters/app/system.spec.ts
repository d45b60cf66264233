import assert from 'node:assert/strict';
import request from 'supertest';
import { appConfigSections } from '../../../adapters/config/app-config.js';
import { loadConfig } from '../../../adapters/config/platform-config.js';
import { startSystem, type RunningSystem } from '../../../adapters/app/system.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { createLogger } from '../../../adapters/observability/logger.js';
import { waitUntil } from '../eventstore/event-store.contract.js';
import { sampleWalletContext, sentMail } from '../../support/sample-wallet-context.js';
import { openPeer, openTestDatabase } from '../../support/test-database.js';

const SECRET = 'test-secret-that-is-at-least-32-characters';

describe('The running system (composition root) over HTTP', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  const config = loadConfig({ PORT: '0', PAYMENT_SANDBOX_PORT: '0', JWT_SECRET: SECRET, PROJECTION_POLL_MS: '20', LOG_LEVEL: 'silent', DATA_DIR: './data/test' }, appConfigSections);
  const logger = createLogger({ level: 'silent' });
  const token = (roles: ('user' | 'admin' | 'support')[], id = 'user-1') =>
    signAccessToken({ kind: 'user', id, roles, scopes: [] }, { secret: SECRET, ttlSeconds: 300 });

  before(async () => (database = await openTestDatabase()));
  after(async () => database.dispose());

  describe('one process running everything (npm start)', () => {
    let system: RunningSystem;
    let api: string;
    before(async () => {
      system = await startSystem({ config, role: 'all', contexts: [sampleWalletContext], database, logger });
      api = `http://127.0.0.1:${system.port}`;
    });
    after(async () => system.stop());

    it('given a started system, then /healthz, /readyz and /metrics answer', async () => {
      await request(api).get('/healthz').expect(200);
      await request(api).get('/readyz').expect(200);
      const metrics = await request(api).get('/metrics').expect(200);
      assert.match(metrics.text, /http_request_duration_seconds/);
    });

    it('given a command, when its query follows, then the read model already shows it and the saga effect is performed once', async () => {
      const auth = `Bearer ${await token(['user'])}`;
      const opened = await request(api).post('/api/sample/wallets').set('Authorization', auth).expect(201);
      const deposited = await request(api).post(`/api/sample/wallets/${opened.body.id}/deposits`).set('Authorization', auth).send({ amount: 25 }).expect(201);
      assert.equal(deposited.body.balance, 25);
      const wallet = await request(api).get(`/api/sample/wallets/${opened.body.id}`).set('Authorization', auth).expect(200);
      assert.deepEqual(wallet.body, { owner: 'user-1', balance: 25 });
      await waitUntil(() => sentMail.get(`welcome:Wallet-${opened.body.id}`) === 1);
      const metrics = await request(api).get('/metrics').expect(200);
      assert.match(metrics.text, /eventstore_events_appended_total\{category="Wallet"\} \d+/);
      assert.match(metrics.text, /projection_lag_events\{projection="sample-wallets"\}/);
    });

    it('given bad input, then a 400 names the field, and an unknown wallet is a 404 problem', async () => {
      const auth = `Bearer ${await token(['user'])}`;
      const bad = await request(api).post('/api/sample/wallets/x/deposits').set('Authorization', auth).send({ amount: 'ten' }).expect(400);
      assert.match(String(bad.headers['content-type']), /^application\/problem\+json/);
      assert.match(JSON.stringify(bad.body), /amount/);
      const missing = await request(api).get('/api/sample/wallets/none').set('Authorization', auth).expect(404);
      assert.equal(missing.body.code, 'wallet.not_found');
    });

    it('given the operator routes, then projections are listed for support and dead letters need admin to retry', async () => {
      const support = `Bearer ${await token(['support'])}`;
      const projections = await request(api).get('/api/admin/projections').set('Authorization', support).expect(200);
      assert.ok(projections.body.items.some((p: { name: string }) => p.name === 'sample-wallets'));
      assert.ok(projections.body.items.some((p: { name: string }) => p.name === 'saga:sample-welcome'));
      await request(api).get('/api/admin/dead-letters').set('Authorization', `Bearer ${await token(['user'])}`).expect(403);
      await request(api).post('/api/admin/dead-letters/none/retry').set('Authorization', support).expect(403);
      const retried = await request(api).post('/api/admin/dead-letters/none/retry').set('Authorization', `Bearer ${await token(['admin'])}`).expect(404);
      assert.equal(retried.body.field, 'key');
    });

    it('given every route the system mounts, then /openapi.json documents it', async () => {
      const document = (await request(api).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
      for (const module of system.modules) {
        for (const route of module.routes ?? []) {
          const path = route.path.replace(/:(\w+)/g, '{$1}');
          assert.ok(document.paths[path]?.[route.method], `${route.method.toUpperCase()} ${route.path} is not documented`);
        }
      }
    });
  });

  describe('the scaled-out shape: an API process and a worker process', () => {
    it('given separate api and worker roles on one database, then commands from the API are projected by the worker', async () => {
      const peer = await openPeer(database);
      const apiOnly = await startSystem({ config, role: 'api', contexts: [sampleWalletContext], database, logger });
      const workerOnly = await startSystem({ config, role: 'worker', contexts: [sampleWalletContext], database: peer, logger });
      try {
        assert.equal(workerOnly.port, undefined, 'the worker serves no HTTP');
        assert.equal(apiOnly.outbox, undefined, 'the API runs no workers');
        const auth = `Bearer ${await token(['user'], 'user-2')}`;
        const api = `http://127.0.0.1:${apiOnly.port}`;
        const opened = await request(api).post('/api/sample/wallets').set('Authorization', auth).expect(201);
        const deposited = await request(api).post(`/api/sample/wallets/${opened.body.id}/deposits`).set('Authorization', auth).send({ amount: 5 }).expect(201);
        assert.equal(deposited.body.balance, 5);
      } finally {
        await apiOnly.stop();
        await workerOnly.stop();
        await peer.close();
      }
    });
  });
});
