import assert from 'node:assert/strict';
import { appConfigSections } from '../../../adapters/config/app-config.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, defineConfigSection } from '../../../adapters/config/config-section.js';
import { envInteger, envText } from '../../../adapters/config/environment-variables.js';
import { resolveJwtSecret } from '../../../adapters/config/jwt-secret.js';
import { loadConfig, platformConfigSections } from '../../../adapters/config/platform-config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.map((p) => p.variable);
  }
  assert.fail('expected a ConfigError');
}

describe('configuration from the environment', () => {
  it('given no variables, when loaded, then the embedded defaults apply', () => {
    const config = loadConfig({});
    assert.equal(config.server.port, 3000);
    assert.equal(config.storage.dataDir, './data');
    assert.equal(config.storage.pgliteDir, './data/pglite');
    assert.equal(config.storage.databaseUrl, undefined);
    assert.equal(config.storage.eventStoreUrl, undefined);
    assert.equal(config.auth.jwtSecret, undefined);
    assert.equal(config.logging.level, 'info');
    assert.equal(config.projections.pollMs, 500);
  });

  it('given valid values, when loaded, then they are typed', () => {
    const config = loadConfig({
      PORT: '8080',
      DATA_DIR: '/var/lib/ledgerline/',
      DATABASE_URL: 'postgres://u@db:5432/x',
      EVENTSTORE_URL: 'esdb://es:2113?tls=false',
      JWT_SECRET: 'x'.repeat(32),
      LOG_LEVEL: 'debug',
      PROJECTION_POLL_MS: '250',
    });
    assert.equal(config.server.port, 8080);
    assert.equal(config.storage.pgliteDir, '/var/lib/ledgerline/pglite');
    assert.equal(config.storage.databaseUrl, 'postgres://u@db:5432/x');
    assert.equal(config.storage.eventStoreUrl, 'esdb://es:2113?tls=false');
    assert.equal(config.logging.level, 'debug');
    assert.equal(config.projections.pollMs, 250);
  });

  for (const [variable, value] of [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['EVENTSTORE_URL', 'http://es:2113'],
    ['LOG_LEVEL', 'loud'],
    ['PROJECTION_POLL_MS', '-1'],
    ['JWT_SECRET', 'too-short'],
  ] as const) {
    it(`given ${variable}=${value}, when loaded, then the error names ${variable}`, () => {
      const env: Record<string, string> = { [variable]: value };
      if (variable === 'DATABASE_URL') env.JWT_SECRET = 'x'.repeat(32);
      assert.deepEqual(problemsOf(env), [variable]);
      assert.throws(() => loadConfig(env), (error: Error) => error.message.includes(variable));
    });
  }

  it('given DATABASE_URL without JWT_SECRET, when loaded, then JWT_SECRET is named as required', () => {
    assert.deepEqual(problemsOf({ DATABASE_URL: 'postgres://u@db/x' }), ['JWT_SECRET']);
  });

  it('given a bad secret, when reported, then its value is not repeated', () => {
    assert.throws(
      () => loadConfig({ JWT_SECRET: 'hunter2-short' }),
      (error: Error) => !error.message.includes('hunter2'),
    );
  });

  it('given several bad variables, when loaded, then every one is named', () => {
    assert.deepEqual(problemsOf({ PORT: 'x', LOG_LEVEL: 'y' }).sort(), ['LOG_LEVEL', 'PORT']);
  });

  it('given a module section added to the platform sections, when loaded, then it is typed and validated', () => {
    const pspConfigSection = defineConfigSection({
      title: 'PSP',
      variables: {
        YOOKASSA_SHOP_ID: envText({ description: 'shop id', required: true }),
        PSP_TIMEOUT_MS: envInteger({ description: 'timeout', default: 5000, min: 100 }),
      },
      build: (v) => ({ shopId: v.YOOKASSA_SHOP_ID, timeoutMs: v.PSP_TIMEOUT_MS }),
    });
    const sections = { ...platformConfigSections, psp: pspConfigSection };
    const config = loadConfig({ YOOKASSA_SHOP_ID: '42' }, sections);
    const shopId: string = config.psp.shopId;
    assert.equal(shopId, '42');
    assert.equal(config.psp.timeoutMs, 5000);
    assert.equal(config.server.port, 3000);
    assert.throws(() => loadConfig({}, sections), (error: Error) => error.message.includes('YOOKASSA_SHOP_ID'));
  });

  it('given every variable of every section, when .env.example is read, then each is listed', async () => {
    const example = await readFile(new URL('../../../.env.example', import.meta.url), 'utf8');
    const names = Object.values(appConfigSections).flatMap((section) => Object.keys(section.variables));
    for (const name of names) assert.match(example, new RegExp(`^#? ?${name}=`, 'm'), name);
  });
});

describe('the access-token key in embedded mode', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'ledgerline-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('given no JWT_SECRET, when resolved twice, then one key is generated into DATA_DIR and reused', async () => {
    const first = await resolveJwtSecret({ jwtSecret: undefined, dataDir: dir });
    const second = await resolveJwtSecret({ jwtSecret: undefined, dataDir: dir });
    assert.ok(first.length >= 32);
    assert.equal(second, first);
    assert.equal((await readFile(join(dir, 'jwt-secret'), 'utf8')).trim(), first);
  });

  it('given JWT_SECRET, when resolved, then it is used as is', async () => {
    assert.equal(await resolveJwtSecret({ jwtSecret: 'k'.repeat(40), dataDir: dir }), 'k'.repeat(40));
  });
});

describe('starting with a bad configuration', () => {
  it('given PORT=abc, when an entry point loads the configuration, then the process stops naming PORT', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `import { loadConfigOrExit } from './adapters/config/exit-on-bad-config.ts'; loadConfigOrExit({ PORT: 'abc' }); console.log('started');`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../../../', import.meta.url),
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    assert.equal(result.status, 78);
    assert.match(result.stderr, /PORT must be a whole number/);
    assert.doesNotMatch(result.stdout, /started/);
  });
});
