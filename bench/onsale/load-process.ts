/**
 * The on-sale bench's load, in a process of its own (forked by bench/onsale.ts) so the buyers'
 * HTTP client never shares an event loop with a server. Told a `LoadPlan`, it signs one access
 * token per buyer, answers `{ ready }`, and on each `go` runs a rush: every buyer buys one ticket at
 * a time (buyer i at server i mod n) until it is answered 409 sold out or the time is up; then
 * it answers a `LoadOutcome`.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { signAccessToken } from '../../adapters/http/access-token.js';
import type { LoadGo, LoadOutcome, LoadPlan } from './messages.js';

let plan: LoadPlan | undefined;
let tokens: string[] = [];

async function prepare(next: LoadPlan): Promise<void> {
  plan = next;
  tokens = await Promise.all(
    Array.from({ length: next.buyers }, () => signAccessToken({ kind: 'user', id: randomUUID(), roles: ['user'], scopes: [] }, { secret: next.secret, ttlSeconds: 3600 })),
  );
  process.send!({ ready: true });
}

async function rush({ path, body, seconds }: LoadGo): Promise<LoadOutcome> {
  const { urls } = plan!;
  const purchased: number[] = [];
  const soldOut: number[] = [];
  let busy429 = 0;
  let errors = 0;
  let firstError: string | undefined;
  let lastPurchase = 0;
  const payload = JSON.stringify(body);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    tokens.map(async (token, buyer) => {
      const url = `${urls[buyer % urls.length]}${path}`;
      const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` };
      while (performance.now() < deadline) {
        const t0 = performance.now();
        let status: number;
        let text = '';
        try {
          const response = await fetch(url, { method: 'POST', headers, body: payload });
          status = response.status;
          text = await response.text();
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
  return { seconds: ((lastPurchase || performance.now()) - started) / 1000, purchased, soldOut, busy429, errors, ...(firstError ? { firstError } : {}) };
}

process.on('message', (message: LoadPlan | LoadGo) => {
  if ('go' in message) rush(message).then((outcome) => process.send!(outcome));
  else void prepare(message);
});
