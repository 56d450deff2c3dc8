/**
 * The per-user session limit (SPEC §3 "Limits and replacement"). The core works out the
 * limit; each store enforces it atomically when a session becomes active (`evict` in
 * `stores/<backend>/sessions.ts`, or the store's insert and activation scripts).
 */
import type { Policy, Settings } from "./policy.js";

/** The per-user limit a write applies: the policy's, never above the deployment's cap. */
export function activeSessionLimit(policy: Policy, settings: Pick<Settings, "userSessionCap">): number {
  return Math.min(policy.maxSessionsPerUser ?? Infinity, settings.userSessionCap);
}
