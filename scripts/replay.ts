/**
 * The replay tool for operators (SPEC X-4): rebuild projections from the log — or verify that a
 * rebuild equals the live state — on a running Ledgerline, without stopping it.
 *
 *   npm run replay -- <projection…|all> [--verify] [--url http://localhost:3000] [--token <admin access token>]
 *
 * The token defaults to LEDGERLINE_TOKEN. Progress goes to stderr; the exit code is 1 when a
 * replay fails or a verify finds differences.
 */
import { parseArgs } from 'node:util';

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
for (const name of names) {
  const job = await call('POST', `/api/admin/projections/${encodeURIComponent(name)}/replay`, { mode: values.verify ? 'verify' : 'rebuild' });
  let state = job;
  while (state.status === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 500));
    state = await call('GET', `/api/admin/replays/${job.replay_id}`);
    if (state.progress) console.error(`${name}: ${state.progress.phase}, ${state.progress.events} events, at ${state.progress.position} of ${state.progress.head}`);
  }
  if (state.status === 'failed') {
    failed = true;
    console.error(`${name}: FAILED ${state.error}`);
    continue;
  }
  const report = state.report;
  console.log(`${name}: ${report.mode} done — ${report.events} events in ${report.seconds} s, at ${report.position}${report.mode === 'verify' ? (report.equal ? ', equal to the live state' : ', DIFFERENT from the live state') : ''}`);
  for (const table of report.tables ?? []) {
    console.log(`  ${table.table}: live ${table.liveRows} rows, rebuilt ${table.rebuiltRows}; only live ${table.onlyLive}, only rebuilt ${table.onlyRebuilt}`);
  }
  if (report.mode === 'verify' && !report.equal) failed = true;
}
process.exit(failed ? 1 : 0);
