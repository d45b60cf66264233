import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { openSampleApp, type SampleApp } from './test-app.js';

describe('HTTP edge: problem responses', () => {
  let sample: SampleApp;
  before(async () => (sample = await openSampleApp()));
  after(async () => sample.dispose());

  const validSlot = { title: 'Opening night', startsAt: '2026-05-01T18:00:00Z', capacity: 100, kind: 'vip' };

  it('given a valid body, when posted, then the handler answers with its status, body and headers', async () => {
    const res = await request(sample.app).post('/test/slots').send(validSlot).expect(201);
    assert.equal(res.body.title, 'Opening night');
    assert.equal(res.headers.location, '/test/slots/1');
  });

  it('given a body with a bad field, when posted, then 400 problem+json names that field', async () => {
    const res = await request(sample.app)
      .post('/test/slots')
      .send({ ...validSlot, startsAt: 'tomorrow' })
      .expect(400)
      .expect('Content-Type', /application\/problem\+json/);
    assert.equal(res.body.status, 400);
    assert.equal(res.body.title, 'Bad Request');
    assert.equal(res.body.field, 'startsAt');
    assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field), ['startsAt']);
    assert.match(res.body.detail, /startsAt/);
    assert.ok(res.body.type && res.body.code && res.body.correlationId);
  });

  it('given several bad and missing fields, when posted, then each is named once', async () => {
    const res = await request(sample.app).post('/test/slots').send({ title: 7, startsAt: validSlot.startsAt, kind: 'gold' }).expect(400);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    assert.deepEqual(fields, ['capacity', 'kind', 'title']);
    const capacity = res.body.errors.find((e: { field: string }) => e.field === 'capacity');
    assert.equal(capacity.message, 'is required');
    assert.match(res.body.detail, /title/);
    assert.match(res.body.detail, /kind/);
  });

  it('given a bad path parameter and query value, when requested, then both are named with their location', async () => {
    const res = await request(sample.app).get('/test/slots/abc?verbose=maybe').expect(400);
    const byField = Object.fromEntries(res.body.errors.map((e: { field: string; in: string }) => [e.field, e.in]));
    assert.deepEqual(byField, { slotId: 'path', verbose: 'query' });
  });

  it('given text path and query values, when requested, then the handler gets them decoded', async () => {
    const res = await request(sample.app).get('/test/slots/42?verbose=yes').expect(200);
    assert.deepEqual(res.body, { slotId: 42, verbose: 'yes' });
  });

  it('given malformed JSON, when posted, then 400 problem', async () => {
    const res = await request(sample.app).post('/test/slots').set('Content-Type', 'application/json').send('{"title": "x",').expect(400);
    assert.equal(res.body.code, 'request.malformed_json');
    assert.match(res.headers['content-type']!, /application\/problem\+json/);
  });

  it('given no body at all, when posted, then 400 naming the body', async () => {
    const res = await request(sample.app).post('/test/slots').expect(400);
    assert.equal(res.body.field, 'body');
  });

  describe('a body that is not JSON', () => {
    it('given a body sent as text/plain, when posted, then 415 request.unsupported_media_type saying application/json is expected', async () => {
      const runs = sample.handlerRuns.get('slots') ?? 0;
      const res = await request(sample.app).post('/test/slots').set('Content-Type', 'text/plain').send(JSON.stringify(validSlot)).expect(415);
      assert.match(res.headers['content-type']!, /application\/problem\+json/);
      assert.equal(res.body.code, 'request.unsupported_media_type');
      assert.equal(res.body.field, 'Content-Type');
      assert.match(res.body.detail, /application\/json/);
      assert.match(res.body.detail, /got text\/plain/);
      assert.equal(sample.handlerRuns.get('slots') ?? 0, runs, 'the handler did not run');
    });

    it('given a JSON body without any Content-Type, when posted, then 415 saying none was sent, not "body is required"', async () => {
      const body = JSON.stringify(validSlot);
      const server = createServer(sample.app).listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/test/slots', headers: { 'Content-Length': Buffer.byteLength(body) } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.on('error', reject).end(body);
      });
      server.close();
      assert.equal(answer.status, 415);
      const problem = JSON.parse(answer.text) as { code: string; detail: string };
      assert.equal(problem.code, 'request.unsupported_media_type');
      assert.match(problem.detail, /Content-Type: application\/json \(no Content-Type was sent\)/);
    });

    it('given a form-encoded PUT, when sent, then 415 as well', async () => {
      const res = await request(sample.app).put('/test/orders/o-1').set('Idempotency-Key', 'form-1').type('form').send({ amount: '1' }).expect(415);
      assert.equal(res.body.code, 'request.unsupported_media_type');
      assert.match(res.body.detail, /got application\/x-www-form-urlencoded/);
    });

    it('given application/merge-patch+json, when posted, then it is read as JSON', async () => {
      const res = await request(sample.app).post('/test/slots').set('Content-Type', 'application/merge-patch+json').send(JSON.stringify(validSlot)).expect(201);
      assert.equal(res.body.title, 'Opening night');
    });

    it('given a route whose body is all optional, when posted without a body (or with JSON), then it runs', async () => {
      assert.deepEqual((await request(sample.app).post('/test/bells').expect(200)).body, { loud: false });
      assert.deepEqual((await request(sample.app).post('/test/bells').set('Content-Length', '0').expect(200)).body, { loud: false });
      assert.deepEqual((await request(sample.app).post('/test/bells').send({ loud: true }).expect(200)).body, { loud: true });
    });

    it('given a POST route, when documented, then 415 is among its answers', async () => {
      const { body } = await request(sample.app).get('/openapi.json').expect(200);
      assert.ok(body.paths['/test/slots'].post.responses['415']);
      assert.ok(body.paths['/test/bells'].post.responses['415']);
      assert.equal(body.paths['/test/items'].get.responses['415'], undefined);
    });
  });

  it('given a body over the limit, when posted, then 413 problem', async () => {
    const res = await request(sample.app)
      .post('/test/slots')
      .send({ ...validSlot, title: 'x'.repeat(10_000) })
      .expect(413);
    assert.equal(res.body.status, 413);
  });

  it('given an unknown route, when requested, then 404 problem', async () => {
    const res = await request(sample.app).get('/nowhere').expect(404);
    assert.equal(res.body.code, 'route.not_found');
    assert.ok(res.body.correlationId);
  });

  it('given a known path with another method, when requested, then 405 problem with Allow', async () => {
    const res = await request(sample.app).delete('/test/slots/3').expect(405);
    assert.equal(res.body.code, 'route.method_not_allowed');
    assert.equal(res.headers.allow, 'GET');
  });

  const statusOfKind = { not_found: 404, forbidden: 403, unauthorized: 401, conflict: 409, rule_violated: 422, rate_limited: 429 } as const;
  for (const [kind, status] of Object.entries(statusOfKind)) {
    it(`given a thrown ${kind} domain error, when handled, then ${status} problem with its code and field`, async () => {
      const res = await request(sample.app).post(`/test/refusals/${kind}`).expect(status);
      assert.equal(res.body.status, status);
      assert.match(res.headers['content-type']!, /application\/problem\+json/);
      if (kind === 'rate_limited') {
        assert.equal(res.body.code, 'test.slow_down');
        assert.equal(res.headers['retry-after'], '17');
      } else {
        assert.equal(res.body.code, `test.${kind}`);
        assert.equal(res.body.field, 'someField');
        assert.equal(res.body.detail, `Refused: ${kind}`);
      }
      assert.ok(res.body.type && res.body.title && res.body.correlationId);
    });

    it(`given a returned Left ${kind}, when handled, then ${status}`, async () => {
      const res = await request(sample.app).get(`/test/refusals/${kind}`).expect(status);
      assert.equal(res.body.code, `test.${kind}`);
    });
  }

  it('given a returned Right, when handled, then its response is sent', async () => {
    await request(sample.app).get('/test/refusals/none').expect(200, { ok: true });
  });

  it('given an unexpected error, when handled, then 500 carries the correlation id and no internals, and the stack is logged', async () => {
    const res = await request(sample.app).get('/test/crash').set('X-Correlation-Id', 'crash-123').expect(500);
    assert.equal(res.body.status, 500);
    assert.equal(res.body.correlationId, 'crash-123');
    assert.equal(res.headers['x-correlation-id'], 'crash-123');
    const text = JSON.stringify(res.body);
    assert.doesNotMatch(text, /hunter2|internal\.ts|at |stack/);
    const logged = sample.logLines.map((line) => JSON.parse(line)).find((l) => l.correlationId === 'crash-123' && l.err);
    assert.ok(logged, 'the error was logged with the correlation id');
    assert.match(logged.err.stack, /hunter2/);
    assert.equal(logged.operation, 'GET /test/crash');
  });

  it('given an X-Correlation-Id, when requested, then it is echoed; a malformed one is replaced', async () => {
    const echoed = await request(sample.app).get('/healthz').set('X-Correlation-Id', 'abc-123.x').expect(200);
    assert.equal(echoed.headers['x-correlation-id'], 'abc-123.x');
    const replaced = await request(sample.app).get('/healthz').set('X-Correlation-Id', 'bad id with spaces').expect(200);
    assert.match(replaced.headers['x-correlation-id']!, /^[0-9a-f-]{36}$/);
    const generated = await request(sample.app).get('/healthz').expect(200);
    assert.match(generated.headers['x-correlation-id']!, /^[0-9a-f-]{36}$/);
  });

  it('given a request, when logged, then the line carries the correlation id and the route template', async () => {
    await request(sample.app).get('/test/slots/7').set('X-Correlation-Id', 'log-line-1').expect(200);
    const line = sample.logLines.map((l) => JSON.parse(l)).find((l) => l.correlationId === 'log-line-1' && l.msg === 'request');
    assert.equal(line.route, '/test/slots/:slotId');
    assert.equal(line.status, 200);
  });
});
