/**
 * The one contract every store implements (SPEC §7). Stores hold data and make
 * writes conditional and atomic; they hold no policy. `test/conformance/store.ts`
 * checks every implementation against this contract.
 */
import type { TenantPolicy } from "./policy.js";
import type { ActivityChangeSet, ActivityRecord, SessionChange, SessionRecord, SessionStatus, TerminalStatus } from "./model.js";

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

/** What one sweep batch did. */
export interface SweepResult {
  expired: number;
  abandoned: number;
  purged: number;
}

/** An API key as stored: only the digest of its secret. */
export interface ApiKeyRecord {
  id: string;
  /** null: a root key (every tenant). */
  tenantId: string | null;
  name: string | null;
  secretHash: Buffer;
  createdAt: number;
  revokedAt: number | null;
}

/** A JWT signing key; the private key is stored encrypted by the caller. */
export interface SigningKeyRecord {
  kid: string;
  algorithm: string;
  publicJwk: Record<string, unknown>;
  encryptedPrivateKey: string;
  createdAt: number;
  /** Once set, the key signs nothing new and leaves the JWKS at this instant. */
  retireAt: number | null;
}

/** A tenant's named JWT claim set. */
export interface JwtTemplateRecord {
  tenantId: string;
  name: string;
  claims: Record<string, unknown>;
  sessionFields: string[];
  lifetimeSeconds: number | null;
  createdAt: number;
  updatedAt: number;
}

/** Receives ids of changed sessions; `null` means changes may have been missed: forget every copy. */
export type ChangeListener = (sessionId: string | null) => void;

/** A running subscription to session changes (see {@link SessionStore.watchChanges}). */
export interface ChangeWatch {
  /** Catches up with other processes' changes now (pull-based stores); MUST be cheap when there are none. */
  poll(): void;
  /** False while changes may be going unseen (a lost connection): copies must not be trusted then. */
  readonly healthy: boolean;
  stop(): Promise<void>;
}

export interface SessionStore {
  /**
   * MUST store the new record. With `activation.maxActivePerUser` set and the record
   * `active`, MUST atomically end (as `removed`, `session_limit`) the user's least
   * recently active effectively-active sessions (ties: older `createdAt`, then `id`)
   * so that at most that many remain, and return their ids. With `replaceId` (a session
   * of the same tenant and user), MUST in the same step end it as `replaced` if live.
   * MUST also append `record.latestActivity`, when set, to the activity history.
   */
  insert(record: SessionRecord, activation: ActivationOptions, replaceId?: string): Promise<{ evicted: string[] }>;

  /** MUST return the record by id (any tenant, deleted and terminal too), or null. */
  get(id: string): Promise<SessionRecord | null>;

  /**
   * MUST apply `change` and bump `version` only if the stored version equals
   * `expectVersion`, else throw `conflict` and change nothing. MUST return the new record.
   * When the change sets `status: "active"`, `activation` applies as for {@link insert}.
   * Throws `resource_not_found` for an unknown id.
   */
  update(id: string, change: SessionChange, expectVersion: number, activation?: ActivationOptions): Promise<SessionRecord>;

  /**
   * MUST write the activity fields and append the activity (keeping the newest
   * `historyLimit`) only if the session is live (stored `pending`/`active`), not deleted
   * and the stored `lastActiveAt` is not newer than the new one (late writes never move time back); MUST never change status or version.
   * Returns whether it wrote.
   */
  recordActivity(id: string, change: ActivityChangeSet, historyLimit: number): Promise<boolean>;

  /** MUST list non-deleted sessions matching the filter, newest first (by id), with the total count. */
  list(filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }>;

  /**
   * MUST end every live, effectively-active-or-pending, non-deleted session of the user
   * (except `exceptId`) with `ending`, conditionally so nothing already terminal changes.
   * Returns the ids ended.
   */
  endMany(filter: { tenantId: string; userId: string; exceptId?: string; nowMs: number }, ending: Ending): Promise<string[]>;

  /** MUST page a session's activities, newest first. */
  activities(sessionId: string, page: PageRequest): Promise<Page<ActivityRecord>>;

  /** MUST page users with effectively-active non-deleted sessions, most recently active first. */
  users(tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>>;

  /** MUST count non-deleted sessions by effective status, and active ones by place and device. */
  stats(tenantId: string | undefined, nowMs: number): Promise<SessionStats>;

  /**
   * One bounded batch: MUST write at most `limit` passed deadlines (as `expired` /
   * `abandoned`, `endedAt` = the deadline) and purge at most `limit` sessions (with their
   * activities) that ended before `purgeEndedBefore`.
   */
  sweep(nowMs: number, purgeEndedBefore: number, limit: number): Promise<SweepResult>;

  /** Tenant policies: MUST return null for a tenant without one. */
  getPolicy(tenantId: string): Promise<TenantPolicy | null>;
  putPolicy(tenantId: string, policy: TenantPolicy): Promise<void>;

  /** API keys: ids are unique; `listApiKeys(undefined)` lists all, root keys included, by id; revoke MUST be idempotent and return the stored record or null. */
  insertApiKey(key: ApiKeyRecord): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  listApiKeys(tenantId: string | undefined): Promise<ApiKeyRecord[]>;
  revokeApiKey(id: string, atMs: number): Promise<ApiKeyRecord | null>;

  /** Signing keys, shared by every server on the store. */
  insertSigningKey(key: SigningKeyRecord): Promise<void>;
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  retireSigningKey(kid: string, retireAt: number): Promise<void>;
  deleteSigningKey(kid: string): Promise<void>;

  /** JWT templates, unique by (tenant, name). */
  putTemplate(template: JwtTemplateRecord): Promise<void>;
  getTemplate(tenantId: string, name: string): Promise<JwtTemplateRecord | null>;
  listTemplates(tenantId: string): Promise<JwtTemplateRecord[]>;
  deleteTemplate(tenantId: string, name: string): Promise<boolean>;

  /**
   * MUST bring the schema to the newest version, idempotently and safely when several
   * processes do it at once, calling `onStep` for each migration it applies. Opening a
   * store already migrates; `sessiond migrate` runs it explicitly.
   */
  migrate(onStep?: (step: { version: number; name: string }) => void): Promise<{ version: number; applied: number[] }>;

  /**
   * Rate-limit counters shared by every server: MUST add `count` to counter `key` of the
   * fixed window that starts at `windowStart`, atomically across processes, and return the
   * window's new total. A window's counter MAY be forgotten once `windowStart + windowMs` passed.
   */
  countHits(key: string, windowStart: number, windowMs: number, count: number): Promise<number>;

  /**
   * MUST deliver to `listener`, in every process on the store, the id of each session whose
   * stored state changed through `insert` (ended by replacement or the limit), `update` or
   * `endMany`, promptly after the change commits, this process's changes included; and `null`
   * whenever changes may have been missed. Activity writes, the sweep and purges need not be
   * reported: a copy judges deadlines itself. This is what keeps node-local copies honest.
   */
  watchChanges(listener: ChangeListener): Promise<ChangeWatch>;

  /** MUST answer quickly whether the backend is reachable (for `/readyz`). */
  ping(): Promise<void>;

  /** MUST release connections; calling it twice MUST be harmless. */
  close(): Promise<void>;
}
