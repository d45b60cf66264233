import assert from 'node:assert/strict';
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
