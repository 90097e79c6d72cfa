/**
 * Per-key token buckets, in this process's memory: each key may spend `burst` requests at once and
 * earns `perSecond` back every second. Every Sortie process keeps its own buckets, so behind a
 * load balancer spreading a key's requests over N `serve` processes the key gets up to N times the
 * rate (README, "Rate limits"); no request waits on a shared counter.
 */
export interface RateLimit {
  perSecond: number
  burst: number
}

interface Bucket {
  tokens: number
  at: number
}

/** Buckets idle long enough to be full again are forgotten once the map grows past this. */
const SWEEP_ABOVE = 10_000

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>()

  constructor(
    private readonly limit: RateLimit,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Takes one token for `key`: 0 when the request may go on, else the milliseconds to wait. */
  take(key: string): number {
    const now = this.nowMs()
    const { perSecond, burst } = this.limit
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond)
    bucket.at = now
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= SWEEP_ABOVE) this.sweep(now)
      this.buckets.set(key, bucket)
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return Math.ceil(((1 - bucket.tokens) / perSecond) * 1000)
  }

  private sweep(now: number): void {
    const fullAfterMs = (this.limit.burst / this.limit.perSecond) * 1000
    for (const [key, b] of this.buckets) if (now - b.at >= fullAfterMs) this.buckets.delete(key)
  }
}
