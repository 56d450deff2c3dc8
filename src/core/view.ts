/** Turns stored records into what callers see: effective status, no secrets. */
import type { ActivityEntry, ActivityRecord, Session, SessionActivity, SessionRecord } from "./model.js";
import { deadlinePassedAt, effectiveStatus } from "./deadlines.js";

export function toSessionActivity(a: ActivityRecord): SessionActivity {
  return {
    object: "session_activity",
    id: a.id,
    isMobile: a.isMobile,
    ipAddress: a.ipAddress,
    city: a.city,
    country: a.country,
    browserName: a.browserName,
    browserVersion: a.browserVersion,
    deviceType: a.deviceType,
    osName: a.osName,
  };
}

export function toActivityEntry(a: ActivityRecord): ActivityEntry {
  return { ...toSessionActivity(a), at: a.at, changed: a.changed };
}

/** The public session: every SPEC §2 field, status as of `nowMs`, and never a secret digest. */
export function toSession(r: Omit<SessionRecord, "secretHash" | "supersededSecrets">, nowMs: number): Session {
  const status = effectiveStatus(r, nowMs);
  // A deadline that passed before the sweeper wrote it reads exactly as the sweeper will write it.
  const passed = status !== r.status && (status === "expired" || status === "abandoned");
  return {
    object: "session",
    id: r.id,
    tenantId: r.tenantId,
    workspaceId: r.workspaceId,
    userId: r.userId,
    username: r.username,
    clientId: r.clientId,
    status,
    endReason: passed ? status : r.endReason,
    sessionType: r.sessionType,
    aud: r.aud,
    scopes: r.scopes,
    amr: r.amr,
    actor: r.actor,
    lastActiveOrganizationId: r.lastActiveOrganizationId,
    ip: r.ip,
    userAgent: r.userAgent,
    location: r.location,
    boundUserAgent: r.boundUserAgent,
    slidingExpiration: r.slidingExpiration,
    maxAgeMinutes: r.maxAgeMinutes,
    latestActivity: r.latestActivity === null ? null : toSessionActivity(r.latestActivity),
    metadata: r.metadata,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    lastActiveAt: r.lastActiveAt,
    lastRefreshedAt: r.lastRefreshedAt,
    expireAt: r.expireAt,
    abandonAt: r.abandonAt,
    revokedAt: r.revokedAt,
    endedAt: passed ? deadlinePassedAt(r, status) : r.endedAt,
    isDeleted: r.isDeleted,
  };
}
