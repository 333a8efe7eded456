/**
 * A sliding-window request limit per key. The reports API allows 5 requests per 10 seconds per
 * app and tenant ("Microsoft Graph service-specific throttling limits", identity and access
 * reports); over it Graph answers 429 with Retry-After. Pure: the clock is passed in.
 */
export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

export class SlidingWindow {
  private readonly seen = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  take(key: string): Admission {
    const now = this.clock();
    const recent = (this.seen.get(key) ?? []).filter((at) => at > now - this.windowMs);
    if (recent.length >= this.limit) {
      this.seen.set(key, recent);
      const oldest = recent[0] ?? now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
    }
    recent.push(now);
    this.seen.set(key, recent);
    return { ok: true };
  }
}
