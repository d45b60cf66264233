import assert from 'node:assert/strict';
import request from 'supertest';
import { recordEventsAppended, recordProjectionLag } from '../../../adapters/observability/metrics.js';
import { openSampleApp, type SampleApp } from './test-app.js';

describe('HTTP edge: health, readiness and metrics', () => {
  let sample: SampleApp;
  before(async () => (sample = await openSampleApp()));
  after(async () => sample.dispose());
  afterEach(() => (sample.readiness.failing = false));

  it('given a serving process, when GET /healthz, then 200', async () => {
    await request(sample.app).get('/healthz').expect(200, { status: 'ok' });
  });

  it('given a reachable database and event store, when GET /readyz, then 200 listing the checks', async () => {
    const res = await request(sample.app).get('/readyz').expect(200);
    assert.equal(res.body.status, 'ready');
    assert.deepEqual(res.body.checks, [
      { name: 'database', ok: true },
      { name: 'eventstore', ok: true },
    ]);
  });

  it('given a failing check, when GET /readyz, then 503 problem naming it and no internals', async () => {
    sample.readiness.failing = true;
    const res = await request(sample.app).get('/readyz').expect(503).expect('Content-Type', /application\/problem\+json/);
    assert.match(res.body.detail, /eventstore/);
    assert.doesNotMatch(res.body.detail, /database/);
    assert.doesNotMatch(JSON.stringify(res.body), /connection refused/);
    assert.equal(res.body.status, 503);
  });

  it('given a closed database, when GET /readyz, then 503 naming the database', async () => {
    const other = await openSampleApp();
    await other.database.close();
    const res = await request(other.app).get('/readyz').expect(503);
    assert.match(res.body.detail, /database/);
    await other.dispose().catch(() => {});
  });

  it('given requests were served, when GET /metrics, then the request histogram is labelled by method, route template and status', async () => {
    await request(sample.app).get('/test/slots/5').expect(200);
    await request(sample.app).get('/nowhere').expect(404);
    recordEventsAppended('Ticket', 3);
    recordProjectionLag('tickets', { events: 4, seconds: 1.5 });
    const res = await request(sample.app).get('/metrics').expect(200).expect('Content-Type', /text\/plain/);
    assert.match(res.text, /# TYPE http_request_duration_seconds histogram/);
    assert.match(res.text, /http_request_duration_seconds_count\{method="GET",route="\/test\/slots\/:slotId",status="200"\} \d+/);
    assert.match(res.text, /http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} \d+/);
    assert.match(res.text, /eventstore_events_appended_total\{category="Ticket"\} \d+/);
    assert.match(res.text, /projection_lag_events\{projection="tickets"\} 4/);
    assert.match(res.text, /projection_lag_seconds\{projection="tickets"\} 1.5/);
  });
});
