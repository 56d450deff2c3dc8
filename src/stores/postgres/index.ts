/**
 * PostgreSQL: durable, shared by many servers. A verify is one primary-key read.
 * Every multi-row change of one user (limits, replacement, revoke-all) first takes
 * a transaction-scoped advisory lock on that user, so concurrent servers serialise
 * per user without deadlocks; single-row changes are conditional UPDATEs.
 */
import type pg from "pg";
import { DEFAULT_STORE_TIMEOUT_MS } from "../../core/defaults.js";
import { SessiondError } from "../../core/errors.js";
import type { ActivityChangeSet, ActivityRecord, SessionChange, SessionRecord } from "../../core/model.js";
import type { TenantPolicy } from "../../core/policy.js";
import type {
  ChangeListener, ChangeWatch,
  ActivationOptions, ApiKeyRecord, Ending, JwtTemplateRecord, Page, PageRequest, SessionFilter, SessionStats, SessionStore,
  SigningKeyRecord, SweepResult, UserSessions,
} from "../../core/store.js";
import { EFFECTIVE_STATUS, type Row, STILL, activityColumns, nativeBoolean, toColumns, toRecord } from "../sql/rows.js";
import { PostgresChangeFeed, notificationPayloads } from "./changes.js";
import { createPool, named, translate, withClient } from "./connection.js";
import { PostgresExtras } from "./extras.js";
import { POSTGRES_SCHEMA_VERSION as SCHEMA_VERSION, migrate } from "./migrations.js";
import { type Query, listActivities, listSessions, listUsers, sessionStats } from "./queries.js";

/** The newest schema version this build knows; declared here, not re-exported, so the published types never load the driver's (migrations.ts takes its types). */
export const POSTGRES_SCHEMA_VERSION: number = SCHEMA_VERSION;

export interface PostgresOptions {
  /** `postgres://user@host:port/db` */
  url: string;
  /** Schema for sessiond's tables (default `public`); tests use one per run. */
  schema?: string;
  poolSize?: number;
  /** Connecting and each query give up after this long with `store_unavailable` (default {@link DEFAULT_STORE_TIMEOUT_MS}). */
  timeoutMs?: number;
}

const END = `UPDATE sessions SET status = @status, end_reason = @endReason, ended_at = @atMs, updated_at = @atMs,
  revoked_at = CASE WHEN @status = 'revoked' THEN @atMs ELSE revoked_at END, version = version + 1`;
const LIVE = `is_deleted = false AND ${STILL("live")}`;

export class PostgresStore implements SessionStore {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly extras: PostgresExtras;
  private closed = false;
  private readonly feed: PostgresChangeFeed;

  constructor(options: PostgresOptions) {
    this.schema = options.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new SessiondError("request_invalid", "the PostgreSQL schema name must match ^[a-z_][a-z0-9_]{0,62}$");
    this.pool = createPool({ url: options.url, schema: this.schema, poolSize: options.poolSize ?? 10, timeoutMs: options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS });
    this.extras = new PostgresExtras(this.query);
    this.feed = new PostgresChangeFeed({ url: options.url, channel: `sessiond_changes_${this.schema}`, timeoutMs: options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS });
  }

  private readonly query: Query = async (text, params) => {
    if (this.closed) throw new SessiondError("store_unavailable", "the store is closed");
    try {
      return (await this.pool.query(named(text, params))).rows as Row[];
    } catch (error) {
      throw translate(error);
    }
  };

  /**
   * Runs `work` in a transaction; a deadlock or serialisation failure is a lost race (`conflict`),
   * which callers retry. Sessions `work` reports as changed are announced with NOTIFY, which
   * PostgreSQL delivers exactly when (and only if) the transaction commits.
   */
  private async transaction<T>(work: (query: Query, changed: (ids: string[]) => void) => Promise<T>): Promise<T> {
    if (this.closed) throw new SessiondError("store_unavailable", "the store is closed");
    try {
      return await withClient(this.pool, async (client) => {
        const query: Query = async (text, params) => (await client.query(named(text, params))).rows as Row[];
        const changedIds: string[] = [];
        try {
          await client.query("BEGIN");
          const result = await work(query, (ids) => changedIds.push(...ids));
          for (const payload of notificationPayloads(changedIds)) await query("SELECT pg_notify(@channel, @payload)", { channel: this.feed.channel, payload });
          await client.query("COMMIT");
          this.feed.local(changedIds);
          return result;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "40P01" || code === "40001") throw new SessiondError("conflict", "a concurrent change won; try again", { cause: error });
      throw translate(error);
    }
  }

  private lockUser(query: Query, tenantId: string, userId: string): Promise<Row[]> {
    return query("SELECT pg_advisory_xact_lock(hashtextextended(@key, 7420))", { key: JSON.stringify([tenantId, userId]) });
  }

  private async evict(query: Query, tenantId: string, userId: string, exceptId: string, activation: ActivationOptions, changed: (ids: string[]) => void): Promise<string[]> {
    if (activation.maxActivePerUser === null) return [];
    const active = await query(
      `SELECT id FROM sessions WHERE tenant_id = @tenantId AND user_id = @userId AND id <> @exceptId AND is_deleted = false AND ${STILL("active")}
       ORDER BY last_active_at, created_at, id`,
      { tenantId, userId, exceptId, now: activation.nowMs },
    );
    const victims = active.slice(0, Math.max(0, active.length - (activation.maxActivePerUser - 1))).map((r) => r["id"] as string);
    if (victims.length > 0)
      await query(`${END} WHERE id = ANY(@ids)`, { ids: victims, status: "removed", endReason: "session_limit", atMs: activation.nowMs });
    changed(victims);
    return victims;
  }

  insert(record: SessionRecord, activation: ActivationOptions, replaceId?: string): Promise<{ evicted: string[] }> {
    return this.transaction(async (query, changed) => {
      await this.lockUser(query, record.tenantId, record.userId);
      if (replaceId !== undefined) {
        const replaced = await query(`${END} WHERE id = @id AND ${LIVE} RETURNING id`, { id: replaceId, status: "replaced", endReason: "replaced", atMs: activation.nowMs, now: activation.nowMs });
        changed(replaced.map((r) => r["id"] as string));
      }
      const evicted = record.status === "active" ? await this.evict(query, record.tenantId, record.userId, record.id, activation, changed) : [];
      const row = { ...toColumns(record, nativeBoolean), ...activityColumns(record.latestActivity) };
      const names = Object.keys(row);
      await query(`INSERT INTO sessions (${names.join(", ")}) VALUES (${names.map((n) => `@${n}`).join(", ")})`, row);
      if (record.latestActivity !== null)
        await query("INSERT INTO activities (id, session_id, data) VALUES (@id, @sessionId, @data)", { id: record.latestActivity.id, sessionId: record.id, data: JSON.stringify(record.latestActivity) });
      return { evicted };
    });
  }

  async get(id: string): Promise<SessionRecord | null> {
    const rows = await this.query("SELECT * FROM sessions WHERE id = @id", { id });
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  update(id: string, change: SessionChange, expectVersion: number, activation?: ActivationOptions): Promise<SessionRecord> {
    return this.transaction(async (query, changed) => {
      const owner = (await query("SELECT tenant_id, user_id FROM sessions WHERE id = @id", { id }))[0];
      if (owner === undefined) throw new SessiondError("resource_not_found", "no such session");
      const activating = change.status === "active" && activation !== undefined;
      // The user lock comes before any row lock, in the same order as inserts take them.
      if (activating) await this.lockUser(query, owner["tenant_id"] as string, owner["user_id"] as string);
      const current = (await query("SELECT version, status FROM sessions WHERE id = @id FOR UPDATE", { id }))[0]!;
      if (current["version"] !== expectVersion) throw new SessiondError("conflict", "the session changed meanwhile");
      if (activating && current["status"] !== "active") await this.evict(query, owner["tenant_id"] as string, owner["user_id"] as string, id, activation, changed);
      const row = toColumns(change, nativeBoolean);
      const sets = [...Object.keys(row).map((c) => `${c} = @${c}`), "version = version + 1"];
      changed([id]);
      return toRecord((await query(`UPDATE sessions SET ${sets.join(", ")} WHERE id = @id RETURNING *`, { ...row, id }))[0]!);
    });
  }

  async recordActivity(id: string, change: ActivityChangeSet, historyLimit: number): Promise<boolean> {
    const row = toColumns(change, nativeBoolean);
    const sets = Object.keys(row).map((c) => `${c} = @${c}`);
    // One statement: the conditional write, the history append and the trim commit together.
    const rows = await this.query(
      `WITH written AS (
         UPDATE sessions SET ${sets.join(", ")} WHERE id = @id AND status IN ('pending', 'active') AND is_deleted = false AND last_active_at <= @last_active_at RETURNING id
       ), appended AS (
         INSERT INTO activities (id, session_id, data) SELECT @activityId, id, @data FROM written
       ), trimmed AS (
         DELETE FROM activities WHERE EXISTS (SELECT 1 FROM written) AND id IN (
           SELECT id FROM activities WHERE session_id = @id ORDER BY id DESC OFFSET @keep)
       ) SELECT COUNT(*)::int AS n FROM written`,
      { ...row, id, activityId: change.latestActivity.id, data: JSON.stringify(change.latestActivity), keep: Math.max(0, historyLimit - 1) },
    );
    return (rows[0]!["n"] as number) > 0;
  }

  list(filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }> {
    return listSessions(this.query, filter, page);
  }

  endMany(filter: { tenantId: string; userId: string; exceptId?: string; nowMs: number }, ending: Ending): Promise<string[]> {
    return this.transaction(async (query, changed) => {
      await this.lockUser(query, filter.tenantId, filter.userId);
      const rows = await query(`${END} WHERE tenant_id = @tenantId AND user_id = @userId AND id <> @exceptId AND ${LIVE} RETURNING id`, {
        ...ending,
        tenantId: filter.tenantId,
        userId: filter.userId,
        exceptId: filter.exceptId ?? "",
        now: filter.nowMs,
      });
      changed(rows.map((r) => r["id"] as string));
      return rows.map((r) => r["id"] as string);
    });
  }

  activities(sessionId: string, page: PageRequest): Promise<Page<ActivityRecord>> {
    return listActivities(this.query, sessionId, page);
  }

  users(tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>> {
    return listUsers(this.query, tenantId, nowMs, page);
  }

  stats(tenantId: string | undefined, nowMs: number): Promise<SessionStats> {
    return sessionStats(this.query, tenantId, nowMs);
  }

  async sweep(nowMs: number, purgeEndedBefore: number, limit: number): Promise<SweepResult> {
    // SKIP LOCKED lets several servers sweep at once without waiting on each other's batches.
    const written = await this.query(
      `WITH due AS (
         SELECT id, ${EFFECTIVE_STATUS} AS effective FROM sessions WHERE status IN ('pending', 'active')
         AND (expire_at <= @now OR (abandon_at IS NOT NULL AND abandon_at <= @now)) LIMIT @limit FOR UPDATE SKIP LOCKED
       ) UPDATE sessions s SET status = due.effective, end_reason = due.effective, updated_at = @now, version = s.version + 1,
         ended_at = CASE WHEN due.effective = 'abandoned' THEN s.abandon_at ELSE s.expire_at END
       FROM due WHERE s.id = due.id RETURNING s.status`,
      { now: nowMs, limit },
    );
    const purged = await this.query(
      `WITH gone AS (
         DELETE FROM sessions WHERE id IN (
           SELECT id FROM sessions WHERE status NOT IN ('pending', 'active') AND ended_at < @before LIMIT @limit FOR UPDATE SKIP LOCKED)
         RETURNING id
       ), history AS (DELETE FROM activities WHERE session_id IN (SELECT id FROM gone))
       SELECT COUNT(*)::int AS n FROM gone`,
      { before: purgeEndedBefore, limit },
    );
    await this.query("DELETE FROM rate_counters WHERE expires_at < @now", { now: nowMs });
    const count = (status: string) => written.filter((r) => r["status"] === status).length;
    return { expired: count("expired"), abandoned: count("abandoned"), purged: purged[0]!["n"] as number };
  }

  getPolicy(tenantId: string): Promise<TenantPolicy | null> { return this.extras.getPolicy(tenantId); }
  putPolicy(tenantId: string, policy: TenantPolicy): Promise<void> { return this.extras.putPolicy(tenantId, policy); }
  insertApiKey(key: ApiKeyRecord): Promise<void> { return this.extras.insertApiKey(key); }
  getApiKey(id: string): Promise<ApiKeyRecord | null> { return this.extras.getApiKey(id); }
  listApiKeys(tenantId: string | undefined): Promise<ApiKeyRecord[]> { return this.extras.listApiKeys(tenantId); }
  revokeApiKey(id: string, atMs: number): Promise<ApiKeyRecord | null> { return this.extras.revokeApiKey(id, atMs); }
  insertSigningKey(key: SigningKeyRecord): Promise<void> { return this.extras.insertSigningKey(key); }
  listSigningKeys(): Promise<SigningKeyRecord[]> { return this.extras.listSigningKeys(); }
  retireSigningKey(kid: string, retireAt: number): Promise<void> { return this.extras.retireSigningKey(kid, retireAt); }
  deleteSigningKey(kid: string): Promise<void> { return this.extras.deleteSigningKey(kid); }
  putTemplate(template: JwtTemplateRecord): Promise<void> { return this.extras.putTemplate(template); }
  getTemplate(tenantId: string, name: string): Promise<JwtTemplateRecord | null> { return this.extras.getTemplate(tenantId, name); }
  listTemplates(tenantId: string): Promise<JwtTemplateRecord[]> { return this.extras.listTemplates(tenantId); }
  deleteTemplate(tenantId: string, name: string): Promise<boolean> { return this.extras.deleteTemplate(tenantId, name); }

  async migrate(onStep?: (step: { version: number; name: string }) => void): Promise<{ version: number; applied: number[] }> {
    try {
      return await migrate(this.pool, this.schema, onStep);
    } catch (error) {
      throw translate(error);
    }
  }

  async countHits(key: string, windowStart: number, windowMs: number, count: number): Promise<number> {
    const rows = await this.query(
      `INSERT INTO rate_counters (key, window_start, total, expires_at) VALUES (@key, @windowStart, @count, @expiresAt)
       ON CONFLICT (key, window_start) DO UPDATE SET total = rate_counters.total + excluded.total RETURNING total`,
      { key, windowStart, count, expiresAt: windowStart + windowMs },
    );
    return rows[0]!["total"] as number;
  }

  /** Other processes' changes arrive by LISTEN on one dedicated connection, opened on first use. */
  watchChanges(listener: ChangeListener): Promise<ChangeWatch> {
    if (this.closed) return Promise.reject(new SessiondError("store_unavailable", "the store is closed"));
    return this.feed.watch(listener);
  }

  async ping(): Promise<void> {
    await this.query("SELECT 1", {});
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.feed.close();
    await this.pool.end();
  }
}

/** Opens a PostgreSQL store and brings its schema up to date (unless `migrate: false`). */
export async function postgresStore(options: PostgresOptions & { migrate?: boolean }): Promise<PostgresStore> {
  const store = new PostgresStore(options);
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}
