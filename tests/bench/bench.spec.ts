import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The benchmarks are never timed here: each runs once in --quick mode (against DATABASE_URL
 * when set, else PGlite) and must print its table and one JSON line per measured case, and
 * write the same JSON to the --out file.
 */
interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runBench(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const onServer = Boolean(process.env.DATABASE_URL);
/** CI runs the smoke runs once, in its PostgreSQL server run (BENCH_SMOKE=off in its PGlite run); npm test runs them. */
const smoke = process.env.BENCH_SMOKE === 'off' ? describe.skip : describe;

smoke('benchmarks (--quick smoke runs, not timed)', function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledgerline-bench-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('given no benchmark name, then it prints usage and fails', async () => {
    const run = await runBench([]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /usage: npm run bench -- <eventlog\|projections\|onsale\|gateway/);
  });

  it('eventlog --quick prints a table and one JSON line per case, and writes them to the results file', async () => {
    const out = join(dir, 'eventlog.json');
    const run = await runBench(['eventlog', '--quick', `--out=${out}`]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /case\s+writers\s+eventsPerAppend\s+impl/);
    const lines = jsonLines(run.stdout);
    const cases = new Set(lines.map((l) => l.case));
    assert.deepEqual([...cases].sort(), ['append-1', 'append-10', 'append-hot']);
    for (const line of lines) {
      assert.equal(line.bench, 'eventlog');
      assert.equal(typeof line.writers, 'number');
      assert.ok(typeof line.eventsPerSec === 'number' && line.eventsPerSec > 0, JSON.stringify(line));
    }
    const impls = new Set(lines.map((l) => l.impl));
    if (onServer) {
      assert.deepEqual([...impls].sort(), ['emmett', 'ours', 'raw']);
      for (const line of lines.filter((l) => l.impl === 'ours')) {
        assert.equal(typeof line.vsRaw, 'number');
        assert.equal(typeof line.vsEmmett, 'number');
      }
    } else {
      assert.deepEqual([...impls], ['ours']);
      assert.match(run.stdout, /only ours is measured/);
    }
    assert.ok(lines.some((l) => l.case === 'append-hot' && typeof l.conflictsPerAppend === 'number'));
    const written = JSON.parse(await readFile(out, 'utf8'));
    assert.deepEqual(written.runs.eventlog.results, lines);
    assert.equal(written.runs.eventlog.quick, true);
  });

  it('projections --quick prints write, rebuild, lag, lag-ticketing, rebuild-ticketing and replay-ticketing lines, keeping the eventlog entry of the results file', async () => {
    const out = join(dir, 'eventlog.json');
    const run = await runBench(['projections', '--quick', `--out=${out}`]);
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stdout);
    assert.deepEqual(
      lines.map((l) => l.case),
      ['write', 'rebuild', 'lag', 'lag-ticketing', 'rebuild-ticketing', 'replay-ticketing'],
    );
    const [write, rebuild, lag, ticketingLag, ticketing, replayed] = lines as Record<string, number>[] as [Record<string, number>, Record<string, number>, Record<string, number>, Record<string, number>, Record<string, number>, Record<string, number>];
    assert.ok(ticketingLag.samples! > 0 && ticketingLag.notSeen === 0 && Number.isFinite(ticketingLag.lagP99Ms), JSON.stringify(ticketingLag));
    assert.ok(ticketing.eventsPerSec! > 0 && ticketing.tickets! > 0, JSON.stringify(ticketing));
    assert.ok(replayed.eventsPerSec! > 0 && replayed['ticketing-ticketsEventsPerSec']! > 0 && replayed['ticketing-catalogEventsPerSec']! > 0, JSON.stringify(replayed));
    assert.equal(write.events, 20_000);
    assert.ok(rebuild.eventsPerSec! > 0 && rebuild.handledEvents! > 0 && rebuild.readModelRows! > 0);
    assert.ok(lag.samples! > 0, JSON.stringify(lag));
    assert.ok(Number.isFinite(lag.lagP50Ms) && Number.isFinite(lag.lagP99Ms), JSON.stringify(lag));
    const written = JSON.parse(await readFile(out, 'utf8'));
    assert.deepEqual(written.runs.projections.results, lines);
    assert.ok(written.runs.eventlog, 'running one benchmark keeps the other entries');
  });
  it('onsale --quick runs the rush for ours, the CRUD peer and the naive baseline, each server and the load in its own process, never oversold', async () => {
    const shapes = onServer ? 'one,scaled' : 'one';
    const run = await runBench(['onsale', '--quick', '--buyers=10', '--seats=30', `--shapes=${shapes}`, `--out=${join(dir, 'onsale.json')}`]);
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stdout);
    const expected = shapes.split(',').flatMap((shape) => ['ours', 'crud', 'naive'].map((impl) => `rush-${shape} ${impl}`));
    assert.deepEqual(lines.map((l) => `${l.case} ${l.impl}`), expected);
    for (const line of lines) {
      assert.equal(line.bench, 'onsale');
      assert.equal(line.oversold, 0);
      assert.equal(line.errors, 0, JSON.stringify(line));
      for (const field of ['buyers', 'seats', 'sold', 'purchasesPerSec', 'p50Ms', 'p99Ms', 'statementsPerSale']) assert.equal(typeof line[field], 'number', field);
    }
    for (const line of lines.filter((l) => l.impl !== 'naive')) {
      assert.equal(line.sold, 30, `${line.case} ${line.impl} sells out`);
      assert.equal(line.answered201, 30);
      assert.equal(typeof line.soldOutP99Ms, 'number', 'every buyer ends with a 409 sold out');
    }
    for (const line of lines.filter((l) => l.impl === 'ours')) assert.equal(typeof line.vsCrud, 'number');
  });

  it('gateway --quick confirms mint tasks on the emulator through the API and prints confirmedPerSec and p99Ms', async () => {
    const run = await runBench(['gateway', '--quick', '--tasks=8', `--out=${join(dir, 'gateway.json')}`]);
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stdout);
    assert.deepEqual(lines.map((l) => l.batchSize), [1, 100]);
    for (const line of lines) {
      assert.equal(line.bench, 'gateway');
      assert.equal(line.confirmed, 8);
      assert.ok((line.confirmedPerSec as number) > 0 && typeof line.p99Ms === 'number');
    }
  });

  it('startup --quick starts npm start cold and warm on a temporary DATA_DIR and prints time to /healthz and /readyz with the phases, beside the bare-server floor', async () => {
    const run = await runBench(['startup', '--quick', `--out=${join(dir, 'startup.json')}`]);
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stdout);
    assert.deepEqual(lines.map((l) => l.case), ['floor', 'cold', 'warm']);
    for (const line of lines) {
      assert.equal(line.bench, 'startup');
      assert.ok(typeof line.msToHealthz === 'number' && typeof line.msToReady === 'number', JSON.stringify(line));
    }
    for (const line of lines.slice(1)) {
      const phases = line.phases as Record<string, number>;
      for (const phase of ['configuration', 'listening', 'code', 'database', 'contexts', 'migrations', 'event log', 'workers']) assert.equal(typeof phases[phase], 'number', phase);
      assert.ok((line.msToHealthz as number) <= (line.msToReady as number));
    }
  });
  it('gcp (small) reserves until the pool is exhausted and holds on a hot certificate, ours and the baseline, with no duplicate and nothing overspent', async () => {
    const out = join(dir, 'gcp.json');
    const run = await runBench(['gcp', '--quick', '--channels=20', '--certificates=100', '--hot=1', '--tills=10', '--seconds=3', `--out=${out}`]);
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stdout);
    assert.deepEqual(lines.map((l) => `${l.case}/${l.impl}`), ['reserve/ours', 'reserve/baseline', 'redeem/ours', 'redeem/baseline']);
    for (const line of lines.filter((l) => l.case === 'reserve')) {
      assert.equal(line.duplicates, 0, JSON.stringify(line));
      assert.equal(line.reserved, 100, JSON.stringify(line));
      assert.ok((line.reservedPerSec as number) > 0 && typeof line.p99Ms === 'number');
    }
    for (const line of lines.filter((l) => l.case === 'redeem')) {
      assert.deepEqual([line.overspent, line.inconsistent], [0, 0], JSON.stringify(line));
      assert.ok((line.redeemedPerSec as number) > 0 && line.redeemed === line.heldInLog, JSON.stringify(line));
    }
  });

  it('payments (tiny) completes every transaction exactly once through each provider’s webhook, then the same webhooks again append nothing', async () => {
    const out = join(dir, 'payments.json');
    const run = await runBench(['payments', '--quick', '--orders=4', '--concurrency=2', `--out=${out}`]);
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stdout);
    const databases = onServer ? ['pglite', 'postgres'] : ['pglite'];
    assert.deepEqual(
      lines.map((l) => `${l.database}/${l.provider}/${l.case}`),
      databases.flatMap((database) => ['yookassa', 'tbank'].flatMap((provider) => [`${database}/${provider}/complete`, `${database}/${provider}/dedupe`])),
    );
    for (const line of lines) {
      assert.equal(line.bench, 'payments');
      assert.equal(line.webhooks, 4, JSON.stringify(line));
      assert.equal(line.completedOnce, 4, JSON.stringify(line));
      assert.equal(line.unexpectedReplies, 0, JSON.stringify(line));
      for (const field of ['concurrency', 'perSecond', 'p50Ms', 'p99Ms']) assert.equal(typeof line[field], 'number', field);
    }
    for (const line of lines.filter((l) => l.case === 'dedupe')) {
      assert.equal(line.extraEvents, 0, JSON.stringify(line));
      assert.equal(line.readModelCompleted, 4, JSON.stringify(line));
    }
    const written = JSON.parse(await readFile(out, 'utf8'));
    assert.deepEqual(written.runs.payments.results, lines);
  });

  it('given a tiny connect run (issue 14, item 10), then each load prints a completed line (ours) and an ingested line (baseline), every action completed once and the balances exactly what was earned', async () => {
    const out = join(dir, 'connect.json');
    const run = await runBench(['connect', '--quick', '--sequential=2', '--rates=5', '--seconds=2', `--out=${out}`]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /load\s+events\s+offeredPerSecond\s+case\s+impl/);
    const lines = jsonLines(run.stdout);
    const database = process.env.DATABASE_URL ? 'postgres' : 'pglite';
    assert.deepEqual(
      lines.map((l) => `${l.database}/${l.load}/${l.case}/${l.impl}`),
      [`${database}/sequential/completed/ours`, `${database}/sequential/ingested/baseline`, `${database}/steady 5/s/completed/ours`, `${database}/steady 5/s/ingested/baseline`],
    );
    for (const line of lines) {
      assert.equal(line.bench, 'connect');
      assert.equal(line.errors, 0, JSON.stringify(line));
      for (const field of ['events', 'perSecond', 'p50Ms', 'p99Ms']) assert.equal(typeof line[field], 'number', `${field}: ${JSON.stringify(line)}`);
    }
    for (const line of lines.filter((l) => l.case === 'completed')) {
      // alternating referral.joined (one action) and voucher.premium_purchased (two)
      const expected = Math.floor((line.events as number) / 2) * 3 + ((line.events as number) % 2);
      assert.deepEqual(
        [line.expectedActions, line.actions, line.actionsCompleted, line.completedOnce, line.deadLetters, line.balancesAgree],
        [expected, expected, expected, expected, 0, true],
        JSON.stringify(line),
      );
      assert.ok((line.p50Ms as number) <= (line.seenP50Ms as number), `completed_at comes before the poller sees it: ${JSON.stringify(line)}`);
    }
    const written = JSON.parse(await readFile(out, 'utf8'));
    assert.deepEqual(written.runs.connect.results, lines);
  });
});
