/**
 * The per-user limit in the memory store (SPEC §3, the rule in src/core/session-limit.ts), the
 * reference for the other stores' order: which active sessions make way for one more.
 */
import { effectiveStatus } from "../../core/deadlines.js";
import type { SessionRecord } from "../../core/model.js";
import type { ActivationOptions } from "../../core/store/index.js";

/**
 * The user's effectively active sessions (but `incoming`) beyond `maxActivePerUser - 1`: least
 * recently active first, ties broken by the older `createdAt`, then the smaller id.
 */
export function limitVictims(records: Iterable<SessionRecord>, incoming: SessionRecord, activation: ActivationOptions): SessionRecord[] {
  const max = activation.maxActivePerUser;
  if (max === null) return [];
  const active = [...records]
    .filter(
      (s) =>
        s.id !== incoming.id &&
        s.tenantId === incoming.tenantId &&
        s.userId === incoming.userId &&
        !s.isDeleted &&
        effectiveStatus(s, activation.nowMs) === "active",
    )
    .sort((a, b) => a.lastActiveAt - b.lastActiveAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  return active.slice(0, Math.max(0, active.length - (max - 1)));
}
