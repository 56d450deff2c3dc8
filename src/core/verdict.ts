/**
 * The verify verdict (SPEC §3 "Valid", "Activity"): one pure decision per use of a token,
 * in the SPEC's order, and whether activity is due. The service carries it out.
 */
import type { VerifyFailureCode } from "./errors.js";
import type { SessionRecord, SessionStatus } from "./model.js";
import { effectiveStatus } from "./deadlines.js";

const FAILURE_FOR_STATUS: Record<Exclude<SessionStatus, "active" | "pending">, VerifyFailureCode> = {
  expired: "session_expired",
  abandoned: "session_abandoned",
  revoked: "session_revoked",
  ended: "session_ended",
  removed: "session_removed",
  replaced: "session_replaced",
};

/** The failure code of a terminal status. */
export function failureForStatus(status: Exclude<SessionStatus, "active" | "pending">): VerifyFailureCode {
  return FAILURE_FOR_STATUS[status];
}

/** What the caller of verify or refresh presented, besides the token. */
export interface UseRequest {
  ip?: string | null;
  userAgent?: string | null;
  aud?: string;
  acceptPending?: boolean;
}

/** One decision per verify, in SPEC §3's order (secret and deleted checks come before, in the service). */
export type Verdict = { valid: false; code: VerifyFailureCode } | { valid: true; status: "active" | "pending"; recordActivity: boolean };

export function judge(s: SessionRecord, req: UseRequest, nowMs: number, activityResolutionMs: number): Verdict {
  const status = effectiveStatus(s, nowMs);
  if (status !== "active" && status !== "pending") return { valid: false, code: failureForStatus(status) };
  if (status === "pending" && req.acceptPending !== true) return { valid: false, code: "session_pending" };
  if (s.boundUserAgent !== null && req.userAgent !== s.boundUserAgent) return { valid: false, code: "user_agent_mismatch" };
  if (req.aud !== undefined && s.aud !== null && req.aud !== s.aud) return { valid: false, code: "audience_mismatch" };
  return { valid: true, status, recordActivity: activityDue(s, req, nowMs, activityResolutionMs) };
}

/**
 * An activity is written when the IP or UA changed, or when the last one is at least
 * `min(resolution, inactivity / 4)` old, so a busy session costs reads only and
 * the idle deadline is still pushed out in time.
 */
export function activityDue(
  s: Pick<SessionRecord, "lastActiveAt" | "inactivityTimeoutMs" | "latestActivity">,
  req: Pick<UseRequest, "ip" | "userAgent">,
  nowMs: number,
  activityResolutionMs: number,
): boolean {
  const latest = s.latestActivity;
  if (req.ip != null && req.ip !== (latest?.ipAddress ?? null)) return true;
  if (req.userAgent != null && req.userAgent !== (latest?.userAgent ?? null)) return true;
  const every = s.inactivityTimeoutMs === null ? activityResolutionMs : Math.min(activityResolutionMs, s.inactivityTimeoutMs / 4);
  return nowMs - s.lastActiveAt >= every;
}
