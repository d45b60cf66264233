import assert from 'node:assert/strict';
import request from 'supertest';
import { TokenBucketLimiter } from '../../../adapters/http/rate-limiter.js';
import { openSampleApp, type SampleApp } from './test-app.js';

describe('rate limiter (token bucket per key)', () => {
  it('given a bucket of 3 refilling 1 per second, when 4 attempts are made at once, then the 4th waits one second', () => {
    let now = 1_000_000;
    const limiter = new TokenBucketLimiter({ capacity: 3, refillPerSecond: 1, now: () => now });
    assert.deepEqual([1, 2, 3].map(() => limiter.take('k').allowed), [true, true, true]);
    assert.deepEqual(limiter.take('k'), { allowed: false, retryAfterSeconds: 1 });
    assert.equal(limiter.take('other').allowed, true, 'keys are independent');
    now += 1000;
    assert.equal(limiter.take('k').allowed, true);
    assert.equal(limiter.take('k').allowed, false);
    limiter.reset('k');
    assert.equal(limiter.take('k').allowed, true);
  });

  it('given a slow refill, when exhausted, then retry-after says how long until one token', () => {
    const limiter = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1 / 60, now: () => 0 });
    limiter.take('k');
    assert.deepEqual(limiter.take('k'), { allowed: false, retryAfterSeconds: 60 });
  });

  it('given many keys, when the map grows past its bound, then full buckets are forgotten', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1, now: () => now, maxKeys: 10 });
    for (let i = 0; i < 10; i++) limiter.take(`k${i}`);
    now += 5000;
    limiter.take('last');
    assert.equal(limiter.take('k0').allowed, true);
  });

  describe('on a route', () => {
    let sample: SampleApp;
    before(async () => (sample = await openSampleApp()));
    after(async () => sample.dispose());

    it('given repeated logins for one account, when over the limit, then 429 problem with Retry-After', async () => {
      await request(sample.app).post('/test/login').send({ email: 'a@x' }).expect(204);
      await request(sample.app).post('/test/login').send({ email: 'a@x' }).expect(204);
      const res = await request(sample.app).post('/test/login').send({ email: 'a@x' }).expect(429);
      assert.equal(res.body.code, 'auth.too_many_attempts');
      assert.ok(Number(res.headers['retry-after']) >= 1);
      await request(sample.app).post('/test/login').send({ email: 'b@x' }).expect(204);
    });
  });
});
