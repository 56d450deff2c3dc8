/** Builds activity records and the writes that go with them (SPEC §3 "Activity"). */
import type { ServiceContext } from "./context.js";
import type { ActivityChange, ActivityChangeSet, ActivityRecord, ClientHints, SessionRecord } from "./model.js";
import { abandonAtFor, expireAtFor } from "./deadlines.js";
import { newId } from "./session-token.js";

export interface UseContext {
  ip: string | null;
  userAgent: string | null;
  clientHints: ClientHints | null;
}

/** A new activity for `sessionId`, naming what differs from `previous`. */
export function buildActivity(ctx: ServiceContext, sessionId: string, use: UseContext, previous: ActivityRecord | null, atMs: number): ActivityRecord {
  // A use that names no IP or UA keeps the last known ones, so history stays readable.
  const ip = use.ip ?? previous?.ipAddress ?? null;
  const userAgent = use.userAgent ?? previous?.userAgent ?? null;
  const described = ctx.enricher.describe({ ip, userAgent, clientHints: use.clientHints });
  const changed: ActivityChange[] = [];
  if (previous !== null) {
    if (ip !== previous.ipAddress) changed.push("ip");
    if (described.country !== previous.country) changed.push("country");
    if (described.deviceType !== previous.deviceType || described.osName !== previous.osName) changed.push("device");
    if (described.browserName !== previous.browserName) changed.push("browser");
  }
  return {
    id: newId("sact", atMs, ctx.random),
    sessionId,
    at: atMs,
    ipAddress: ip,
    userAgent,
    isMobile: described.isMobile,
    city: described.city,
    country: described.country,
    browserName: described.browserName,
    browserVersion: described.browserVersion,
    deviceType: described.deviceType,
    osName: described.osName,
    location: described.location,
    changed,
  };
}

/** The fields an activity write sets: deadlines move only for active sessions. */
export function activityChangeSet(record: SessionRecord, activity: ActivityRecord): ActivityChangeSet {
  const active = record.status === "active";
  return {
    lastActiveAt: activity.at,
    expireAt: active ? expireAtFor(record, activity.at) : record.expireAt,
    abandonAt: active ? abandonAtFor(record, activity.at) : record.abandonAt,
    location: activity.location,
    latestActivity: activity,
  };
}

/**
 * Whether an activity write moves a deadline that is due within `withinMs`: such a write goes
 * to the store on the response path, since the old deadline could pass (and another server's
 * sweeper end the session) before a queued batch lands (SPEC §3: idle timeouts hold).
 */
export function movesNearDeadline(record: SessionRecord, change: ActivityChangeSet, nowMs: number, withinMs: number): boolean {
  if (change.abandonAt !== record.abandonAt && record.abandonAt !== null && record.abandonAt - nowMs <= withinMs) return true;
  return change.expireAt !== record.expireAt && record.expireAt - nowMs <= withinMs;
}
