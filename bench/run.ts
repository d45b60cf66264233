/**
 * Benchmark dispatcher: `npm run bench -- <name…|all> [--quick] [--out=file] [--key=value…]`.
 *
 * Runs each named benchmark against DATABASE_URL (a PostgreSQL server) or, when it is unset,
 * an embedded PGlite; prints a human table, then one JSON line per measured case, and writes
 * the same JSON to bench/results/latest.json (or --out), keeping other benchmarks' entries.
 *
 * Adding a benchmark: a file under bench/ exporting `bench: Bench`, and one line below.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchContext, BenchResult } from './lib/bench.js';
import { openTarget } from './lib/target.js';

const benches: Record<string, () => Promise<Bench>> = {
  eventlog: async () => (await import('./eventlog.js')).bench,
  projections: async () => (await import('./projections.js')).bench,
  onsale: async () => (await import('./onsale.js')).bench,
  gateway: async () => (await import('./gateway.js')).bench,
  startup: async () => (await import('./startup.js')).bench,
  gcp: async () => (await import('./gcp.js')).bench,
  payments: async () => (await import('./payments.js')).bench,
  purchase: async () => (await import('./purchase.js')).bench,
  connect: async () => (await import('./connect.js')).bench,
};

interface RunRecord {
  readonly bench: string;
  readonly quick: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  readonly database: string;
  readonly machine: Record<string, unknown>;
  readonly notes: string[];
  readonly results: BenchResult[];
}

const here = dirname(fileURLToPath(import.meta.url));

async function main(argv: string[]): Promise<number> {
  const names: string[] = [];
  const options = new Map<string, string>();
  let quick = false;
  let out = resolve(here, 'results', 'latest.json');
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--out=')) out = resolve(arg.slice('--out='.length));
    else if (arg.startsWith('--')) {
      const [key, ...value] = arg.slice(2).split('=');
      options.set(key!, value.length ? value.join('=') : 'true');
    } else names.push(arg);
  }
  const selected = names.includes('all') ? Object.keys(benches) : names;
  const unknown = selected.filter((n) => !(n in benches));
  if (selected.length === 0 || unknown.length > 0) {
    if (unknown.length) process.stderr.write(`unknown benchmark: ${unknown.join(', ')}\n`);
    process.stderr.write(
      `usage: npm run bench -- <${[...Object.keys(benches), 'all'].join('|')}>… [--quick] [--out=file]\n` +
        '  DATABASE_URL=postgres://… runs against that server; unset, against an embedded PGlite.\n',
    );
    return 2;
  }

  const records: RunRecord[] = [];
  for (const name of selected) {
    const bench = await benches[name]!();
    const target = await openTarget({ inMemory: quick });
    const results: BenchResult[] = [];
    const notes: string[] = [];
    const startedAt = new Date();
    const machine = machineInfo();
    const ctx: BenchContext = {
      quick,
      target,
      options,
      record: (result) => {
        results.push(result);
        process.stderr.write(`  ${JSON.stringify(result)}\n`);
      },
      log: (message) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`),
      note: (message) => notes.push(message),
    };
    process.stderr.write(`== ${name}${quick ? ' (quick)' : ''} on ${target.description}\n`);
    try {
      await bench.run(ctx);
    } finally {
      await target.close();
    }
    const finishedAt = new Date();
    records.push({
      bench: name,
      quick,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      seconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
      database: target.description,
      machine: { ...machine, loadAvgAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) },
      notes,
      results,
    });
  }

  for (const record of records) {
    process.stdout.write(`\n${record.bench}${record.quick ? ' (quick)' : ''} — ${record.database}; ${record.seconds} s\n`);
    process.stdout.write(table(record.results));
    for (const note of record.notes) process.stdout.write(`note: ${note}\n`);
  }
  process.stdout.write('\n');
  for (const record of records) for (const result of record.results) process.stdout.write(`${JSON.stringify(result)}\n`);
  writeResults(out, records);
  process.stderr.write(`results written to ${out}\n`);
  return 0;
}

function machineInfo(): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    loadAvgAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** latest.json keeps one entry per benchmark: running one benchmark replaces only its entry. */
function writeResults(file: string, records: RunRecord[]): void {
  let previous: { runs?: Record<string, RunRecord> } = {};
  if (existsSync(file)) {
    try {
      previous = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      previous = {};
    }
  }
  const runs: Record<string, RunRecord> = { ...(previous.runs ?? {}) };
  for (const record of records) runs[record.bench] = record;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ updatedAt: new Date().toISOString(), runs }, null, 2)}\n`);
}

function table(results: readonly BenchResult[]): string {
  if (results.length === 0) return '(no results)\n';
  const columns: string[] = [];
  for (const result of results) for (const key of Object.keys(result)) if (key !== 'bench' && !columns.includes(key)) columns.push(key);
  const cell = (value: unknown) =>
    value === undefined || value === null ? '' : typeof value === 'number' ? value.toLocaleString('en-US') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const rows = results.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((text, i) => (/^[-\d.,]+$/.test(text) ? text.padStart(widths[i]!) : text.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
