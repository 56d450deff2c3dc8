/**
 * The reference session store: plain maps in this process. Every method runs without an
 * await between its read and its write, which makes each one atomic.
 */
import { SessiondError } from "../../core/errors.js";
import type { ActivityChangeSet, ActivityRecord, SessionChange, SessionRecord } from "../../core/model.js";
import { effectiveStatus } from "../../core/deadlines.js";
import { type EventStamp, type SessionEvent, endEventType, insertEventType, sessionEvents, updateEventTypes } from "../../core/events.js";
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
import type { MemoryOutbox } from "./outbox.js";
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

  /**
   * @param changes this process's change listeners: a memory store has no other process to tell.
   * @param outbox where each write's events go, in the same synchronous step as the write.
   */
  constructor(
    private readonly changes: ChangeListeners,
    private readonly outbox: MemoryOutbox,
  ) {}

  async insert(record: SessionRecord, activation: ActivationOptions, replaceId?: string, event?: EventStamp): Promise<{ evicted: string[] }> {
    if (this.records.has(record.id)) throw new SessiondError("conflict", "session id already exists");
    const events = new EventBuffer(event);
    if (replaceId !== undefined) {
      const old = this.records.get(replaceId);
      if (old !== undefined && isLive(old) && effectiveStatus(old, activation.nowMs) === old.status)
        events.add(this.end(old, { status: "replaced", endReason: "replaced", atMs: activation.nowMs }), activation.nowMs);
    }
    const evicted = record.status === "active" ? this.evict(record, activation, events) : [];
    const stored = snapshot(record);
    this.records.set(record.id, stored);
    if (record.latestActivity !== null) this.history.set(record.id, [structuredClone(record.latestActivity)]);
    events.add(stored, activation.nowMs, [insertEventType(record)], true);
    this.outbox.append(events.written);
    return { evicted };
  }

  /** Makes room for `incoming` under the user's limit (session-limit.ts). */
  private evict(incoming: SessionRecord, activation: ActivationOptions, events: EventBuffer): string[] {
    const victims = limitVictims(this.records.values(), incoming, activation);
    for (const v of victims) events.add(this.end(v, { status: "removed", endReason: "session_limit", atMs: activation.nowMs }), activation.nowMs);
    return victims.map((v) => v.id);
  }

  private end(r: SessionRecord, ending: Ending, updatedAt = ending.atMs): SessionRecord {
    const revokedAt = ending.status === "revoked" ? ending.atMs : r.revokedAt;
    const { status, endReason } = ending;
    const ended = deepFreeze({ ...r, status, endReason, endedAt: ending.atMs, updatedAt, revokedAt, version: r.version + 1 });
    this.records.set(r.id, ended);
    this.changes.emit([r.id]);
    return ended;
  }

  async get(id: string): Promise<SessionRecord | null> {
    return this.records.get(id) ?? null;
  }

  async update(id: string, change: SessionChange, expectVersion: number, activation?: ActivationOptions, event?: EventStamp): Promise<SessionRecord> {
    const r = this.records.get(id);
    if (r === undefined) throw new SessiondError("resource_not_found", "no such session");
    if (r.version !== expectVersion) throw new SessiondError("conflict", "the session changed meanwhile");
    const events = new EventBuffer(event);
    if (change.status === "active" && r.status !== "active" && activation !== undefined) this.evict(r, activation, events);
    const next = snapshot({ ...r, ...change, version: expectVersion + 1 });
    this.records.set(id, next);
    this.changes.emit([id]);
    events.add(next, change.updatedAt ?? change.endedAt ?? Date.now(), updateEventTypes(change));
    this.outbox.append(events.written);
    return next;
  }

  async recordActivity(id: string, change: ActivityChangeSet, historyLimit: number, event?: EventStamp): Promise<boolean> {
    return this.writeActivity(id, change, historyLimit, event);
  }

  async recordActivities(writes: readonly ActivityWrite[], historyLimit: number): Promise<boolean[]> {
    return writes.map((w) => this.writeActivity(w.id, w.change, historyLimit, w.event));
  }

  private writeActivity(id: string, change: ActivityChangeSet, historyLimit: number, event?: EventStamp): boolean {
    const r = this.records.get(id);
    if (r === undefined || !isLive(r) || r.isDeleted || r.lastActiveAt > change.lastActiveAt) return false;
    const next = deepFreeze({ ...r, ...structuredClone(change) });
    this.records.set(id, next);
    const events = new EventBuffer(event);
    events.add(next, change.lastActiveAt, ["session.activity_changed"], true);
    this.outbox.append(events.written);
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

  async endMany(filter: UserSessionsFilter, ending: Ending, event?: EventStamp): Promise<string[]> {
    const ended: string[] = [];
    const events = new EventBuffer(event);
    for (const s of this.records.values()) {
      if (s.tenantId !== filter.tenantId || s.userId !== filter.userId || s.id === filter.exceptId || s.isDeleted) continue;
      if (!isLive(s) || effectiveStatus(s, filter.nowMs) !== s.status) continue;
      events.add(this.end(s, ending), ending.atMs, [endEventType(ending.status)]);
      ended.push(s.id);
    }
    this.outbox.append(events.written);
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

  async sweep(nowMs: number, purgeEndedBefore: number, limit: number, event?: EventStamp): Promise<SweepResult> {
    const events = new EventBuffer(event);
    const end = (r: SessionRecord, ending: Ending, updatedAt: number) => {
      events.add(this.end(r, ending, updatedAt), ending.atMs, [endEventType(ending.status)]);
    };
    const result = sweepBatch({ records: this.records, history: this.history, end }, nowMs, purgeEndedBefore, limit);
    this.outbox.append(events.written);
    return result;
  }
}

/** The events of one write, numbered in the order they are added; none without a stamp. */
class EventBuffer {
  readonly written: SessionEvent[] = [];

  constructor(private readonly stamp: EventStamp | undefined) {}

  /** Adds the events of one changed session; an end without `types` is typed by its status. */
  add(after: SessionRecord, timestamp: number, types = [endEventType(after.status)], withSignals = false): void {
    if (this.stamp === undefined) return;
    this.written.push(...sessionEvents(this.stamp, this.written.length, types, after, timestamp, withSignals));
  }
}
