/**
 * The on-sale bench's load, in a process of its own (forked by bench/onsale.ts) so the buyers'
 * HTTP client never shares an event loop with a server. Told a `LoadPlan`, it signs one access
 * token per buyer, answers `{ ready }`, and on each `go` runs a rush: every buyer buys one ticket at
 * a time (buyer i at server i mod n) until it is answered 409 sold out or the time is up; then
 * it answers a `LoadOutcome`.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { signAccessToken } from '../../adapters/http/access-token.js';
import type { LoadGo, LoadOutcome, LoadPlan } from './messages.js';

let plan: LoadPlan | undefined;

/**
 * Kept-alive connections, one per buyer, all kept between rushes (the default keeps 256 idle
 * ones): the buyers come to the measured rush on open connections, as requests do through a
 * load balancer's pool of upstream connections. `coldConnections` starts a rush on new ones.
 */
const keptAlive = () => new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, maxFreeSockets: Number.POSITIVE_INFINITY });
let agent = keptAlive();

/**
 * POST `payload` and read the whole answer. node:http rather than fetch: the load process shares
 * the machine's two cores with the servers, and undici's fetch spent about twice the CPU per
 * request (the load is the bench's cost, not the system's).
 */
function post(url: URL, headers: Record<string, string>, payload: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(payload) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    sent.on('error', reject);
    sent.end(payload);
  });
}
let tokens: string[] = [];

async function prepare(next: LoadPlan): Promise<void> {
  plan = next;
  tokens = await Promise.all(
    Array.from({ length: next.buyers }, () => signAccessToken({ kind: 'user', id: randomUUID(), roles: ['user'], scopes: [] }, { secret: next.secret, ttlSeconds: 3600 })),
  );
  process.send!({ ready: true });
}

async function rush({ path, body, seconds, coldConnections }: LoadGo): Promise<LoadOutcome> {
  if (coldConnections) {
    agent.destroy();
    agent = keptAlive();
  }
  const { urls } = plan!;
  const purchased: number[] = [];
  const soldOut: number[] = [];
  let busy429 = 0;
  let errors = 0;
  let firstError: string | undefined;
  let lastPurchase = 0;
  const payload = JSON.stringify(body);
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    tokens.map(async (token, buyer) => {
      const url = new URL(`${urls[buyer % urls.length]}${path}`);
      const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` };
      while (performance.now() < deadline) {
        const t0 = performance.now();
        let status: number;
        let text = '';
        try {
          ({ status, text } = await post(url, headers, payload));
        } catch (error) {
          status = 0;
          text = error instanceof Error ? error.message : String(error);
        }
        const ms = performance.now() - t0;
        if (status === 201) {
          purchased.push(ms);
          lastPurchase = performance.now();
        }
        else if (status === 409) {
          soldOut.push(ms);
          return;
        } else if (status === 429) busy429++;
        else {
          errors++;
          firstError ??= `${status} ${text.slice(0, 300)}`;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }),
  );
  const cpu = process.cpuUsage(cpuAtStart);
  return { seconds: ((lastPurchase || performance.now()) - started) / 1000, purchased, soldOut, busy429, errors, ...(firstError ? { firstError } : {}), cpuMs: (cpu.user + cpu.system) / 1000 };
}

process.on('message', (message: LoadPlan | LoadGo) => {
  if ('go' in message) rush(message).then((outcome) => process.send!(outcome));
  else void prepare(message);
});
