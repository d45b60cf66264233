import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { sql } from 'kysely';
import request from 'supertest';
import { loadConfig } from '../../../adapters/config/platform-config.js';
import { startHttpServer, type HttpServerHandle } from '../../../adapters/http/http-server.js';
import { IdempotencyStore } from '../../../adapters/http/idempotency-store.js';
import { openSampleApp, type SampleApp } from './test-app.js';

/** Write `head`, then the body a byte every `everyMs`; resolves with whatever the server answered and when. */
function trickle(port: number, head: string, body: string, everyMs: number): Promise<{ answer: string; afterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      let sent = 0;
      timer = setInterval(() => {
        if (sent < body.length && socket.writable) socket.write(body[sent++]!);
      }, everyMs);
    });
    const done = () => {
      clearInterval(timer);
      resolve({ answer, afterMs: Date.now() - started });
    };
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('close', done);
    socket.on('error', (error) => (answer ? done() : reject(error)));
  });
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
const problemIn = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { status: number; code: string };

describe('HTTP edge: slow clients, large bodies and response headers (issue "Hardening", items 4, 6, 7)', function () {
  this.timeout(30_000);
  let sample: SampleApp;
  let handle: HttpServerHandle;
  before(async () => {
    sample = await openSampleApp({ metricsToken: 'scrape-token-of-some-length' });
    handle = await startHttpServer(sample.app, 0, '127.0.0.1', { headersTimeoutMs: 600, requestTimeoutMs: 4000, minBodyBytesPerSecond: 200, slowBodyGraceMs: 500 });
  });
  after(async () => {
    await handle.close(100);
    await sample.dispose();
  });

  it('given a body trickled slower than the configured rate, when the grace has passed, then 408 problem+json and the connection is closed', async () => {
    const body = JSON.stringify({ title: 'slow', startsAt: '2026-05-01T18:00:00Z', capacity: 1, kind: 'vip' });
    const { answer, afterMs } = await trickle(handle.port, `POST /test/slots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body, 100);
    assert.equal(statusOf(answer), 408, answer.slice(0, 200));
    assert.equal(problemIn(answer).code, 'request.too_slow');
    assert.ok(afterMs < 3000, `cut after ${afterMs} ms`);
    assert.equal(sample.handlerRuns.get('slots') ?? 0, 0);
  });

  it('given headers that never finish, when the header timeout passes, then 408 problem+json', async () => {
    const { answer, afterMs } = await trickle(handle.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 200);
    assert.equal(statusOf(answer), 408, answer.slice(0, 200));
    assert.match(answer, /application\/problem\+json/);
    assert.ok(afterMs < 4000, `cut after ${afterMs} ms`);
  });

  it('given a declared Content-Length over the limit, then 413 at once, before the body is sent', async () => {
    const { answer, afterMs } = await trickle(handle.port, 'POST /test/slots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n', '', 1000);
    assert.equal(statusOf(answer), 413, answer.slice(0, 200));
    assert.equal(problemIn(answer).code, 'request.too_large');
    assert.ok(afterMs < 1000, `answered after ${afterMs} ms`);
  });

  it('given any answer — data, problem or unknown route — then it carries nosniff and no-store', async () => {
    for (const res of [await request(sample.app).get('/healthz'), await request(sample.app).get('/test/slots/abc'), await request(sample.app).get('/nowhere')]) {
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['cache-control'], 'no-store');
    }
  });

  it('given METRICS_TOKEN, then /metrics answers only that bearer token (not an access token, not nothing)', async () => {
    await request(sample.app).get('/metrics').expect(403);
    await request(sample.app).get('/metrics').set('Authorization', 'Bearer wrong-token-of-some-length').expect(403);
    const res = await request(sample.app).get('/metrics').set('Authorization', 'Bearer scrape-token-of-some-length').expect(200);
    assert.match(res.text, /http_request_duration_seconds/);
  });

  it('given no METRICS_TOKEN, then /metrics answers loopback callers only', async () => {
    const open = await openSampleApp();
    try {
      await request(open.app).get('/metrics').expect(200);
      const server = await startHttpServer(open.app, 0, '0.0.0.0');
      try {
        const outside = Object.values((await import('node:os')).networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
        if (outside) {
          const status = await new Promise<number>((resolve, reject) =>
            http.get({ host: outside.address, port: server.port, path: '/metrics', localAddress: outside.address }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject),
          );
          assert.equal(status, 403, 'a caller on a non-loopback address is refused');
        }
      } finally {
        await server.close(100);
      }
    } finally {
      await open.dispose();
    }
  });

  it('given no HOST, then the API listens on 127.0.0.1 only', async () => {
    const config = loadConfig({});
    assert.equal(config.server.host, '127.0.0.1');
    const server = await startHttpServer(sample.app, 0, config.server.host);
    try {
      assert.equal((server.server.address() as net.AddressInfo).address, '127.0.0.1');
    } finally {
      await server.close(100);
    }
  });

  it('given two anonymous callers on different addresses using one Idempotency-Key, then neither gets the other’s answer', async () => {
    const put = (localAddress: string, amount: number) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const body = JSON.stringify({ amount });
        const req = http.request(
          { host: '127.0.0.1', port: handle.port, method: 'PUT', path: '/test/orders/o-9', localAddress, headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, 'Idempotency-Key': 'shared-key' } },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    assert.equal((await put('127.0.0.1', 1)).status, 200);
    const stranger = await put('127.0.0.2', 2);
    assert.equal(stranger.status, 200, 'another address is another owner: no 422 key_reused, no replay of the first answer');
    assert.equal((await put('127.0.0.1', 2)).status, 422, 'the same caller reusing its key with another body is still refused');
  });

  it('given stored Idempotency-Key answers older than the retention, when pruned, then they go in batches and newer ones stay', async () => {
    const store = new IdempotencyStore(sample.database);
    for (let i = 0; i < 5; i++) {
      assert.equal((await store.claim('user:prune', `old-${i}`, 'h')).kind, 'claimed');
      await store.complete('user:prune', `old-${i}`, { status: 201, headers: {}, body: '{}' });
    }
    await sql`update http_idempotency_keys set claimed_at = now() - interval '2 days' where owner = 'user:prune'`.execute(sample.database.db);
    await store.claim('user:prune', 'fresh', 'h');
    assert.equal(await store.prune(86_400_000, 3), 3);
    assert.equal(await store.prune(86_400_000, 3), 2);
    assert.equal(await store.prune(86_400_000, 3), 0);
    const { rows } = await sql<{ idempotency_key: string }>`select idempotency_key from http_idempotency_keys where owner = 'user:prune'`.execute(sample.database.db);
    assert.deepEqual(rows.map((r) => r.idempotency_key), ['fresh']);
  });
});
