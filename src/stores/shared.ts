/** Small pieces every store needs in the same form: paging keys and stats counting. */
import { SessiondError } from "../core/errors.js";
import type { SessionStats, UserSessions } from "../core/store.js";

/** Position in the who-is-online order (last activity desc, user id asc). */
export function userKey(u: Pick<UserSessions, "lastActiveAt" | "userId">): string {
  return `${u.lastActiveAt}:${u.userId}`;
}

/** Reads a key made by {@link userKey}; anything else is a bad cursor. */
export function parseUserKey(key: string): { lastActiveAt: number; userId: string } {
  const colon = key.indexOf(":");
  const lastActiveAt = Number(key.slice(0, colon));
  if (colon < 1 || !Number.isSafeInteger(lastActiveAt)) throw new SessiondError("request_invalid", "cursor is not valid here");
  return { lastActiveAt, userId: key.slice(colon + 1) };
}

export function emptyStats(): SessionStats {
  return { activeSessions: 0, distinctUsers: 0, byStatus: {}, byCountry: {}, byBrowser: {}, byDeviceType: {}, byOs: {} };
}

/** Adds `n` under `key`; unknown values count as "unknown". */
export function countInto(into: Record<string, number>, key: string | null, n = 1): void {
  const k = key ?? "unknown";
  into[k] = (into[k] ?? 0) + n;
}
