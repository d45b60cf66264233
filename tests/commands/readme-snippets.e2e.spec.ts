import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every shell snippet of the README, in order, pasted into ONE bash session (set -euo pipefail)
 * against ONE `npm start` (node --import tsx bin/serve.ts) on a fresh DATA_DIR, with the callback
 * receiver of the gateway walkthrough running beside it. localhost:3000 and localhost:4000 become
 * the test's ports. After each snippet, every variable it assigned must be non-empty and not `null`.
 */
const SKIPPED: Record<string, string> = {
  'Set-up': 'starts the process itself (npm install && npm start; npm test) — the test starts it',
  EventStoreDB: 'runs the test suites against an EventStoreDB server (npm test) — CI runs them itself',
};

interface Snippet {
  readonly section: string;
  readonly code: string;
}

function shellSnippets(readme: string): Snippet[] {
  const snippets: Snippet[] = [];
  let section = '';
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('## ')) section = line.slice(3).trim();
    if (line.trim() === '```sh') {
      const body: string[] = [];
      while (lines[++i] !== undefined && lines[i]!.trim() !== '```') body.push(lines[i]!);
      snippets.push({ section, code: body.join('\n') });
    }
  }
  return snippets;
}

/** Names assigned at the start of a line or after `;` (FOO=$(…)), in order, once each. */
function assignedVariables(code: string): string[] {
  const names = new Set<string>();
  for (const match of code.matchAll(/(?:^|;\s*)([A-Z][A-Z0-9_]*)=/gm)) names.add(match[1]!);
  return [...names];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function started(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`not started within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const found = output.match(pattern);
      if (found) {
        clearTimeout(timer);
        resolve(found[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before starting:\n${output}`)));
  });
}

describe('README: every shell snippet, in order, in one bash session against one npm start', function () {
  this.timeout(300_000);
  let dataDir: string;
  let server: ChildProcess | undefined;
  let receiver: ChildProcess | undefined;
  let receiverOutput = '';
  let port: number;
  let callbackPort: number;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-readme-'));
    port = await freePort();
    callbackPort = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), PAYMENT_SANDBOX_PORT: '0', CLOUD_REGISTER_PORT: '0', CLOUD_REGISTER_WAIT_MS: '300', DATA_DIR: dataDir, ADMIN_EMAILS: 'admin@example.com', PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_ITERATIONS: '1', LOG_LEVEL: 'info' };
    delete env.DATABASE_URL; // the README's default: the embedded PGlite
    delete env.EVENTSTORE_URL;
    delete env.JWT_SECRET;
    server = spawn(process.execPath, ['--import', 'tsx', 'bin/serve.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    await started(server, /"phase":"ready"/, 120_000);
    // the receiver reads the secret the server generated into its DATA_DIR (given through DATA_DIR, like the README says)
    receiver = spawn(process.execPath, ['--import', 'tsx', 'scripts/callback-receiver.ts', '--port', String(callbackPort)], { env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    receiver.stdout!.on('data', (chunk) => (receiverOutput += chunk));
    const listening = await started(receiver, /listening for callbacks on .*\(secret from [^)]+\)/, 60_000);
    assert.ok(listening.includes(join(dataDir, 'callback-secret')), listening);
  });

  after(async () => {
    for (const child of [receiver, server]) {
      if (!child || child.exitCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('given a fresh npm start, when every README shell snippet runs in order in one shell, then each step succeeds and no variable captures null', async () => {
    const snippets = shellSnippets(await readFile('README.md', 'utf8'));
    const run = snippets.filter((s) => !(s.section in SKIPPED));
    assert.ok(run.some((s) => s.section.startsWith('Walkthrough: ticketing')) && run.some((s) => s.section.includes('Blockchain Gateway')) && run.some((s) => s.section === 'Rewards (Connect)'), 'the walkthroughs are found');
    for (const section of Object.keys(SKIPPED)) assert.ok(snippets.some((s) => s.section === section), `skipped section ${section} still exists`);

    const script = ['set -euo pipefail'];
    for (const [index, snippet] of run.entries()) {
      script.push(`echo "### snippet ${index + 1}: ${snippet.section}"`);
      script.push(snippet.code.replaceAll('localhost:3000', `localhost:${port}`).replaceAll('localhost:4000', `localhost:${callbackPort}`));
      for (const name of assignedVariables(snippet.code)) {
        script.push(`if [ -z "\${${name}:-}" ] || [ "\${${name}}" = null ]; then echo "${snippet.section}: ${name} is empty or null" >&2; exit 1; fi`);
      }
    }
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const bash = spawn('bash', ['-c', script.join('\n')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      bash.stdout.on('data', (chunk) => (stdout += chunk));
      bash.stderr.on('data', (chunk) => (stderr += chunk));
      bash.on('error', reject);
      bash.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(result.code, 0, `the README session failed:\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);

    // what the README's comments promise
    assert.match(result.stdout, /"status":"published"/);
    assert.match(result.stdout, /^"used"$/m);
    assert.match(result.stdout, /"ticket\.already_used"/);
    assert.match(result.stdout, /"status":"verified"/);
    assert.match(result.stdout, /"kind":"g2a_mint","status":"confirmed"/);
    assert.doesNotMatch(result.stdout, /"status":"failed"/);
    // the game store: paid once by card at YooKassa, the repeats changed nothing, owned, paid by SBP at T-Bank
    assert.match(result.stdout, /\{"status":"completed","provider_status":"succeeded","history":\["PaymentTransactionInitiated","ProviderPaymentCreated","PaymentTransactionCompleted"\]\}/);
    assert.match(result.stdout, /^\{"redelivered":5\}\n\["PaymentTransactionInitiated","ProviderPaymentCreated","PaymentTransactionCompleted"\]$/m);
    assert.match(result.stdout, /"status":409,"code":"order.product_owned"/);
    assert.match(result.stdout, /\{"status":"completed","provider_status":"CONFIRMED"\}/);
    // …and the purchase saga: completed, in the library, the receipt fiscalized (FFD 1.2 lines), Dasha credited 70 %, then refunded and reversed
    assert.match(result.stdout, /"status":"completed","transactions":\[\{"provider":"yookassa","status":"completed"\}\],"progress":\{"paid":true,"in_library":true,"confirmation_sent":true,"receipt_registered":true,"receipt_sent":true,"developer_credited":true,"recorded":true\}/);
    assert.match(result.stdout, /^\[\{"title":"Northern Lights","acquisition":"purchase"\}\]$/m);
    assert.match(result.stdout, /\{"operation":"sell","status":"fiscalized_success","total":\{"value":"1499.00","currency":"RUB"\},"lines":\[\{"name":"Northern Lights","price":"1499.00","vat":"vat22","payment_object":"intellectual_activity","payment_method":"full_payment"\}\],"fiscal":\{"fiscal_document_number":"\d+","fiscal_sign":"\d+","fiscal_drive_number":"\d+"\}\}/);
    assert.match(result.stdout, /\{"balances":\[\{"value":"1049.30","currency":"RUB"\}\],"entries":\[\{"kind":"credit","amount":"1049.30"\}\]\}/);
    assert.match(result.stdout, /\{"status":"refunded","refunds":\[\{"status":"confirmed","amount":\{"value":"1499.00","currency":"RUB"\}\}\]\}/);
    assert.match(result.stdout, /\[\{"operation":"sell","status":"fiscalized_success","total":"1499.00"\},\{"operation":"sell_refund","status":"fiscalized_success","total":"1499.00"\}\]/);
    assert.match(result.stdout, /^\["Midnight Tram"\]$/m);
    assert.match(result.stdout, /\{"balances":\[\{"value":"244.30","currency":"RUB"\}\],"entries":\[\{"kind":"debit","amount":"1049.30"\},\{"kind":"credit","amount":"244.30"\},\{"kind":"credit","amount":"1049.30"\}\]\}/);
    assert.match(result.stdout, /<svg/);
    // rewards (Connect): the default rules, a repeated report, the level-2 reward locked until Sofia is VIP, then paid once
    assert.match(result.stdout, /"referral_joined_level1@1","referral_subjoined_level2@1"/);
    assert.match(result.stdout, /^\{"same_event":true\}$/m);
    assert.match(result.stdout, /^\{"status":409,"code":"connect\.external_id_reused"\}$/m);
    assert.match(result.stdout, /^\[\{"rule_id":"referral_subjoined_level2","amount":"50","status":"locked","locked_until":"vip_or_pro"\},\{"rule_id":"referral_joined_level1","amount":"100","status":"completed","locked_until":null\}\]$/m);
    assert.match(result.stdout, /^\{"tier":"basic","referral_count":1,"second_level_referral_count":1,"locked_rewards_waiting":1\}$/m);
    assert.match(result.stdout, /^\{"points":"100"\}\n\[\]\n\{"rule_id":"referral_subjoined_level2","amount":"50","history":\["locked","pending","dispatched","completed"\]\}\n\{"points":"150"\}$/m);
    // …Boris's tenth quest: points, G2A minted on chain, the badge confirmed on the TON emulator
    assert.match(result.stdout, /^\{"user_id":"[^"]+","points":"0","g2a":\{"balance":"0","held":"0","available":"0"\}\}$/m);
    assert.match(result.stdout, /^\{"badge_type":"quest_master_10","level":1,"onchain_status":"confirmed","onchain_token_id":"\d+"\}$/m);
    assert.match(result.stdout, /^\{"name":"quest master 10 — level 1",/m);
    assert.match(result.stdout, /^\{"kind":"g2a_mint","status":"confirmed"\}$/m);
    // …1 G2A off-chain from a voucher, withdrawn to his wallet: held, then settled on confirmation
    assert.match(result.stdout, /^\{"user_id":"[^"]+","points":"100","g2a":\{"balance":"1000000000","held":"0","available":"1000000000"\}\}$/m);
    assert.match(result.stdout, /^\{"withdrawal_id":"boris-1","status":"held","hold":"held"\}\n\{"balance":"1000000000","held":"1000000000","available":"0"\}$/m);
    assert.match(result.stdout, /^\{"status":"completed","hold":"settled","to_address":"[^"]+","tx_hash":"[0-9a-f]+"\}\n\{"balance":"0","held":"0","available":"0"\}$/m);
    // …and the stream shows every status of the locked reward once; BI the withdrawal
    assert.match(result.stdout, /^\["locked","pending","dispatched","completed"\]$/m);
    assert.match(result.stdout, /^\["boris-1","1\.000000000","completed"\]$/m);
    assert.match(receiverOutput, /signature valid/);
    assert.doesNotMatch(receiverOutput, /INVALID/);
  });
});
