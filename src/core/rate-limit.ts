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
import { addressGroup } from "./ip-address.js";
import type { CounterStore } from "./store/index.js";

export const RATE_WINDOW_MS = 60_000;
const FLUSH_MS = 250;

/** Limits per minute; null or 0: off. */
export interface RateLimits {
  /**
   * Failed verifications per end-user address (the one the app forwards, not the app server's;
   * IPv6 by /64) and API key: one app's failures never limit an address for another app.
   */
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
    private readonly counters: CounterStore,
    private readonly clock: Clock,
    readonly limits: RateLimits,
  ) {}

  /** The `rate_limited` error (with `retryAfterSeconds`) when any of `keys` is over its limit, else null. */
  private refusal(...keys: (string | null)[]): SessiondError | null {
    const now = this.clock.now();
    for (const key of keys) {
      if (key === null) continue;
      const until = this.blockedUntil.get(key);
      if (until === undefined) continue;
      if (until <= now) this.blockedUntil.delete(key);
      else return limited(until, now);
    }
    return null;
  }

  /**
   * After a verification from `ip` with API key `keyId` failed: the `rate_limited` error to
   * answer instead when the address or the key is already over its limit, else null once the
   * failure is counted. Called only after a failure, so a token that verifies is never refused;
   * a refused failure is not counted (it would change nothing), so it costs no store write.
   */
  async failedVerify(ip: string | null, keyId: string): Promise<SessiondError | null> {
    const group = ip === null ? null : addressGroup(ip);
    const ipKey = group === null ? null : `verify-ip:${keyId}:${group}`;
    const keyKey = `verify-key:${keyId}`;
    const refusal = this.refusal(ipKey, keyKey);
    if (refusal !== null) return refusal;
    await Promise.all([
      ipKey === null ? undefined : this.count(ipKey, this.limits.failedVerifyPerIp, 1),
      this.count(keyKey, this.limits.failedVerifyPerKey, 1),
    ]);
    return null;
  }

  /** One request with API key `keyId`. @throws SessiondError `rate_limited` */
  request(keyId: string): void {
    const limit = this.limits.requestsPerKey;
    if (limit === null || limit === 0) return;
    const key = `requests:${keyId}`;
    const refusal = this.refusal(key);
    if (refusal !== null) throw refusal;
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
      const total = await this.counters.add(key, windowStart, RATE_WINDOW_MS, n);
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
