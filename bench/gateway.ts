/**
 * `npm run bench -- gateway [--quick] [--tasks=200]`
 *
 * Blockchain Gateway tasks confirmed per second on the TON emulator, end to end through the
 * HTTP API: N `POST /g2a/mint` requests at once, each with a `callback_url` to a receiver in
 * this process; a task counts when its signed "confirmed" callback arrives (polling N tasks
 * would measure the polling). `GET /tasks/{id}` then checks every task is confirmed. Run with the hot wallet signing one task per message (GATEWAY_BATCH_SIZE=1) and
 * with batching (100 operations per W5R1 message), each on a fresh schema and emulator.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Address } from '@ton/core';
import { startSystem } from '../adapters/app/system.js';
import { appConfigSections } from '../adapters/config/app-config.js';
import { loadConfig } from '../adapters/config/platform-config.js';
import { signAccessToken } from '../adapters/http/access-token.js';
import { createLogger } from '../adapters/observability/logger.js';
import { openTonGateway } from '../adapters/ton/open-ton-gateway.js';
import { gatewayModule } from '../commands/blockchain/gateway-module.js';
import { numberOption, type Bench, type BenchContext } from './lib/bench.js';
import { percentile, round } from './lib/measures.js';

const SECRET = 'gateway-benchmark-secret-of-at-least-32-chars';

async function run(ctx: BenchContext, tasks: number, batchSize: number) {
  const database = await ctx.target.openSchema(20);
  const dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-bench-gateway-'));
  const config = loadConfig(
    { PORT: '0', JWT_SECRET: SECRET, LOG_LEVEL: 'silent', DATA_DIR: dataDir, GATEWAY_BATCH_SIZE: String(batchSize), GATEWAY_POLL_MS: '50', PROJECTION_POLL_MS: '50', GATEWAY_CALLBACK_SECRET: 'gateway-benchmark-callback-secret-32-chars' },
    appConfigSections,
  );
  const system = await startSystem({ config, role: 'all', database, logger: createLogger({ level: 'silent' }), contexts: [gatewayModule(openTonGateway({ persist: false }))] });
  try {
    const api = `http://127.0.0.1:${system.port}`;
    const token = await signAccessToken({ kind: 'service', id: 'bench-rewards', roles: [], scopes: ['g2a:mint'] }, { secret: SECRET, ttlSeconds: 3600 });
    const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` };
    ctx.log(`gateway: ${tasks} mints, batch size ${batchSize}`);
    const latencies: number[] = [];
    const sentAt = new Map<string, number>();
    let failed = 0;
    let settle: () => void = () => {};
    const allSettled = new Promise<void>((resolve) => (settle = resolve));
    const receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        res.writeHead(204).end();
        const body = JSON.parse(text) as { request_id: string; status: string };
        const t0 = sentAt.get(body.request_id);
        if (t0 === undefined) return;
        sentAt.delete(body.request_id);
        if (body.status === 'confirmed') latencies.push(performance.now() - t0);
        else failed++;
        if (latencies.length + failed === tasks) settle();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callbacks`;
    const started = performance.now();
    const taskIds = await Promise.all(
      Array.from({ length: tasks }, async (_, i) => {
        const requestId = `bench-${i}`;
        sentAt.set(requestId, performance.now());
        const to = new Address(0, randomBytes(32)).toString();
        const accepted = await fetch(`${api}/g2a/mint`, { method: 'POST', headers, body: JSON.stringify({ request_id: requestId, to_address: to, amount: '1000000000', callback_url: callbackUrl }) });
        if (accepted.status !== 202) throw new Error(`mint answered ${accepted.status}`);
        return ((await accepted.json()) as { task_id: string }).task_id;
      }),
    );
    await allSettled;
    receiver.close();
    const seconds = (performance.now() - started) / 1000;
    for (const taskId of taskIds.slice(0, 20)) {
      const task = (await (await fetch(`${api}/tasks/${taskId}`, { headers })).json()) as { status?: string };
      if (task.status !== 'confirmed' && task.status !== 'failed') throw new Error(`task ${taskId} is ${task.status} after its callback`);
    }
    latencies.sort((a, b) => a - b);
    ctx.record({
      bench: 'gateway',
      case: 'mint',
      impl: batchSize > 1 ? 'ours' : 'one-per-message',
      batchSize,
      tasks,
      confirmed: latencies.length,
      failed,
      seconds: round(seconds, 2),
      confirmedPerSec: round(latencies.length / seconds),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
    });
  } finally {
    await system.stop();
    await database.dispose();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export const bench: Bench = {
  name: 'gateway',
  description: 'Gateway tasks (G2A mints) confirmed per second on the TON emulator through the HTTP API; batched vs one task per message',
  async run(ctx) {
    const tasks = numberOption(ctx, 'tasks', ctx.quick ? 30 : 300);
    for (const batchSize of [1, 100]) await run(ctx, tasks, batchSize);
    ctx.note('ours = up to GATEWAY_BATCH_SIZE=100 tasks signed into one W5R1 message per seqno; one-per-message = the same with a batch size of 1');
  },
};
