import { domainError } from '../../domain/decider.js';
import type { RetryableDomainError } from './problem.js';

export type RateDecision = { readonly allowed: true; readonly remaining: number } | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token bucket per key (login attempts per address and per account, CVC retrievals, wallet-link
 * confirmations), in this process's memory: `capacity` attempts at once, refilled at
 * `refillPerSecond`. Several instances each keep their own buckets, so the effective limit is
 * per instance. Memory is bounded: past `maxKeys` keys the least recently used bucket is
 * forgotten (the map keeps recency order, so that costs O(1) per call even under a flood of
 * distinct keys); the forgotten key starts again with a full bucket, which for the oldest key
 * is almost always what it had refilled to anyway.
 *
 * ```ts
 * const decision = addressLimiter.take(`ip:${clientIp}`);
 * if (!decision.allowed) throw new DomainErrorException(tooManyAttempts('auth.too_many_attempts', 'Too many attempts', decision.retryAfterSeconds));
 * ```
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  private readonly refillPerMs: number;
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(options: { readonly capacity: number; readonly refillPerSecond: number; readonly now?: () => number; readonly maxKeys?: number }) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) throw new RangeError('capacity ≥ 1 and refillPerSecond > 0 are required');
    this.capacity = options.capacity;
    this.refillPerMs = options.refillPerSecond / 1000;
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  take(key: string, cost = 1): RateDecision {
    const now = this.now();
    const bucket = this.refilled(key, now);
    const allowed = bucket.tokens >= cost;
    if (allowed) bucket.tokens -= cost;
    remember(this.buckets, key, bucket, this.maxKeys);
    if (allowed) return { allowed: true, remaining: Math.floor(bucket.tokens) };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((cost - bucket.tokens) / this.refillPerMs / 1000)) };
  }

  /** Forget a key's history (e.g. after a successful login). */
  reset(key: string): void {
    this.buckets.delete(key);
  }

  /** How many keys are remembered (at most `maxKeys`). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string, now: number): Bucket {
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.capacity, updatedAt: now };
    const tokens = Math.min(this.capacity, bucket.tokens + Math.max(0, now - bucket.updatedAt) * this.refillPerMs);
    return { tokens, updatedAt: now };
  }
}

/** Store `value` as the most recently used entry of `map`, forgetting the least recently used past `maxKeys`. */
function remember<V>(map: Map<string, V>, key: string, value: V, maxKeys: number): void {
  map.delete(key); // re-inserted last: a Map iterates in insertion order, so the first key is the oldest
  map.set(key, value);
  while (map.size > maxKeys) map.delete(map.keys().next().value!);
}

interface FailureRecord {
  failures: number;
  /** Attempts let through and not yet settled (a password being verified). */
  pending: number;
  lastFailureAt: number;
  blockedUntil: number;
}

/** One attempt let through by a `FailureBackoff`: settle it once its outcome is known. */
export interface BackoffAttempt {
  succeeded(): void;
  failed(): void;
  /** Neither (the attempt was refused later or failed on our side): it does not count. */
  abandon(): void;
}

export type BackoffDecision = { readonly allowed: true; readonly attempt: BackoffAttempt } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * Exponential delay after failures, per key (an account and the address trying it): the first
 * `freeFailures` failures cost nothing; after failure number `freeFailures + k` the key must
 * wait `2^k` seconds (capped at `maxDelaySeconds`) before its next attempt. A success forgets
 * the key; so does a day (`forgetAfterSeconds`) without a failure. Once delays apply only one
 * attempt per key is in flight at a time, so parallel guesses do not slip past the delay.
 * Bounded like `TokenBucketLimiter` (least recently used keys forgotten past `maxKeys`).
 *
 * ```ts
 * const decision = backoff.begin(`${email} ${clientIp}`);
 * if (!decision.allowed) throw …429 with decision.retryAfterSeconds;
 * (await verify()) ? decision.attempt.succeeded() : decision.attempt.failed();
 * ```
 */
export class FailureBackoff {
  private readonly records = new Map<string, FailureRecord>();
  private readonly freeFailures: number;
  private readonly maxDelayMs: number;
  private readonly forgetAfterMs: number;
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(options: { readonly freeFailures: number; readonly maxDelaySeconds: number; readonly forgetAfterSeconds?: number; readonly now?: () => number; readonly maxKeys?: number }) {
    if (!(options.freeFailures >= 1) || !(options.maxDelaySeconds >= 1)) throw new RangeError('freeFailures ≥ 1 and maxDelaySeconds ≥ 1 are required');
    this.freeFailures = options.freeFailures;
    this.maxDelayMs = options.maxDelaySeconds * 1000;
    this.forgetAfterMs = (options.forgetAfterSeconds ?? 86_400) * 1000;
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  /** May `key` try now? If so, the returned attempt must be settled. */
  begin(key: string): BackoffDecision {
    const now = this.now();
    const record = this.current(key, now);
    if (now < record.blockedUntil) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((record.blockedUntil - now) / 1000)) };
    if (record.pending > 0 && record.failures + record.pending >= this.freeFailures) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(this.delayAfter(record.failures + 1) / 1000)) };
    }
    record.pending += 1;
    remember(this.records, key, record, this.maxKeys);
    let settled = false;
    const settle = (outcome: 'succeeded' | 'failed' | 'abandoned') => {
      if (settled) return;
      settled = true;
      this.settle(key, outcome);
    };
    return { allowed: true, attempt: { succeeded: () => settle('succeeded'), failed: () => settle('failed'), abandon: () => settle('abandoned') } };
  }

  /** How many keys are remembered (at most `maxKeys`). */
  get size(): number {
    return this.records.size;
  }

  private settle(key: string, outcome: 'succeeded' | 'failed' | 'abandoned'): void {
    const now = this.now();
    if (outcome === 'succeeded') {
      this.records.delete(key);
      return;
    }
    // the record may have been forgotten meanwhile (flood of keys): a failure then starts a new one
    const record = this.records.get(key) ?? { failures: 0, pending: 1, lastFailureAt: now, blockedUntil: 0 };
    record.pending = Math.max(0, record.pending - 1);
    if (outcome === 'failed') {
      record.failures += 1;
      record.lastFailureAt = now;
      record.blockedUntil = Math.max(record.blockedUntil, now + this.delayAfter(record.failures));
    }
    if (record.failures === 0 && record.pending === 0) this.records.delete(key);
    else remember(this.records, key, record, this.maxKeys);
  }

  /** The wait after the `failures`-th failure, in ms: none for the free ones, then 1 s, 2 s, 4 s … up to the cap. */
  private delayAfter(failures: number): number {
    if (failures < this.freeFailures) return 0;
    return Math.min(this.maxDelayMs, 1000 * 2 ** Math.min(failures - this.freeFailures, 40));
  }

  private current(key: string, now: number): FailureRecord {
    const record = this.records.get(key);
    if (record && (record.pending > 0 || now - record.lastFailureAt < this.forgetAfterMs)) return record;
    if (record) this.records.delete(key);
    return { failures: 0, pending: 0, lastFailureAt: now, blockedUntil: 0 };
  }
}

/** A rate_limited DomainError carrying Retry-After (answered as 429). */
export function tooManyAttempts(code: string, message: string, retryAfterSeconds: number): RetryableDomainError {
  return { ...domainError('rate_limited', code, message), retryAfterSeconds };
}
