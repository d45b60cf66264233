import assert from 'node:assert/strict';
import { FailureBackoff, TokenBucketLimiter } from '../../../adapters/http/rate-limiter.js';

/** The in-memory limits behind A-4 (adapters/http/rate-limiter.ts): bounded, and delays that grow per key. */
describe('brute-force limiters (issue 8)', () => {
  describe('token buckets under a flood of distinct keys', () => {
    it('given a bound of 1000 keys, when 200 000 distinct keys each take a token, then at most 1000 buckets are remembered', () => {
      let now = 0;
      const limiter = new TokenBucketLimiter({ capacity: 5, refillPerSecond: 5 / 60, now: () => now, maxKeys: 1000 });
      const started = process.hrtime.bigint();
      for (let i = 0; i < 200_000; i++) {
        limiter.take(`ip:10.${i}`);
        if (i % 1000 === 0) now += 1; // the flood arrives faster than buckets refill: none of them is full
        assert.ok(limiter.size <= 1000);
      }
      assert.equal(limiter.size, 1000);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(ms < 5000, `each call stays cheap under the flood (${ms} ms for 200 000)`);
    });

    it('given an exhausted key and a flood smaller than the bound, then the key stays limited; past the bound the least recently used key goes first', () => {
      const limiter = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1 / 3600, now: () => 0, maxKeys: 3 });
      limiter.take('attacker');
      limiter.take('a');
      limiter.take('b');
      assert.equal(limiter.take('attacker').allowed, false, 'still limited: it was not the oldest');
      limiter.take('c'); // four keys: the least recently used ('a') is forgotten
      assert.equal(limiter.size, 3);
      assert.equal(limiter.take('attacker').allowed, false);
      assert.equal(limiter.take('a').allowed, true, 'a was forgotten and starts full');
    });
  });

  describe('exponential delay after failures', () => {
    let now: number;
    let backoff: FailureBackoff;
    beforeEach(() => {
      now = 1_000_000;
      backoff = new FailureBackoff({ freeFailures: 3, maxDelaySeconds: 60, now: () => now });
    });
    const fail = (key: string) => {
      const decision = backoff.begin(key);
      assert.ok(decision.allowed, 'the attempt was let through');
      decision.attempt.failed();
    };
    const waitOf = (key: string) => {
      const decision = backoff.begin(key);
      assert.equal(decision.allowed, false);
      return decision.allowed ? 0 : decision.retryAfterSeconds;
    };

    it('given three free failures, when a key keeps failing, then each further attempt waits 1, 2, 4, 8 … seconds up to the cap', () => {
      for (let i = 0; i < 3; i++) fail('k');
      const waits: number[] = [];
      for (let i = 0; i < 9; i++) {
        const wait = waitOf('k');
        waits.push(wait);
        now += wait * 1000;
        fail('k');
      }
      assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
      assert.equal(backoff.begin('other').allowed, true, 'keys are independent');
    });

    it('given a delayed key, when it succeeds, then its failures are forgotten', () => {
      for (let i = 0; i < 5; i++) {
        now += 60_000;
        fail('k');
      }
      now += 60_000;
      const decision = backoff.begin('k');
      assert.ok(decision.allowed);
      decision.attempt.succeeded();
      for (let i = 0; i < 3; i++) fail('k');
      assert.equal(waitOf('k'), 1);
    });

    it('given a delayed key, when a day passes without a failure, then it starts afresh', () => {
      for (let i = 0; i < 6; i++) {
        now += 60_000;
        fail('k');
      }
      now += 86_400_000;
      for (let i = 0; i < 3; i++) fail('k');
      assert.equal(waitOf('k'), 1);
    });

    it('given many guesses in parallel, when delays apply, then only the free ones and then one at a time get through', () => {
      const inFlight = Array.from({ length: 10 }, () => backoff.begin('k'));
      assert.equal(inFlight.filter((d) => d.allowed).length, 3, 'no more parallel attempts than free failures');
      for (const decision of inFlight) if (decision.allowed) decision.attempt.failed();
      now += 1000;
      const next = backoff.begin('k');
      assert.ok(next.allowed);
      assert.equal(backoff.begin('k').allowed, false, 'a second one waits while the first is verified');
      next.attempt.abandon();
      assert.equal(backoff.begin('k').allowed, true, 'an abandoned attempt does not count');
    });

    it('given a flood of distinct keys, then at most maxKeys records are kept', () => {
      const bounded = new FailureBackoff({ freeFailures: 1, maxDelaySeconds: 60, now: () => now, maxKeys: 500 });
      for (let i = 0; i < 50_000; i++) {
        const decision = bounded.begin(`k${i}`);
        if (decision.allowed) decision.attempt.failed();
      }
      assert.equal(bounded.size, 500);
    });
  });
});
