/** Small pieces every store needs in the same form: paging keys and stats counting. */
import { SessiondError } from "../core/errors.js";
import type { SessionRecord } from "../core/model.js";
import { effectiveStatus } from "../core/deadlines.js";
import type { ChangeListener, ChangeWatch, Page, PageRequest, SessionFilter, SessionStats, UserSessions } from "../core/store.js";

/**
 * This process's change listeners. Stores tell it about their own writes at once and about
 * other processes' as their backend reports them (pub/sub, NOTIFY, a change log).
 */
export class ChangeListeners {
  private readonly listeners = new Set<ChangeListener>();

  get size(): number {
    return this.listeners.size;
  }

  emit(ids: Iterable<string> | null): void {
    if (this.listeners.size === 0) return;
    if (ids === null) for (const listener of this.listeners) listener(null);
    else for (const id of ids) for (const listener of this.listeners) listener(id);
  }

  /** Adds a listener; the watch's `healthy` and `poll` come from the store. */
  add(listener: ChangeListener, backend: { healthy(): boolean; poll?(): void; onEmpty?(): Promise<void> } = { healthy: () => true }): ChangeWatch {
    this.listeners.add(listener);
    return {
      poll: () => backend.poll?.(),
      get healthy() {
        return backend.healthy();
      },
      stop: async () => {
        if (this.listeners.delete(listener) && this.listeners.size === 0) await backend.onEmpty?.();
      },
    };
  }
}

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

/**
 * A count per key with no prototype: the keys are user data (a client-hint platform of
 * `constructor` or `__proto__` is a key like any other, never an inherited property).
 */
export function emptyCounts(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

export function emptyStats(): SessionStats {
  return { activeSessions: 0, distinctUsers: 0, byStatus: emptyCounts(), byCountry: emptyCounts(), byBrowser: emptyCounts(), byDeviceType: emptyCounts(), byOs: emptyCounts() };
}

/** Adds `n` under `key` of counts made by {@link emptyCounts}; unknown values count as "unknown". */
export function countInto(into: Record<string, number>, key: string | null, n = 1): void {
  const k = key ?? "unknown";
  into[k] = (Object.hasOwn(into, k) ? into[k]! : 0) + n;
}

/** Stats over records a store loaded itself (memory, Redis): the SPEC §5 counts for one tenant or all. */
type Countable = Pick<SessionRecord, "tenantId" | "userId" | "isDeleted" | "status" | "expireAt" | "abandonAt"> & {
  latestActivity: Pick<NonNullable<SessionRecord["latestActivity"]>, "country" | "browserName" | "deviceType" | "osName"> | null;
};

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

type Filterable = Pick<SessionRecord, "isDeleted" | "tenantId" | "userId" | "clientId" | "workspaceId" | "createdAt" | "status" | "expireAt" | "abandonAt">;

/** Whether a session a store loaded itself matches a list filter (non-deleted, effective status). */
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

type Groupable = Pick<SessionRecord, "tenantId" | "userId" | "username" | "isDeleted" | "status" | "expireAt" | "abandonAt" | "lastActiveAt">;

/**
 * Who is online, from sessions a store loaded itself in creation order: users with active
 * sessions, most recently active first; on equal activity the later session's username wins.
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
  const rest = after === null ? ordered : ordered.filter((u) => u.lastActiveAt < after.lastActiveAt || (u.lastActiveAt === after.lastActiveAt && u.userId > after.userId));
  const offset = page.offset ?? 0;
  const items = rest.slice(offset, offset + page.limit);
  return { items, nextKey: offset + page.limit < rest.length ? userKey(items[items.length - 1]!) : null };
}
