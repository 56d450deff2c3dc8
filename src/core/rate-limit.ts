/**
 * Abuse controls: fixed one-minute windows counted in the store, so a limit holds across
 * every server. Checking costs no round trip: a server learns that a key went over its
 * limit from the totals its own counting returns and refuses it locally until the window
 * ends — so with N servers at most N − 1 attempts beyond the limit slip through a window.
 * Requests are counted locally and added to the store in batches (every 250 ms), failures
 * one by one (they are rare, and each counts).
 */
import type { Clock } from "./clock.js";
import { SessiondError } from "./errors.js";
import type { SessionStore } from "./store.js";

export const RATE_WINDOW_MS = 60_000;
const FLUSH_MS = 250;

/** Limits per minute; null or 0: off. */
export interface RateLimits {
  /** Failed verifications per end-user IP (the IP the app forwards, not the app server's). */
  failedVerifyPerIp: number | null;
  /** Failed verifications per API key. */
  failedVerifyPerKey: number | null;
  /** Requests per API key. */
  requestsPerKey: number | null;
}

export class RateLimiter {
  private readonly blockedUntil = new Map<string, number>();
  private readonly unflushed = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: SessionStore,
    private readonly clock: Clock,
    readonly limits: RateLimits,
  ) {}

  /** @throws SessiondError `rate_limited` (with `retryAfterSeconds`) when any of `keys` is over its limit. */
  check(...keys: (string | null)[]): void {
    const now = this.clock.now();
    for (const key of keys) {
      if (key === null) continue;
      const until = this.blockedUntil.get(key);
      if (until === undefined) continue;
      if (until <= now) this.blockedUntil.delete(key);
      else throw limited(until, now);
    }
  }

  /** @throws SessiondError `rate_limited` when the user's IP or the API key failed too often this window. */
  checkVerify(ip: string | null, keyId: string): void {
    this.check(ip === null ? null : `verify-ip:${ip}`, `verify-key:${keyId}`);
  }

  /** A failed verification from `ip` with API key `keyId`: counted in the store. */
  async failedVerify(ip: string | null, keyId: string): Promise<void> {
    await Promise.all([
      ip === null ? undefined : this.count(`verify-ip:${ip}`, this.limits.failedVerifyPerIp, 1),
      this.count(`verify-key:${keyId}`, this.limits.failedVerifyPerKey, 1),
    ]);
  }

  /** One request with API key `keyId`. @throws SessiondError `rate_limited` */
  request(keyId: string): void {
    const limit = this.limits.requestsPerKey;
    if (limit === null || limit === 0) return;
    const key = `requests:${keyId}`;
    this.check(key);
    this.unflushed.set(key, (this.unflushed.get(key) ?? 0) + 1);
    this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Adds the locally counted requests to the store's totals. */
  async flush(): Promise<void> {
    this.flushTimer = null;
    const batch = [...this.unflushed];
    this.unflushed.clear();
    await Promise.all(batch.map(([key, n]) => this.count(key, this.limits.requestsPerKey, n)));
  }

  close(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  /** Counting is best effort: a store that cannot count must not turn an answer into an error. */
  private async count(key: string, limit: number | null, n: number): Promise<void> {
    if (limit === null || limit === 0) return;
    const now = this.clock.now();
    const windowStart = Math.floor(now / RATE_WINDOW_MS) * RATE_WINDOW_MS;
    try {
      const total = await this.store.countHits(key, windowStart, RATE_WINDOW_MS, n);
      if (total >= limit) this.blockedUntil.set(key, windowStart + RATE_WINDOW_MS);
    } catch {
      // The store is away; the caller's own answer says so where it matters.
    }
  }
}

function limited(until: number, now: number): SessiondError {
  const retryAfterSeconds = Math.max(1, Math.ceil((until - now) / 1000));
  return new SessiondError("rate_limited", `too many requests; retry after ${retryAfterSeconds} s`, { details: { retryAfterSeconds } });
}
