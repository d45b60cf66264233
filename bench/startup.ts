/**
 * `npm run bench -- startup [--quick] [--runs=1]`
 *
 * How long `npm start` takes (the command it runs: `node --import tsx bin/serve.ts`) on the
 * embedded default, from spawning the process to the first 200 of GET /healthz and of GET
 * /readyz: cold (a fresh DATA_DIR: a new PGlite cluster, every migration, the TON emulator
 * bootstrapped) and warm (a second start on the same DATA_DIR). The floor in the same run: a
 * bare `node -e` HTTP server answering its first request. The phases come from the start's own
 * log lines (the `ready` line lists them; the TON emulator loads in the background and is shown
 * when it finished before the process was stopped).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberOption, type Bench, type BenchContext } from './lib/bench.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function answers(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

interface Started {
  readonly msToHealthz: number;
  readonly msToReady: number | null;
  readonly phases: Record<string, number>;
  readonly lines: number;
}

/** Spawn `args`, poll /healthz then /readyz (when `ready`), stop it with SIGTERM. */
async function start(args: readonly string[], env: NodeJS.ProcessEnv, port: number, ready: boolean, timeoutMs = 120_000): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (errors += chunk));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  try {
    const until = async (path: string) => {
      while (performance.now() - t0 < timeoutMs) {
        if (exitedEarly) throw new Error(`the server exited before ${path} answered 200:\n${errors || output}`);
        if ((await answers(`http://127.0.0.1:${port}${path}`)) === 200) return Math.round(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`${path} did not answer 200 within ${timeoutMs} ms:\n${errors || output}`);
    };
    const msToHealthz = await until('/healthz');
    const msToReady = ready ? await until('/readyz') : null;
    if (ready) await new Promise((r) => setTimeout(r, 100)); // the ready line is written just after the switch
    const phases: Record<string, number> = {};
    let lines = 0;
    for (const line of output.split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { phase?: string; ms?: number; still?: boolean; phases?: Record<string, number> };
      if (!entry.phase || entry.still || typeof entry.ms !== 'number') continue;
      lines++;
      if (entry.phase === 'ready' && entry.phases) Object.assign(phases, entry.phases);
      else if (entry.phase === 'TON emulator') phases['TON emulator (background)'] = entry.ms;
    }
    return { msToHealthz, msToReady, phases, lines };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const FLOOR = "require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')";

export const bench: Bench = {
  name: 'startup',
  description: 'npm start to the first 200 of /healthz and /readyz, cold (fresh DATA_DIR) and warm, against a bare node http server',
  async run(ctx: BenchContext) {
    const runs = numberOption(ctx, 'runs', ctx.quick ? 1 : 3);
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', NODE_ENV: 'production' };
    delete env.DATABASE_URL; // the embedded default is what `npm start` runs
    delete env.EVENTSTORE_URL;
    delete env.JWT_SECRET;
    if (process.env.DATABASE_URL) ctx.note('startup measures the embedded default (PGlite): DATABASE_URL is not passed to the started server');
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

    const floor: number[] = [];
    for (let i = 0; i < runs; i++) {
      const port = await freePort();
      floor.push((await start(['-e', FLOOR], { ...env, PORT: String(port) }, port, false)).msToHealthz);
    }
    ctx.record({ bench: 'startup', case: 'floor', impl: 'baseline', runs, msToHealthz: median(floor), msToReady: median(floor), vsFloor: 1, phases: 'bare node -e http server' });

    const cases: Record<'cold' | 'warm', Started[]> = { cold: [], warm: [] };
    for (let i = 0; i < runs; i++) {
      const dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-bench-startup-'));
      try {
        for (const name of ['cold', 'warm'] as const) {
          const port = await freePort();
          ctx.log(`startup ${name} (run ${i + 1} of ${runs}) on port ${port}, DATA_DIR ${dataDir}`);
          cases[name].push(await start(['--import', 'tsx', 'bin/serve.ts'], { ...env, PORT: String(port), DATA_DIR: dataDir }, port, true));
        }
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    }
    for (const name of ['cold', 'warm'] as const) {
      const started = cases[name];
      const ready = median(started.map((s) => s.msToReady!));
      const typical = started.find((s) => s.msToReady === ready)!;
      ctx.record({
        bench: 'startup',
        case: name,
        impl: 'ours',
        runs,
        msToHealthz: median(started.map((s) => s.msToHealthz)),
        msToReady: ready,
        vsFloor: Math.round((ready / median(floor)) * 10) / 10,
        phaseLines: typical.lines,
        phases: typical.phases,
      });
    }
    ctx.note('ms from spawning the process; medians of --runs starts; phases of the median start (configuration counts node + tsx boot); the TON emulator loads after readiness, in the background');
  },
};
