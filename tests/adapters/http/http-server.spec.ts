import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUTS, startHttpServer } from '../../../adapters/http/http-server.js';
import { openSampleApp, type SampleApp } from './test-app.js';

function get(url: string, agent?: http.Agent): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

describe('HTTP server: graceful shutdown', () => {
  let sample: SampleApp;
  before(async () => (sample = await openSampleApp()));
  after(async () => sample.dispose());

  it('given a request in flight, when the server closes, then close waits for it to finish and new connections are refused', async () => {
    const handle = await startHttpServer(sample.app, 0, '127.0.0.1');
    const agent = new http.Agent({ keepAlive: true });
    await get(`${handle.url}/healthz`, agent); // an idle keep-alive socket must not hold the close
    const inFlight = get(`${handle.url}/test/slow`);
    await sample.gates.entered;

    let closed = false;
    const closing = handle.close(5000).then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(closed, false, 'close waits for the in-flight request');
    await assert.rejects(get(`${handle.url}/healthz`), /ECONNREFUSED|ECONNRESET|socket hang up/);

    sample.gates.release!();
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { finished: true });
    assert.equal(response.headers.connection, 'close');
    await closing;
    assert.equal(closed, true);
    agent.destroy();
  });

  it('given a request that never finishes, when the grace period ends, then close cuts it', async () => {
    const handle = await startHttpServer(sample.app, 0, '127.0.0.1');
    const stuck = get(`${handle.url}/test/slow`).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await handle.close(200);
    assert.ok((await stuck) instanceof Error);
    sample.gates.release?.();
  });
});

describe('HTTP server: keep-alive', () => {
  let sample: SampleApp;
  before(async () => (sample = await openSampleApp()));
  after(async () => sample.dispose());

  it('given an idle keep-alive connection, when less than the keep-alive timeout has passed, then the next request is answered on it; once the timeout has passed, the server closes it', async () => {
    const handle = await startHttpServer(sample.app, 0, '127.0.0.1', { ...DEFAULT_REQUEST_TIMEOUTS, keepAliveTimeoutMs: 1000 });
    const socket = net.connect(handle.port, '127.0.0.1');
    try {
      let received = '';
      const answers = (n: number) =>
        new Promise<void>((resolve) => {
          const check = () => {
            if ((received.match(/HTTP\/1\.1 200/g) ?? []).length >= n) {
              socket.off('data', check);
              resolve();
            }
          };
          socket.on('data', check);
          check();
        });
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      const ended = new Promise<number>((resolve) => socket.once('end', () => resolve(Date.now())));
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await answers(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await answers(2);
      const idleSince = Date.now();
      const idleMs = (await ended) - idleSince;
      assert.ok(idleMs >= 800 && idleMs < 3000, `the server closed the idle connection after ${idleMs} ms`);
    } finally {
      socket.destroy();
      await handle.close(100);
    }
  });

  it('given the defaults, then idle connections outlast a load balancer’s 60 s idle timeout', async () => {
    const handle = await startHttpServer(sample.app, 0, '127.0.0.1');
    try {
      assert.equal(DEFAULT_KEEP_ALIVE_TIMEOUT_MS, 65_000);
      assert.equal(handle.server.keepAliveTimeout, DEFAULT_KEEP_ALIVE_TIMEOUT_MS);
    } finally {
      await handle.close(100);
    }
  });
});
