/**
 * The reference session store: plain maps in this process. Every method runs without an
 * await between its read and its write, which makes each one atomic.
 */
import { SessiondError } from "../../core/errors.js";
import type { ActivityChangeSet, ActivityRecord, SessionChange, SessionRecord } from "../../core/model.js";
import { effectiveStatus } from "../../core/deadlines.js";
import type {
  ActivationOptions,
  ActivityWrite,
  Ending,
  Page,
  PageRequest,
  SessionFilter,
  SessionStats,
  SessionStore,
  SweepResult,
  UserSessions,
  UserSessionsFilter,
} from "../../core/store/index.js";
import type { ChangeListeners } from "../change-listeners.js";
import { matchesFilter, pageUsers, tallyStats } from "../loaded-sessions.js";
import { pageById } from "../paging.js";
import { limitVictims } from "./session-limit.js";
import { sweepBatch } from "./sweeper.js";

/**
 * Stored sessions are frozen snapshots that every write replaces whole, so reads hand them
 * out without copying (a read is the hot path) and no caller can change what is stored.
 */
function snapshot(r: SessionRecord): SessionRecord {
  const { secretHash, supersededSecrets, ...rest } = r;
  return deepFreeze({
    ...structuredClone(rest),
    secretHash: Buffer.from(secretHash),
    supersededSecrets: supersededSecrets.map((s) => ({ hash: Buffer.from(s.hash), supersededAt: s.supersededAt })),
  });
}

/** Freezes plain objects and arrays all the way down; buffers cannot be frozen and are left as they are. */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}

const isLive = (r: SessionRecord) => r.status === "active" || r.status === "pending";

export class MemorySessions implements SessionStore {
  private readonly records = new Map<string, SessionRecord>();
  private readonly history = new Map<string, ActivityRecord[]>();

  /** @param changes this process's change listeners: a memory store has no other process to tell. */
  constructor(private readonly changes: ChangeListeners) {}

  async insert(record: SessionRecord, activation: ActivationOptions, replaceId?: string): Promise<{ evicted: string[] }> {
    if (this.records.has(record.id)) throw new SessiondError("conflict", "session id already exists");
    if (replaceId !== undefined) {
      const old = this.records.get(replaceId);
      if (old !== undefined && isLive(old) && effectiveStatus(old, activation.nowMs) === old.status)
        this.end(old, { status: "replaced", endReason: "replaced", atMs: activation.nowMs });
    }
    const evicted = record.status === "active" ? this.evict(record, activation) : [];
    this.records.set(record.id, snapshot(record));
    if (record.latestActivity !== null) this.history.set(record.id, [structuredClone(record.latestActivity)]);
    return { evicted };
  }

  /** Makes room for `incoming` under the user's limit (session-limit.ts). */
  private evict(incoming: SessionRecord, activation: ActivationOptions): string[] {
    const victims = limitVictims(this.records.values(), incoming, activation);
    for (const v of victims) this.end(v, { status: "removed", endReason: "session_limit", atMs: activation.nowMs });
    return victims.map((v) => v.id);
  }

  private end(r: SessionRecord, ending: Ending, updatedAt = ending.atMs): void {
    const revokedAt = ending.status === "revoked" ? ending.atMs : r.revokedAt;
    const { status, endReason } = ending;
    this.records.set(r.id, deepFreeze({ ...r, status, endReason, endedAt: ending.atMs, updatedAt, revokedAt, version: r.version + 1 }));
    this.changes.emit([r.id]);
  }

  async get(id: string): Promise<SessionRecord | null> {
    return this.records.get(id) ?? null;
  }

  async update(id: string, change: SessionChange, expectVersion: number, activation?: ActivationOptions): Promise<SessionRecord> {
    const r = this.records.get(id);
    if (r === undefined) throw new SessiondError("resource_not_found", "no such session");
    if (r.version !== expectVersion) throw new SessiondError("conflict", "the session changed meanwhile");
    if (change.status === "active" && r.status !== "active" && activation !== undefined) this.evict(r, activation);
    const next = snapshot({ ...r, ...change, version: expectVersion + 1 });
    this.records.set(id, next);
    this.changes.emit([id]);
    return next;
  }

  async recordActivity(id: string, change: ActivityChangeSet, historyLimit: number): Promise<boolean> {
    return this.writeActivity(id, change, historyLimit);
  }

  async recordActivities(writes: readonly ActivityWrite[], historyLimit: number): Promise<boolean[]> {
    return writes.map((w) => this.writeActivity(w.id, w.change, historyLimit));
  }

  private writeActivity(id: string, change: ActivityChangeSet, historyLimit: number): boolean {
    const r = this.records.get(id);
    if (r === undefined || !isLive(r) || r.isDeleted || r.lastActiveAt > change.lastActiveAt) return false;
    this.records.set(id, deepFreeze({ ...r, ...structuredClone(change) }));
    const list = this.history.get(id) ?? [];
    // A retried batch brings the same activity again: it is in the history already.
    if (list.at(-1)?.id !== change.latestActivity.id) list.push(structuredClone(change.latestActivity));
    if (list.length > historyLimit) list.splice(0, list.length - historyLimit);
    this.history.set(id, list);
    return true;
  }

  async list(filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }> {
    const matching = [...this.records.values()].filter((s) => matchesFilter(s, filter)).sort((a, b) => (a.id < b.id ? 1 : -1));
    return { ...pageById(matching, page), totalCount: matching.length };
  }

  async endMany(filter: UserSessionsFilter, ending: Ending): Promise<string[]> {
    const ended: string[] = [];
    for (const s of this.records.values()) {
      if (s.tenantId !== filter.tenantId || s.userId !== filter.userId || s.id === filter.exceptId || s.isDeleted) continue;
      if (!isLive(s) || effectiveStatus(s, filter.nowMs) !== s.status) continue;
      this.end(s, ending);
      ended.push(s.id);
    }
    return ended;
  }

  async activities(sessionId: string, page: PageRequest): Promise<Page<ActivityRecord>> {
    const result = pageById([...(this.history.get(sessionId) ?? [])].reverse(), page);
    return { items: structuredClone(result.items), nextKey: result.nextKey };
  }

  async users(tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>> {
    return pageUsers(this.records.values(), tenantId, nowMs, page);
  }

  async stats(tenantId: string | undefined, nowMs: number): Promise<SessionStats> {
    return tallyStats(this.records.values(), tenantId, nowMs);
  }

  async sweep(nowMs: number, purgeEndedBefore: number, limit: number): Promise<SweepResult> {
    return sweepBatch(
      { records: this.records, history: this.history, end: (r, ending, updatedAt) => this.end(r, ending, updatedAt) },
      nowMs,
      purgeEndedBefore,
      limit,
    );
  }
}
