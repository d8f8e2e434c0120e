/**
 * Token buckets per key (a client IP) plus one global bucket, in bounded
 * memory: when the table is full, the bucket idle longest is dropped (a full
 * bucket and a forgotten one behave the same).
 */

export interface RateLimiterOptions {
  /** Requests a key may make in a burst, refilled at `perMinute`. */
  readonly perMinute: number;
  /** Requests all keys together may make per minute. */
  readonly globalPerMinute: number;
  /** Keys remembered at most. */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Enough for a large conference hall behind several NATs, small enough to stay a few hundred kB. */
const DEFAULT_MAX_KEYS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly global: Bucket;
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(private readonly o: RateLimiterOptions) {
    this.now = o.now ?? Date.now;
    this.maxKeys = o.maxKeys ?? DEFAULT_MAX_KEYS;
    this.global = { tokens: o.globalPerMinute, at: this.now() };
  }

  /** Take one token for `key`; false when the key or everyone together is over the limit. */
  take(key: string): boolean {
    const now = this.now();
    let b = this.buckets.get(key);
    if (b) this.buckets.delete(key); // re-insert below: Map order is then least recently used first
    else {
      b = { tokens: this.o.perMinute, at: now };
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(key, b);
    refill(b, this.o.perMinute, now);
    refill(this.global, this.o.globalPerMinute, now);
    if (b.tokens < 1 || this.global.tokens < 1) return false;
    b.tokens -= 1;
    this.global.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }
}

function refill(b: Bucket, perMinute: number, now: number): void {
  b.tokens = Math.min(perMinute, b.tokens + ((now - b.at) * perMinute) / 60_000);
  b.at = now;
}
