/**
 * The reference store: plain maps in this process. Every method runs without an
 * await between its read and its write, which makes each one atomic.
 */
import { SessiondError } from "../core/errors.js";
import type { ActivityChangeSet, ActivityRecord, SessionChange, SessionRecord } from "../core/model.js";
import { deadlinePassedAt, effectiveStatus } from "../core/deadlines.js";
import { type TenantPolicy } from "../core/policy.js";
import type {
  ActivationOptions,
  ChangeListener,
  ChangeWatch,
  ApiKeyRecord,
  Ending,
  JwtTemplateRecord,
  Page,
  PageRequest,
  SessionFilter,
  SessionStats,
  SessionStore,
  SigningKeyRecord,
  SweepResult,
  UserSessions,
} from "../core/store.js";
import { ChangeListeners, matchesFilter, pageUsers, tallyStats } from "./shared.js";

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

export class MemoryStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly history = new Map<string, ActivityRecord[]>();
  private readonly policies = new Map<string, TenantPolicy>();
  private readonly apiKeys = new Map<string, ApiKeyRecord>();
  private readonly signingKeys = new Map<string, SigningKeyRecord>();
  private readonly templates = new Map<string, JwtTemplateRecord>();
  private readonly changes = new ChangeListeners();
  private readonly hits = new Map<string, { total: number; until: number }>();

  async insert(record: SessionRecord, activation: ActivationOptions, replaceId?: string): Promise<{ evicted: string[] }> {
    if (this.sessions.has(record.id)) throw new SessiondError("conflict", "session id already exists");
    if (replaceId !== undefined) {
      const old = this.sessions.get(replaceId);
      if (old !== undefined && isLive(old) && effectiveStatus(old, activation.nowMs) === old.status)
        this.end(old, { status: "replaced", endReason: "replaced", atMs: activation.nowMs });
    }
    const evicted = record.status === "active" ? this.evict(record, activation) : [];
    this.sessions.set(record.id, snapshot(record));
    if (record.latestActivity !== null) this.history.set(record.id, [structuredClone(record.latestActivity)]);
    return { evicted };
  }

  /** Makes room for `incoming` under the user's limit: least recently active first. */
  private evict(incoming: SessionRecord, activation: ActivationOptions): string[] {
    const max = activation.maxActivePerUser;
    if (max === null) return [];
    const active = [...this.sessions.values()]
      .filter(
        (s) =>
          s.id !== incoming.id &&
          s.tenantId === incoming.tenantId &&
          s.userId === incoming.userId &&
          !s.isDeleted &&
          effectiveStatus(s, activation.nowMs) === "active",
      )
      .sort((a, b) => a.lastActiveAt - b.lastActiveAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    const victims = active.slice(0, Math.max(0, active.length - (max - 1)));
    for (const v of victims) this.end(v, { status: "removed", endReason: "session_limit", atMs: activation.nowMs });
    return victims.map((v) => v.id);
  }

  private end(r: SessionRecord, ending: Ending, updatedAt = ending.atMs): void {
    const revokedAt = ending.status === "revoked" ? ending.atMs : r.revokedAt;
    const { status, endReason } = ending;
    this.sessions.set(r.id, deepFreeze({ ...r, status, endReason, endedAt: ending.atMs, updatedAt, revokedAt, version: r.version + 1 }));
    this.changes.emit([r.id]);
  }

  async get(id: string): Promise<SessionRecord | null> {
    return this.sessions.get(id) ?? null;
  }

  async update(id: string, change: SessionChange, expectVersion: number, activation?: ActivationOptions): Promise<SessionRecord> {
    const r = this.sessions.get(id);
    if (r === undefined) throw new SessiondError("resource_not_found", "no such session");
    if (r.version !== expectVersion) throw new SessiondError("conflict", "the session changed meanwhile");
    if (change.status === "active" && r.status !== "active" && activation !== undefined) this.evict(r, activation);
    const next = snapshot({ ...r, ...change, version: expectVersion + 1 });
    this.sessions.set(id, next);
    this.changes.emit([id]);
    return next;
  }

  async recordActivity(id: string, change: ActivityChangeSet, historyLimit: number): Promise<boolean> {
    const r = this.sessions.get(id);
    if (r === undefined || !isLive(r) || r.isDeleted || r.lastActiveAt > change.lastActiveAt) return false;
    this.sessions.set(id, deepFreeze({ ...r, ...structuredClone(change) }));
    const list = this.history.get(id) ?? [];
    list.push(structuredClone(change.latestActivity));
    if (list.length > historyLimit) list.splice(0, list.length - historyLimit);
    this.history.set(id, list);
    return true;
  }

  async list(filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }> {
    const matching = [...this.sessions.values()]
      .filter((s) => matchesFilter(s, filter))
      .sort((a, b) => (a.id < b.id ? 1 : -1));
    const start = page.afterKey === undefined ? 0 : matching.findIndex((s) => s.id < page.afterKey!);
    const from = (start === -1 ? matching.length : start) + (page.offset ?? 0);
    const items = matching.slice(from, from + page.limit);
    const more = from + page.limit < matching.length;
    return { items, totalCount: matching.length, nextKey: more ? items[items.length - 1]!.id : null };
  }

  async endMany(filter: { tenantId: string; userId: string; exceptId?: string; nowMs: number }, ending: Ending): Promise<string[]> {
    const ended: string[] = [];
    for (const s of this.sessions.values()) {
      if (s.tenantId !== filter.tenantId || s.userId !== filter.userId || s.id === filter.exceptId || s.isDeleted) continue;
      if (!isLive(s) || effectiveStatus(s, filter.nowMs) !== s.status) continue;
      this.end(s, ending);
      ended.push(s.id);
    }
    return ended;
  }

  async activities(sessionId: string, page: PageRequest): Promise<Page<ActivityRecord>> {
    const newestFirst = [...(this.history.get(sessionId) ?? [])].reverse();
    const start = page.afterKey === undefined ? 0 : newestFirst.findIndex((a) => a.id < page.afterKey!);
    const from = (start === -1 ? newestFirst.length : start) + (page.offset ?? 0);
    const items = newestFirst.slice(from, from + page.limit);
    const more = from + page.limit < newestFirst.length;
    return { items: structuredClone(items), nextKey: more ? items[items.length - 1]!.id : null };
  }

  async users(tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>> {
    return pageUsers(this.sessions.values(), tenantId, nowMs, page);
  }

  async stats(tenantId: string | undefined, nowMs: number): Promise<SessionStats> {
    return tallyStats(this.sessions.values(), tenantId, nowMs);
  }

  async sweep(nowMs: number, purgeEndedBefore: number, limit: number): Promise<SweepResult> {
    const result: SweepResult = { expired: 0, abandoned: 0, purged: 0 };
    for (const s of this.sessions.values()) {
      if (result.expired + result.abandoned >= limit) break;
      if (!isLive(s)) continue;
      const status = effectiveStatus(s, nowMs);
      if (status !== "expired" && status !== "abandoned") continue;
      this.end(s, { status, endReason: status, atMs: deadlinePassedAt(s, status) }, nowMs);
      result[status] += 1;
    }
    for (const s of [...this.sessions.values()]) {
      if (result.purged >= limit) break;
      if (s.endedAt === null || isLive(s) || s.endedAt >= purgeEndedBefore) continue;
      this.sessions.delete(s.id);
      this.history.delete(s.id);
      result.purged += 1;
    }
    return result;
  }

  async getPolicy(tenantId: string): Promise<TenantPolicy | null> {
    const p = this.policies.get(tenantId);
    return p === undefined ? null : { ...p };
  }

  async putPolicy(tenantId: string, policy: TenantPolicy): Promise<void> {
    this.policies.set(tenantId, { ...policy });
  }

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    if (this.apiKeys.has(key.id)) throw new SessiondError("conflict", "api key id already exists");
    this.apiKeys.set(key.id, { ...key, secretHash: Buffer.from(key.secretHash) });
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const k = this.apiKeys.get(id);
    return k === undefined ? null : { ...k, secretHash: Buffer.from(k.secretHash) };
  }

  async listApiKeys(tenantId: string | undefined): Promise<ApiKeyRecord[]> {
    return [...this.apiKeys.values()]
      .filter((k) => tenantId === undefined || k.tenantId === tenantId)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((k) => ({ ...k, secretHash: Buffer.from(k.secretHash) }));
  }

  async revokeApiKey(id: string, atMs: number): Promise<ApiKeyRecord | null> {
    const k = this.apiKeys.get(id);
    if (k === undefined) return null;
    k.revokedAt ??= atMs;
    return { ...k, secretHash: Buffer.from(k.secretHash) };
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    if (this.signingKeys.has(key.kid)) throw new SessiondError("conflict", "signing key id already exists");
    this.signingKeys.set(key.kid, structuredClone(key));
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return [...this.signingKeys.values()].sort((a, b) => a.createdAt - b.createdAt || (a.kid < b.kid ? -1 : 1)).map((k) => structuredClone(k));
  }

  async retireSigningKey(kid: string, retireAt: number): Promise<void> {
    const k = this.signingKeys.get(kid);
    if (k !== undefined && k.retireAt === null) k.retireAt = retireAt;
  }

  async deleteSigningKey(kid: string): Promise<void> {
    this.signingKeys.delete(kid);
  }

  async putTemplate(template: JwtTemplateRecord): Promise<void> {
    this.templates.set(`${template.tenantId}\0${template.name}`, structuredClone(template));
  }

  async getTemplate(tenantId: string, name: string): Promise<JwtTemplateRecord | null> {
    const t = this.templates.get(`${tenantId}\0${name}`);
    return t === undefined ? null : structuredClone(t);
  }

  async listTemplates(tenantId: string): Promise<JwtTemplateRecord[]> {
    return [...this.templates.values()].filter((t) => t.tenantId === tenantId).sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => structuredClone(t));
  }

  async deleteTemplate(tenantId: string, name: string): Promise<boolean> {
    return this.templates.delete(`${tenantId}\0${name}`);
  }

  async migrate(): Promise<{ version: number; applied: number[] }> {
    return { version: 1, applied: [] }; // nothing persists, so there is nothing to migrate
  }

  async countHits(key: string, windowStart: number, windowMs: number, count: number): Promise<number> {
    const slot = `${windowStart}:${key}`;
    const until = windowStart + windowMs;
    const entry = this.hits.get(slot) ?? { total: 0, until };
    entry.total += count;
    this.hits.set(slot, entry);
    if (this.hits.size > 10_000) for (const [k, v] of this.hits) if (v.until < windowStart) this.hits.delete(k);
    return entry.total;
  }

  /** One process holds a memory store, so its own writes are all there is to hear. */
  async watchChanges(listener: ChangeListener): Promise<ChangeWatch> {
    return this.changes.add(listener);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

/** A store in this process's memory: for tests and demos; nothing survives a restart. */
export function memoryStore(): MemoryStore {
  return new MemoryStore();
}
