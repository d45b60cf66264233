import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The Connect benchmark (issue 14, item 10) is never timed here: a tiny --quick run on the
 * database it is given (DATABASE_URL when set, else PGlite) must print its table and one JSON
 * line per case, every reward action completed once, and write the same JSON to --out.
 */
function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

describe('benchmark connect (--quick smoke run, not timed)', function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledgerline-connect-bench-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('given a tiny run, then each load prints a completed line (ours) and an ingested line (baseline), every action completed once and the balances exactly what was earned', async () => {
    const out = join(dir, 'connect.json');
    const run = await runBench(['connect', '--quick', '--sequential=2', '--rates=5', '--seconds=2', `--out=${out}`]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /load\s+events\s+offeredPerSecond\s+case\s+impl/);
    const lines = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
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
