/**
 * Deadlines and effective status (SPEC §3 "Deadlines", "Effective status"): when a session
 * expires or is abandoned, and how a passed deadline reads before the sweeper writes it.
 */
import { isTerminal, type SessionRecord, type SessionStatus } from "./model.js";

type DeadlineInputs = Pick<SessionRecord, "startedAt" | "lifetimeMs" | "maxLifetimeMs" | "maxAgeMinutes" | "slidingExpiration" | "inactivityTimeoutMs">;

/** `expire_at = min(base + lifetime, start + max_lifetime, start + max_age)`; base moves with activity when sliding. */
export function expireAtFor(s: DeadlineInputs, lastActivityAt: number): number {
  const base = s.slidingExpiration ? lastActivityAt : s.startedAt;
  let deadline = Math.min(base + s.lifetimeMs, s.startedAt + s.maxLifetimeMs);
  if (s.maxAgeMinutes !== null) deadline = Math.min(deadline, s.startedAt + s.maxAgeMinutes * 60_000);
  return deadline;
}

/** `abandon_at = last_active_at + inactivity_timeout`, or null when no timeout applies. */
export function abandonAtFor(s: Pick<SessionRecord, "inactivityTimeoutMs">, lastActiveAt: number): number | null {
  return s.inactivityTimeoutMs === null ? null : lastActiveAt + s.inactivityTimeoutMs;
}

/**
 * The status as of `nowMs`: a passed deadline reads as expired/abandoned before
 * the sweeper writes it; when both passed, the earlier one wins (a tie reads as expired).
 */
export function effectiveStatus(s: Pick<SessionRecord, "status" | "expireAt" | "abandonAt">, nowMs: number): SessionStatus {
  if (isTerminal(s.status)) return s.status;
  if (s.abandonAt !== null && s.abandonAt <= nowMs && s.abandonAt < s.expireAt) return "abandoned";
  if (s.expireAt <= nowMs) return "expired";
  return s.status;
}

/** The instant a live session's passed deadline took effect (for `ended_at`). */
export function deadlinePassedAt(s: Pick<SessionRecord, "expireAt" | "abandonAt">, status: "expired" | "abandoned"): number {
  return status === "abandoned" ? s.abandonAt! : s.expireAt;
}
