import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { appConfigSections } from '../../adapters/config/app-config.js';
import { loadConfig } from '../../adapters/config/platform-config.js';

/** No Docker engine runs here, so the production shape is checked by reading it. */
describe('docker-compose.yml (the production shape)', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
    services: Record<
      string,
      { environment?: Record<string, string>; command?: string[]; depends_on?: Record<string, { condition?: string }>; image?: string; healthcheck?: { test?: string[] } }
    >;
  };
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  const envExample = readFileSync('.env.example', 'utf8');

  it('given the file, then it runs EventStoreDB, PostgreSQL, the API, a worker and the payment sandbox they share', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['api', 'eventstore', 'install', 'payment-sandbox', 'postgres', 'worker']);
    assert.ok(scripts['payment-sandbox'], 'package.json has no "payment-sandbox" script');
    assert.match(compose.services['payment-sandbox']!.command!.join(' '), /npm run payment-sandbox\b/);
    for (const service of ['api', 'worker']) assert.equal(compose.services[service]!.environment!.PAYMENT_SANDBOX_URL, 'http://payment-sandbox:3001', `${service} shares the sandbox`);
    assert.match(compose.services.eventstore!.image!, /^eventstore\/eventstore:\d+\.\d+/, 'EventStoreDB is pinned to a version');
    assert.match(compose.services.postgres!.image!, /^postgres:/);
  });

  for (const [service, script] of [['api', 'api'], ['worker', 'worker']] as const) {
    it(`given the ${service} service, then it runs \`npm run ${script}\` wired to both stores and waits for them`, () => {
      const definition = compose.services[service]!;
      assert.ok(scripts[script], `package.json has no "${script}" script`);
      assert.match(definition.command!.join(' '), new RegExp(`npm run ${script}\\b`));
      const env = definition.environment!;
      assert.match(env.DATABASE_URL!, /^postgres:\/\/.*@postgres:5432\//);
      assert.match(env.EVENTSTORE_URL!, /^esdb:\/\/eventstore:2113/);
      assert.ok(env.JWT_SECRET, 'instances must share one JWT secret');
      assert.deepEqual(Object.keys(definition.depends_on!).sort(), ['eventstore', 'install', 'postgres']);
      assert.equal(definition.depends_on!.eventstore!.condition, 'service_healthy');
      assert.equal(definition.depends_on!.postgres!.condition, 'service_healthy');
      assert.equal(definition.depends_on!.install!.condition, 'service_completed_successfully', 'one npm ci before the Node services');
    });
  }

  it('given the stores and the API, then each has a health check the start order waits on', () => {
    assert.match(compose.services.eventstore!.healthcheck!.test!.join(' '), /\/health\/live/);
    assert.match(compose.services.postgres!.healthcheck!.test!.join(' '), /pg_isready/);
    assert.match(compose.services.api!.healthcheck!.test!.join(' '), /\/readyz/);
    const eventstore = compose.services.eventstore!.environment!;
    assert.equal(eventstore.EVENTSTORE_CLUSTER_SIZE, '1');
    assert.equal(eventstore.EVENTSTORE_INSECURE, 'true', 'a local single node; production runs with certificates (see the comment)');
    assert.equal(eventstore.EVENTSTORE_RUN_PROJECTIONS, 'None');
  });

  it('given the API environment, then the configuration loader accepts it and every variable is in .env.example', () => {
    const env: Record<string, string> = { ...compose.services.api!.environment!, JWT_SECRET: 'x'.repeat(40) };
    const config = loadConfig(env, appConfigSections);
    assert.equal(config.storage.eventStoreUrl, env.EVENTSTORE_URL);
    assert.equal(config.server.port, 3000);
    for (const variable of Object.keys(compose.services.api!.environment!)) {
      assert.match(envExample, new RegExp(`^#?\\s*${variable}=`, 'm'), `${variable} is missing from .env.example`);
    }
  });
});
