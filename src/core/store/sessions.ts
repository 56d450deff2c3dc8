/** The session role of the store contract: records, their activity history and the reads over them. */
import type { EventStamp } from "../events.js";
import type { ActivityChangeSet, ActivityRecord, SessionChange, SessionRecord, SessionStatus, TerminalStatus } from "../model.js";

/** A page request: `afterKey` is the opaque position returned as `nextKey` by the previous page. */
export interface PageRequest {
  limit: number;
  offset?: number;
  afterKey?: string;
}

/** A page of results; `nextKey` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextKey: string | null;
}

/** Filters of a session list; every field narrows. `tenantId` undefined means all tenants. */
export interface SessionFilter {
  tenantId?: string;
  userId?: string;
  clientId?: string;
  workspaceId?: string;
  /** Compared against the effective status as of `nowMs`. */
  status?: SessionStatus;
  createdFrom?: number;
  createdTo?: number;
  nowMs: number;
}

/** Whose sessions {@link SessionStore.endMany} ends: one user's, except `exceptId`. */
export interface UserSessionsFilter {
  tenantId: string;
  userId: string;
  exceptId?: string;
  nowMs: number;
}

/** How a session that makes way for another ends (limit eviction, replacement). */
export interface Ending {
  status: TerminalStatus;
  endReason: string;
  atMs: number;
}

/** Options of a write that makes a session `active`. */
export interface ActivationOptions {
  /** When set, the user's least recently active sessions beyond this count become `removed` (session_limit). */
  maxActivePerUser: number | null;
  nowMs: number;
}

/** One user with live sessions (`GET /v1/users`). */
export interface UserSessions {
  userId: string;
  username: string | null;
  activeSessions: number;
  lastActiveAt: number;
}

/**
 * Counts of `GET /v1/stats`. The `by…` maps other than byStatus count active sessions. Their
 * keys are user data (a browser or OS may be called `constructor` or `__proto__`), so the maps
 * MUST have no prototype: read them with `Object.hasOwn` or `Object.entries`.
 */
export interface SessionStats {
  activeSessions: number;
  distinctUsers: number;
  byStatus: Record<string, number>;
  byCountry: Record<string, number>;
  byBrowser: Record<string, number>;
  byDeviceType: Record<string, number>;
  byOs: Record<string, number>;
}

/** One activity write of a batch ({@link SessionStore.recordActivities}). */
export interface ActivityWrite {
  id: string;
  change: ActivityChangeSet;
  /** Present when the activity's `changed` is not empty: the write then stores `session.activity_changed`. */
  event?: EventStamp;
}

/** What a sign-in shows (SPEC §9 signals): compared with the user's other sessions' latest activity. */
export interface SeenQuery {
  tenantId: string;
  userId: string;
  /** The session signing in: not compared with itself. */
  exceptId: string;
  deviceType: string | null;
  osName: string | null;
  browserName: string | null;
  country: string | null;
}

/** Whether any other retained, non-deleted session of the user last showed the same device, country or browser. */
export interface Seen {
  device: boolean;
  country: boolean;
  browser: boolean;
}

/** What one sweep batch did. */
export interface SweepResult {
  expired: number;
  abandoned: number;
  purged: number;
}

/**
 * Sessions and their activity history (the service's one hot path: `get`, then maybe
 * `recordActivity`). Every state change is conditional, so two servers racing on one session
 * cannot both win; reads return what is stored (expired, terminal and deleted sessions too)
 * and the core judges it. The memory store (src/stores/memory/sessions.ts) is the reference.
 *
 * Events (SPEC §9, src/core/events.ts, ./outbox.ts): every write below that is given an
 * `event` stamp MUST store, in the same atomic step as its change, one event per session it
 * changed, with the session as stored right after the change, and nothing when it changed
 * nothing. The types: insert → `insertEventType(record)` (with the stamp's signals) after
 * `session.replaced` for the replaced session and `session.removed` per evicted one; update →
 * `updateEventTypes(change)` (plus `session.removed` per evicted one on activation, written
 * before); endMany → `endEventType(ending.status)` per ended session; sweep →
 * `session.expired`/`session.abandoned` with `timestamp` = the deadline; an activity write with
 * an `event` → `session.activity_changed` (with the stamp's signals). `timestamp` is the
 * change's time: `activation.nowMs` (insert), `change.updatedAt ?? change.endedAt` (update),
 * `ending.atMs` (endMany), `change.lastActiveAt` (activity). Ids: `eventId(stamp.idBase, n)`,
 * n from 0 in the order written.
 */
export interface SessionStore {
  /**
   * MUST store the new record, and throw `conflict` if its id exists. With
   * `activation.maxActivePerUser` set and the record `active`, MUST atomically end (as
   * `removed`, `session_limit`) the user's least recently active effectively-active sessions
   * (ties: older `createdAt`, then `id`) so that at most that many remain, and return their ids.
   * With `replaceId` (a session of the same tenant and user), MUST in the same step end it as
   * `replaced` if live. MUST also append `record.latestActivity`, when set, to the activity history.
   */
  insert(record: SessionRecord, activation: ActivationOptions, replaceId?: string, event?: EventStamp): Promise<{ evicted: string[] }>;

  /** MUST return the record by id (any tenant, deleted and terminal too), or null. */
  get(id: string): Promise<SessionRecord | null>;

  /**
   * MUST apply `change` and bump `version` only if the stored version equals
   * `expectVersion`, else throw `conflict` and change nothing. MUST return the new record.
   * When the change sets `status: "active"`, `activation` applies as for {@link insert}.
   * MUST throw `resource_not_found` for an unknown id.
   */
  update(id: string, change: SessionChange, expectVersion: number, activation?: ActivationOptions, event?: EventStamp): Promise<SessionRecord>;

  /**
   * MUST write the activity fields and append the activity (keeping the newest
   * `historyLimit`) only if the session is live (stored `pending`/`active`), not deleted
   * and the stored `lastActiveAt` is not newer than the new one (late writes never move
   * time back); MUST never change status or version. Returns whether it wrote.
   */
  recordActivity(id: string, change: ActivityChangeSet, historyLimit: number, event?: EventStamp): Promise<boolean>;

  /**
   * A batch of activity writes (the core's group commit, src/core/activity-writer.ts). MUST
   * treat each write exactly as {@link recordActivity} would, in the order given (two writes
   * for one session both land, in order), and return whether each wrote. Applying the same
   * batch again (a retry after an unclear failure) MUST NOT append an activity twice.
   * Backends batch natively: SQLite in one transaction, PostgreSQL in one statement per
   * round, Redis in one pipeline. OPTIONAL, so stores written before it keep working: the
   * core then calls `recordActivity` once per write. It is the role's eleventh method, the
   * one exception to "about ten", because it is the same verb in bulk, not a new concept.
   */
  recordActivities?(writes: readonly ActivityWrite[], historyLimit: number): Promise<boolean[]>;

  /**
   * MUST tell whether another non-deleted session of the user has the same latest device (type,
   * OS and browser, nulls equal), country or browser (nulls never match). OPTIONAL: without it the
   * core compares with a `list` of the user's 100 newest sessions; a store answers it with
   * a few index seeks instead (create's hot path pays this read when events are on).
   */
  seenBefore?(query: SeenQuery): Promise<Seen>;

  /** MUST list non-deleted sessions matching the filter, newest first (by id), with the total count. */
  list(filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }>;

  /**
   * MUST end every live, effectively-active-or-pending, non-deleted session of the user
   * (except `exceptId`) with `ending`, conditionally so nothing already terminal changes.
   * Returns the ids ended.
   */
  endMany(filter: UserSessionsFilter, ending: Ending, event?: EventStamp): Promise<string[]>;

  /** MUST page a session's activities, newest first. */
  activities(sessionId: string, page: PageRequest): Promise<Page<ActivityRecord>>;

  /** MUST page users with effectively-active non-deleted sessions, most recently active first. */
  users(tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>>;

  /** MUST count non-deleted sessions by effective status, and active ones by place and device. */
  stats(tenantId: string | undefined, nowMs: number): Promise<SessionStats>;

  /**
   * One bounded batch: MUST write at most `limit` passed deadlines (as `expired` /
   * `abandoned`, `endedAt` = the deadline) and purge at most `limit` sessions (with their
   * activities) that ended before `purgeEndedBefore`. Several processes MAY sweep at once.
   */
  sweep(nowMs: number, purgeEndedBefore: number, limit: number, event?: EventStamp): Promise<SweepResult>;
}
