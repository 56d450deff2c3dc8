/**
 * The embedded default store: one SQLite file in WAL mode. Every read-then-write
 * runs in an IMMEDIATE transaction, so processes sharing the file serialise their
 * writes and each conditional change, limit and rotation is atomic.
 */
import { dirname } from "node:path";
import Database, { type Database as Db } from "better-sqlite3";
import { SessiondError } from "../../core/errors.js";
import type { ActivityChangeSet, ActivityRecord, SessionChange, SessionRecord } from "../../core/model.js";
import type { TenantPolicy } from "../../core/policy.js";
import type {
  ActivationOptions, ApiKeyRecord, ChangeListener, ChangeWatch, Ending, JwtTemplateRecord, Page, PageRequest, SessionFilter, SessionStats, SessionStore,
  SigningKeyRecord, SweepResult, UserSessions,
} from "../../core/store.js";
import { SqliteChangeFeed } from "./changes.js";
import { translate } from "./errors.js";
import { SqliteExtras } from "./extras.js";
import { createPrivateDirectory, createPrivateFile } from "./files.js";
import { SqliteSweeper } from "./sweeper.js";
import { SQLITE_SCHEMA_VERSION as SCHEMA_VERSION, migrate } from "./migrations.js";
import { StatementCache, listActivities, listSessions, listUsers, sessionStats } from "./queries.js";
import { InlineReader, type Reader, WorkerReader } from "./reader.js";
import { type Row, STILL, activityColumns, rowReader, sqliteBoolean, toColumns, toRecord } from "../sql/rows.js";

/** How long the change log keeps an entry; a cache that falls further behind forgets everything. */
const CHANGE_LOG_MS = 3_600_000;

/** The newest schema version this build knows; declared here, not re-exported, so the published types never load the driver's (migrations.ts takes its types). */
export const SQLITE_SCHEMA_VERSION: number = SCHEMA_VERSION;

export class SqliteStore implements SessionStore {
  private readonly db: Db;
  private statements!: StatementCache;
  private reader!: Reader;
  private extras!: SqliteExtras;
  private sweeper!: SqliteSweeper;
  private q!: ReturnType<SqliteStore["prepare"]>;
  private prepared = false;
  private closed = false;
  private feed!: SqliteChangeFeed;
  /** Ids changed by this process in the open transaction, announced once it commits. */
  private pendingChanges: string[] = [];

  private readonly file: { path: string; busyTimeoutMs: number };

  constructor(options: SqliteOptions) {
    this.file = { path: options.path, busyTimeoutMs: options.busyTimeoutMs ?? 5000 };
    try {
      if (options.path !== ":memory:") {
        createPrivateDirectory(dirname(options.path));
        createPrivateFile(options.path);
      }
      this.db = new Database(options.path, { timeout: this.file.busyTimeoutMs });
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL"); // an acknowledged write survives power loss, not only a crash
      if (options.migrate !== false) this.ready();
    } catch (error) {
      throw translate(error);
    }
  }

  /** Statements can only be prepared once the tables exist, so a store opened without migrating waits for `migrate()`. */
  private ready(): void {
    migrate(this.db);
    this.statements = new StatementCache(this.db);
    this.reader = this.file.path === ":memory:" ? new InlineReader(this.db, this.statements) : new WorkerReader(this.file);
    this.extras = new SqliteExtras(this.db);
    this.sweeper = new SqliteSweeper(this.db, CHANGE_LOG_MS);
    this.feed = new SqliteChangeFeed(this.db);
    this.q = this.prepare();
    this.prepared = true;
  }

  private prepare() {
    const getRaw = this.db.prepare<[string], unknown[]>("SELECT * FROM sessions WHERE id = ?").raw(true);
    const toRow = rowReader(getRaw.columns().map((c) => c.name));
    return {
      /** The hot path's one read: raw values, turned into a row by a compiled builder (see rowReader). */
      get: { get: (id: string): Row | undefined => {
        const values = getRaw.get(id);
        return values === undefined ? undefined : toRow(values);
      } },
      version: this.db.prepare<[string], Row>("SELECT version, status, tenant_id, user_id FROM sessions WHERE id = ?"),
      evictable: this.db.prepare<Row, { id: string }>(
        `SELECT id FROM sessions WHERE tenant_id = @tenantId AND user_id = @userId AND id <> @exceptId AND is_deleted = 0
         AND ${STILL("active")} ORDER BY last_active_at, created_at, id`,
      ),
      end: this.db.prepare(
        `UPDATE sessions SET status = @status, end_reason = @endReason, ended_at = @atMs, updated_at = @updatedAt,
         revoked_at = CASE WHEN @status = 'revoked' THEN @atMs ELSE revoked_at END, version = version + 1
         WHERE id = @id AND is_deleted = 0 AND ${STILL("live")}`,
      ),
      insertActivity: this.db.prepare("INSERT INTO activities (id, session_id, data) VALUES (?, ?, ?)"),
      trimActivities: this.db.prepare(
        "DELETE FROM activities WHERE session_id = @id AND id NOT IN (SELECT id FROM activities WHERE session_id = @id ORDER BY id DESC LIMIT @keep)",
      ),
      userLive: this.db.prepare<Row, { id: string }>(
        `SELECT id FROM sessions WHERE tenant_id = @tenantId AND user_id = @userId AND id <> @exceptId AND is_deleted = 0 AND ${STILL("live")}`,
      ),
      ping: this.db.prepare("SELECT 1"),
      countHits: this.db.prepare<[string, number, number, number], number>(
        `INSERT INTO rate_counters (key, window_start, total, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (key, window_start) DO UPDATE SET total = total + excluded.total RETURNING total`,
      ).pluck(),
    };
  }

  /** The newest-first order and deadline rules are the memory store's; see src/core/store.ts for the contract. */
  private run<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new SessiondError("store_unavailable", "the store is closed"));
    if (!this.prepared) return Promise.reject(new SessiondError("store_unavailable", "the schema is not migrated yet; run `sessiond migrate`"));
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(translate(error));
    }
  }

  /** A read that may be long: through the reader, off the event loop for a file database. */
  private heavy<T>(work: (reader: Reader) => Promise<T>): Promise<T> {
    return this.run(() => this.reader).then(work).catch((error: unknown) => Promise.reject(translate(error)));
  }

  private immediate<T>(work: () => T): Promise<T> {
    this.pendingChanges = [];
    const done = this.run(() => this.db.transaction(work).immediate());
    const changed = this.pendingChanges;
    this.pendingChanges = [];
    // Announced only after the commit, and not at all when the transaction rolled back.
    return changed.length === 0 ? done : done.then((result) => (this.feed.listeners.emit(changed), result));
  }

  /** Logs a changed session for other processes and for this one after the commit. */
  private changed(id: string, nowMs: number): void {
    this.feed.log(id, nowMs);
    this.pendingChanges.push(id);
  }

  private insertRow(record: SessionRecord): void {
    const row = { ...toColumns(record, sqliteBoolean), ...activityColumns(record.latestActivity) };
    const names = Object.keys(row);
    this.statements.get(`INSERT INTO sessions (${names.join(", ")}) VALUES (${names.map((n) => `@${n}`).join(", ")})`).run(row);
  }

  private evict(tenantId: string, userId: string, exceptId: string, activation: ActivationOptions): string[] {
    if (activation.maxActivePerUser === null) return [];
    const active = this.q.evictable.all({ tenantId, userId, exceptId, now: activation.nowMs }).map((r) => r.id);
    const victims = active.slice(0, Math.max(0, active.length - (activation.maxActivePerUser - 1)));
    for (const id of victims) this.endOne(id, { status: "removed", endReason: "session_limit", atMs: activation.nowMs }, activation.nowMs);
    return victims;
  }

  private endOne(id: string, ending: Ending, nowMs: number): boolean {
    const ended = this.q.end.run({ id, status: ending.status, endReason: ending.endReason, atMs: ending.atMs, updatedAt: ending.atMs, now: nowMs }).changes > 0;
    if (ended) this.changed(id, nowMs);
    return ended;
  }

  private appendActivity(activity: ActivityRecord, keep: number): void {
    this.q.insertActivity.run(activity.id, activity.sessionId, JSON.stringify(activity));
    this.q.trimActivities.run({ id: activity.sessionId, keep });
  }

  insert(record: SessionRecord, activation: ActivationOptions, replaceId?: string): Promise<{ evicted: string[] }> {
    return this.immediate(() => {
      if (replaceId !== undefined) this.endOne(replaceId, { status: "replaced", endReason: "replaced", atMs: activation.nowMs }, activation.nowMs);
      const evicted = record.status === "active" ? this.evict(record.tenantId, record.userId, record.id, activation) : [];
      this.insertRow(record);
      if (record.latestActivity !== null) this.q.insertActivity.run(record.latestActivity.id, record.id, JSON.stringify(record.latestActivity));
      return { evicted };
    });
  }

  get(id: string): Promise<SessionRecord | null> {
    return this.run(() => {
      const row = this.q.get.get(id);
      return row === undefined ? null : toRecord(row);
    });
  }

  update(id: string, change: SessionChange, expectVersion: number, activation?: ActivationOptions): Promise<SessionRecord> {
    return this.immediate(() => {
      const current = this.q.version.get(id);
      if (current === undefined) throw new SessiondError("resource_not_found", "no such session");
      if (current["version"] !== expectVersion) throw new SessiondError("conflict", "the session changed meanwhile");
      if (change.status === "active" && current["status"] !== "active" && activation !== undefined)
        this.evict(current["tenant_id"] as string, current["user_id"] as string, id, activation);
      const row = toColumns(change, sqliteBoolean);
      const sets = Object.keys(row).map((c) => `${c} = @${c}`);
      this.statements.get(`UPDATE sessions SET ${[...sets, "version = version + 1"].join(", ")} WHERE id = @id`).run({ ...row, id });
      this.changed(id, Date.now());
      return toRecord(this.q.get.get(id)!);
    });
  }

  recordActivity(id: string, change: ActivityChangeSet, historyLimit: number): Promise<boolean> {
    return this.immediate(() => {
      const row = { ...toColumns(change, sqliteBoolean), id };
      const sets = Object.keys(row).filter((c) => c !== "id").map((c) => `${c} = @${c}`);
      const written = this.statements
        .get(`UPDATE sessions SET ${sets.join(", ")} WHERE id = @id AND status IN ('pending', 'active') AND is_deleted = 0 AND last_active_at <= @last_active_at`)
        .run(row).changes;
      if (written > 0) this.appendActivity(change.latestActivity, historyLimit);
      return written > 0;
    });
  }

  list(filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }> {
    return this.heavy((reader) => listSessions(reader, filter, page));
  }

  endMany(filter: { tenantId: string; userId: string; exceptId?: string; nowMs: number }, ending: Ending): Promise<string[]> {
    return this.immediate(() => {
      const ids = this.q.userLive.all({ tenantId: filter.tenantId, userId: filter.userId, exceptId: filter.exceptId ?? "", now: filter.nowMs }).map((r) => r.id);
      return ids.filter((id) => this.endOne(id, ending, filter.nowMs));
    });
  }

  activities(sessionId: string, page: PageRequest): Promise<Page<ActivityRecord>> {
    return this.run(() => listActivities(this.statements, sessionId, page));
  }

  users(tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>> {
    return this.heavy((reader) => listUsers(reader, tenantId, nowMs, page));
  }

  stats(tenantId: string | undefined, nowMs: number): Promise<SessionStats> {
    return this.heavy((reader) => sessionStats(reader, tenantId, nowMs));
  }

  sweep(nowMs: number, purgeEndedBefore: number, limit: number): Promise<SweepResult> {
    // A batch lost to a power cut is redone by the next sweep, so its commit need not wait for
    // an fsync, which would hold the event loop; every other write keeps synchronous=FULL (and
    // the next such commit makes this one durable too).
    const relax = this.prepared && !this.closed;
    if (relax) this.db.pragma("synchronous = NORMAL");
    try {
      return this.immediate(() => this.sweeper.batch(nowMs, purgeEndedBefore, limit));
    } finally {
      if (relax) this.db.pragma("synchronous = FULL");
    }
  }

  getPolicy(tenantId: string): Promise<TenantPolicy | null> { return this.run(() => this.extras.getPolicy(tenantId)); }
  putPolicy(tenantId: string, policy: TenantPolicy): Promise<void> { return this.run(() => this.extras.putPolicy(tenantId, policy)); }
  insertApiKey(key: ApiKeyRecord): Promise<void> { return this.run(() => this.extras.insertApiKey(key)); }
  getApiKey(id: string): Promise<ApiKeyRecord | null> { return this.run(() => this.extras.getApiKey(id)); }
  listApiKeys(tenantId: string | undefined): Promise<ApiKeyRecord[]> { return this.run(() => this.extras.listApiKeys(tenantId)); }
  revokeApiKey(id: string, atMs: number): Promise<ApiKeyRecord | null> { return this.run(() => this.extras.revokeApiKey(id, atMs)); }
  insertSigningKey(key: SigningKeyRecord): Promise<void> { return this.run(() => this.extras.insertSigningKey(key)); }
  listSigningKeys(): Promise<SigningKeyRecord[]> { return this.run(() => this.extras.listSigningKeys()); }
  retireSigningKey(kid: string, retireAt: number): Promise<void> { return this.run(() => this.extras.retireSigningKey(kid, retireAt)); }
  deleteSigningKey(kid: string): Promise<void> { return this.run(() => this.extras.deleteSigningKey(kid)); }
  putTemplate(template: JwtTemplateRecord): Promise<void> { return this.run(() => this.extras.putTemplate(template)); }
  getTemplate(tenantId: string, name: string): Promise<JwtTemplateRecord | null> { return this.run(() => this.extras.getTemplate(tenantId, name)); }
  listTemplates(tenantId: string): Promise<JwtTemplateRecord[]> { return this.run(() => this.extras.listTemplates(tenantId)); }
  deleteTemplate(tenantId: string, name: string): Promise<boolean> { return this.run(() => this.extras.deleteTemplate(tenantId, name)); }

  async migrate(onStep?: (step: { version: number; name: string }) => void): Promise<{ version: number; applied: number[] }> {
    if (this.closed) throw new SessiondError("store_unavailable", "the store is closed");
    try {
      const result = migrate(this.db, onStep);
      if (!this.prepared) this.ready();
      return result;
    } catch (error) {
      throw translate(error);
    }
  }

  countHits(key: string, windowStart: number, windowMs: number, count: number): Promise<number> {
    return this.run(() => this.q.countHits.get(key, windowStart, count, windowStart + windowMs)!);
  }

  /** Other processes' changes are pulled from the change log on `poll` (changes.ts). */
  async watchChanges(listener: ChangeListener): Promise<ChangeWatch> {
    await this.run(() => this.feed.startIfIdle());
    return this.feed.listeners.add(listener, { healthy: () => !this.closed, poll: () => !this.closed && this.prepared && this.feed.poll() });
  }

  ping(): Promise<void> {
    return this.run(() => void this.q.ping.get());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.prepared) await this.reader.close();
    this.db.close();
  }
}

export interface SqliteOptions {
  /** The database file (its folder is created); `":memory:"` works too. */
  path: string;
  /** How long a write waits for another process's lock before `store_unavailable` (default 5000). */
  busyTimeoutMs?: number;
  /** Apply pending migrations on open (default true); `sessiond migrate` opens with false to report each step. */
  migrate?: boolean;
}

/** The embedded SQLite store (`./data/sessiond.db` by default in the server). */
export function sqliteStore(options: SqliteOptions): SqliteStore {
  return new SqliteStore(options);
}
