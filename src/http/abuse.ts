/** Where the REST API applies the failed-verification limits (SPEC §4 `rate_limited`). */
import { type ErrorCode, isSessiondError } from "../core/errors.js";
import type { RateLimiter } from "../core/rate-limit.js";
import { type Authenticated, keyIdOf } from "./auth.js";

/**
 * Failures that mean someone is trying tokens that are not theirs. A real but expired or
 * revoked session is not a guess, and users with old tabs must not be locked out for it.
 */
const GUESSES: ReadonlySet<ErrorCode> = new Set(["token_invalid", "token_reused"]);

/**
 * Runs a verify-like `attempt` (it presents a session token: verify, refresh, Clerk's refresh)
 * for the end user at `ip`. The attempt always runs, so a token that verifies is never refused:
 * a limit must not let one client lock every user behind the same address (or proxy) out. A
 * guess that fails counts against the address (within the API key) and the key, and while
 * either is over its limit, a failed guess answers 429 instead of its code. A blocked guess
 * costs the attempt's one store read and no counter write.
 */
export function verifyGuard(limiter: RateLimiter | undefined) {
  return async <T>(request: Authenticated, ip: string | null, attempt: () => Promise<T>): Promise<T> => {
    if (limiter === undefined) return attempt();
    try {
      return await attempt();
    } catch (error) {
      if (!isSessiondError(error) || !GUESSES.has(error.code)) throw error;
      throw (await limiter.failedVerify(ip, keyIdOf(request))) ?? error;
    }
  };
}
