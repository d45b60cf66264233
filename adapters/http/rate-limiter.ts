import { domainError } from '../../domain/decider.js';
import type { RetryableDomainError } from './problem.js';

export type RateDecision = { readonly allowed: true; readonly remaining: number } | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token bucket per key (login attempts per account and per IP, CVC retrievals, wallet-link
 * confirmations), in this process's memory: `capacity` attempts at once, refilled at
 * `refillPerSecond`. Several instances each keep their own buckets, so the effective limit is
 * per instance. Full buckets are forgotten to bound memory.
 *
 * ```ts
 * const decision = loginLimiter.take(`login:${body.email}`);
 * if (!decision.allowed) throw new DomainErrorException(tooManyAttempts('auth.too_many_attempts', 'Too many login attempts', decision.retryAfterSeconds));
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
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      this.buckets.set(key, bucket);
      if (this.buckets.size > this.maxKeys) this.forgetFull(now);
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    this.buckets.set(key, bucket);
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((cost - bucket.tokens) / this.refillPerMs / 1000)) };
  }

  /** Forget a key's history (e.g. after a successful login). */
  reset(key: string): void {
    this.buckets.delete(key);
  }

  private refilled(key: string, now: number): Bucket {
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.capacity, updatedAt: now };
    const tokens = Math.min(this.capacity, bucket.tokens + Math.max(0, now - bucket.updatedAt) * this.refillPerMs);
    return { tokens, updatedAt: now };
  }

  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs >= this.capacity) this.buckets.delete(key);
    }
  }
}

/** A rate_limited DomainError carrying Retry-After (answered as 429). */
export function tooManyAttempts(code: string, message: string, retryAfterSeconds: number): RetryableDomainError {
  return { ...domainError('rate_limited', code, message), retryAfterSeconds };
}
