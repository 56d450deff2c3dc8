/** Where the REST API applies the failed-verification limits (SPEC §4 `rate_limited`). */
import type { FastifyRequest } from "fastify";
import { type ErrorCode, isSessiondError } from "../core/errors.js";
import type { RateLimiter } from "../core/rate-limit.js";
import { keyIdOf } from "./auth.js";

/**
 * Failures that mean someone is trying tokens that are not theirs. A real but expired or
 * revoked session is not a guess, and users with old tabs must not be locked out for it.
 */
const GUESSES: ReadonlySet<ErrorCode> = new Set(["token_invalid", "token_reused"]);

/**
 * Runs a verify-like `attempt` (it presents a session token) for the end user at `ip`:
 * refused with 429 while that IP or the API key is over its failure limit, and a guess
 * that fails counts against both.
 */
export function verifyGuard(limiter: RateLimiter | undefined) {
  return async <T>(request: FastifyRequest, ip: string | null, attempt: () => Promise<T>): Promise<T> => {
    if (limiter === undefined) return attempt();
    const keyId = keyIdOf(request);
    limiter.checkVerify(ip, keyId);
    try {
      return await attempt();
    } catch (error) {
      if (isSessiondError(error) && GUESSES.has(error.code)) await limiter.failedVerify(ip, keyId);
      throw error;
    }
  };
}
