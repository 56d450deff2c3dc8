/**
 * Session queries answered over records a store loaded itself (memory, Redis), where SQL
 * stores answer them in SQL: list filters, stats and who is online, by effective status.
 */
import { effectiveStatus } from "../core/deadlines.js";
import type { SessionRecord } from "../core/model.js";
import type { Page, PageRequest, SessionFilter, SessionStats, UserSessions } from "../core/store/index.js";
import { countInto, emptyStats } from "./counting.js";
import { parseUserKey, userKey } from "./paging.js";

type Filterable = Pick<SessionRecord, "isDeleted" | "tenantId" | "userId" | "clientId" | "workspaceId" | "createdAt" | "status" | "expireAt" | "abandonAt">;

/** Whether a session matches a list filter (non-deleted, effective status). */
export function matchesFilter(s: Filterable, f: SessionFilter): boolean {
  if (s.isDeleted) return false;
  if (f.tenantId !== undefined && s.tenantId !== f.tenantId) return false;
  if (f.userId !== undefined && s.userId !== f.userId) return false;
  if (f.clientId !== undefined && s.clientId !== f.clientId) return false;
  if (f.workspaceId !== undefined && s.workspaceId !== f.workspaceId) return false;
  if (f.createdFrom !== undefined && s.createdAt < f.createdFrom) return false;
  if (f.createdTo !== undefined && s.createdAt > f.createdTo) return false;
  if (f.status !== undefined && effectiveStatus(s, f.nowMs) !== f.status) return false;
  return true;
}

type Countable = Pick<SessionRecord, "tenantId" | "userId" | "isDeleted" | "status" | "expireAt" | "abandonAt"> & {
  latestActivity: Pick<NonNullable<SessionRecord["latestActivity"]>, "country" | "browserName" | "deviceType" | "osName"> | null;
};

/** The SPEC §5 counts for one tenant or all. */
export function tallyStats(records: Iterable<Countable>, tenantId: string | undefined, nowMs: number): SessionStats {
  const stats = emptyStats();
  const users = new Set<string>();
  for (const s of records) {
    if ((tenantId !== undefined && s.tenantId !== tenantId) || s.isDeleted) continue;
    const status = effectiveStatus(s, nowMs);
    countInto(stats.byStatus, status);
    if (status !== "active") continue;
    stats.activeSessions += 1;
    users.add(`${s.tenantId}\0${s.userId}`);
    const a = s.latestActivity;
    countInto(stats.byCountry, a?.country ?? null);
    countInto(stats.byBrowser, a?.browserName ?? null);
    countInto(stats.byDeviceType, a?.deviceType ?? null);
    countInto(stats.byOs, a?.osName ?? null);
  }
  stats.distinctUsers = users.size;
  return stats;
}

type Groupable = Pick<SessionRecord, "tenantId" | "userId" | "username" | "isDeleted" | "status" | "expireAt" | "abandonAt" | "lastActiveAt">;

/**
 * Who is online, from sessions in creation order: users with active sessions, most recently
 * active first; on equal activity the later session's username wins.
 */
export function pageUsers(sessions: Iterable<Groupable>, tenantId: string, nowMs: number, page: PageRequest): Page<UserSessions> {
  const byUser = new Map<string, UserSessions>();
  for (const s of sessions) {
    if (s.tenantId !== tenantId || s.isDeleted || effectiveStatus(s, nowMs) !== "active") continue;
    const u = byUser.get(s.userId) ?? { userId: s.userId, username: null, activeSessions: 0, lastActiveAt: 0 };
    u.activeSessions += 1;
    if (s.lastActiveAt >= u.lastActiveAt) {
      u.lastActiveAt = s.lastActiveAt;
      u.username = s.username;
    }
    byUser.set(s.userId, u);
  }
  const ordered = [...byUser.values()].sort((a, b) => b.lastActiveAt - a.lastActiveAt || (a.userId < b.userId ? -1 : 1));
  const after = page.afterKey === undefined ? null : parseUserKey(page.afterKey);
  const rest =
    after === null ? ordered : ordered.filter((u) => u.lastActiveAt < after.lastActiveAt || (u.lastActiveAt === after.lastActiveAt && u.userId > after.userId));
  const offset = page.offset ?? 0;
  const items = rest.slice(offset, offset + page.limit);
  return { items, nextKey: offset + page.limit < rest.length ? userKey(items[items.length - 1]!) : null };
}
