/**
 * The replay tool for operators (SPEC X-4): rebuild projections from the log — or verify that a
 * rebuild equals the live state — on a running Ledgerline, without stopping it.
 *
 *   npm run replay -- <projection…|all> [--verify] [--url http://localhost:3000] [--token <admin access token>]
 *
 * The token defaults to LEDGERLINE_TOKEN. Progress goes to stderr as a bar per projection
 * (events done of the total, rate, ETA, phase: redrawn in place on a terminal, a line every few
 * seconds otherwise); the final report goes to stdout as a table, and for a verify the
 * comparison of each table. The exit code is 1 when a replay fails or a verify finds differences.
 */
import { parseArgs } from 'node:util';
import { progressReporter, type ProgressView } from './replay/progress-bar.js';
import { comparisonTable, reportTable, type ReplayOutcome, type ReportView } from './replay/report-table.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { verify: { type: 'boolean', default: false }, url: { type: 'string', default: 'http://localhost:3000' }, token: { type: 'string' } },
});
const token = values.token ?? process.env.LEDGERLINE_TOKEN;
if (positionals.length === 0 || !token) {
  console.error('usage: npm run replay -- <projection…|all> [--verify] [--url http://localhost:3000] [--token <admin access token> | LEDGERLINE_TOKEN]');
  process.exit(2);
}
const api = values.url!.replace(/\/+$/, '');
const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${api}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const json = (await response.json().catch(() => ({}))) as { detail?: string; code?: string };
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${json.detail ?? json.code ?? ''}`);
  return json;
}

let names = positionals;
if (names.includes('all')) {
  const listed = (await call('GET', '/api/admin/projections')) as { items: { name: string }[] };
  names = listed.items.map((item) => item.name).filter((name) => !name.startsWith('saga:'));
}
let failed = false;
const mode = values.verify ? 'verify' : 'rebuild';
const outcomes: ReplayOutcome[] = [];
for (const name of names) {
  const bar = progressReporter(process.stderr, { tty: process.stderr.isTTY === true, columns: process.stderr.columns });
  const job = await call('POST', `/api/admin/projections/${encodeURIComponent(name)}/replay`, { mode });
  let state = job;
  while (state.status === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 500));
    state = await call('GET', `/api/admin/replays/${job.replay_id}`);
    if (state.progress) bar.update(state.progress as ProgressView);
  }
  bar.finish();
  if (state.status === 'failed') {
    failed = true;
    console.error(`${name}: FAILED ${state.error}`);
    outcomes.push({ projection: name, mode, error: String(state.error) });
    continue;
  }
  const report = state.report as ReportView;
  outcomes.push({ projection: name, mode, report });
  if (report.mode === 'verify' && !report.equal) failed = true;
}
console.log(reportTable(outcomes));
for (const outcome of outcomes) {
  if (!('report' in outcome) || outcome.report.mode !== 'verify') continue;
  console.log(`\n${outcome.projection}: tables compared at ${outcome.report.position}`);
  console.log(comparisonTable(outcome.report));
}
process.exit(failed ? 1 : 0);
