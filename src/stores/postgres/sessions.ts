/**
 * The PostgreSQL store's sessions. A verify is one primary-key read; single-row changes are
 * conditional UPDATEs; every multi-row change of one user runs under that user's lock
 * (session-limit.ts). Lists, who is online and stats are computed by the database.
 */
import { SessiondError } from "../../core/errors.js";
import type { ActivityChangeSet, ActivityRecord, SessionChange, SessionRecord } from "../../core/model.js";
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
import { countInto, emptyStats } from "../counting.js";
import { parseUserKey, userKey } from "../paging.js";
import { EFFECTIVE_STATUS, type Row, STILL, activityColumns, nativeBoolean, toColumns, toRecord } from "../sql/rows.js";
import type { PostgresConnection, Query } from "./connection.js";
import { limitVictims, lockUser } from "./session-limit.js";
import { sweepBatch } from "./sweeper.js";

const END = `UPDATE sessions SET status = @status, end_reason = @endReason, ended_at = @atMs, updated_at = @atMs,
  revoked_at = CASE WHEN @status = 'revoked' THEN @atMs ELSE revoked_at END, version = version + 1`;
const LIVE = `is_deleted = false AND ${STILL("live")}`;

/**
 * Activity writes for distinct sessions in one statement: the conditional writes, the history
 * appends (a retried write's activity is there already: DO NOTHING) and the trims commit
 * together. The trim sees the history before this statement's append, hence `keep` = limit - 1.
 */
const ACTIVITY_ROUND = `WITH input AS (
    SELECT * FROM jsonb_to_recordset(@writes::jsonb) AS t(id text, last_active_at bigint, expire_at bigint, abandon_at bigint, location text,
      latest_activity text, country text, browser_name text, device_type text, os_name text, activity_id text)
  ), written AS (
    UPDATE sessions AS s SET last_active_at = i.last_active_at, expire_at = i.expire_at, abandon_at = i.abandon_at, location = i.location,
      latest_activity = i.latest_activity, country = i.country, browser_name = i.browser_name, device_type = i.device_type, os_name = i.os_name
    FROM input AS i
    WHERE s.id = i.id AND s.status IN ('pending', 'active') AND s.is_deleted = false AND s.last_active_at <= i.last_active_at
    RETURNING s.id
  ), appended AS (
    INSERT INTO activities (id, session_id, data) SELECT i.activity_id, i.id, i.latest_activity FROM input AS i JOIN written USING (id)
    ON CONFLICT (id) DO NOTHING
  ), trimmed AS (
    DELETE FROM activities AS a WHERE a.session_id IN (SELECT id FROM written) AND a.id IN (
      SELECT x.id FROM activities AS x WHERE x.session_id = a.session_id ORDER BY x.id DESC OFFSET @keep)
  ) SELECT id FROM written`;

/** Splits a batch into rounds of distinct sessions, keeping each session's writes in order (indexes into `writes`). */
function rounds(writes: readonly ActivityWrite[]): number[][] {
  const out: number[][] = [];
  const seen = new Map<string, number>();
  writes.forEach((w, i) => {
    const round = seen.get(w.id) ?? 0;
    seen.set(w.id, round + 1);
    if (out[round] === undefined) out[round] = [];
    out[round].push(i);
  });
  return out;
}

function filterSql(filter: SessionFilter): { where: string; params: Row } {
  const clauses = ["is_deleted = false"];
  const params: Row = { now: filter.nowMs };
  const add = (clause: string, name: string, value: unknown) => {
    if (value === undefined) return;
    clauses.push(clause);
    params[name] = value;
  };
  add("tenant_id = @tenantId", "tenantId", filter.tenantId);
  add("user_id = @userId", "userId", filter.userId);
  add("client_id = @clientId", "clientId", filter.clientId);
  add("workspace_id = @workspaceId", "workspaceId", filter.workspaceId);
  add("created_at >= @createdFrom", "createdFrom", filter.createdFrom);
  add("created_at <= @createdTo", "createdTo", filter.createdTo);
  if (filter.status === "active" || filter.status === "pending") clauses.push(STILL(filter.status));
  else add(`(${EFFECTIVE_STATUS}) = @status`, "status", filter.status);
  return { where: clauses.join(" AND "), params };
}

export class PostgresSessions implements SessionStore {
  private readonly query: Query;

  constructor(private readonly conn: PostgresConnection) {
    this.query = conn.query;
  }

  /** Under the user's lock: ends the sessions that make way for one more of the user's. */
  private async evict(
    query: Query,
    tenantId: string,
    userId: string,
    exceptId: string,
    activation: ActivationOptions,
    changed: (ids: string[]) => void,
  ): Promise<string[]> {
    const victims = await limitVictims(query, tenantId, userId, exceptId, activation);
    if (victims.length > 0) await query(`${END} WHERE id = ANY(@ids)`, { ids: victims, status: "removed", endReason: "session_limit", atMs: activation.nowMs });
    changed(victims);
    return victims;
  }

  insert(record: SessionRecord, activation: ActivationOptions, replaceId?: string): Promise<{ evicted: string[] }> {
    return this.conn.transaction(async (query, changed) => {
      await lockUser(query, record.tenantId, record.userId);
      if (replaceId !== undefined) {
        const replaced = await query(`${END} WHERE id = @id AND ${LIVE} RETURNING id`, {
          id: replaceId,
          status: "replaced",
          endReason: "replaced",
          atMs: activation.nowMs,
          now: activation.nowMs,
        });
        changed(replaced.map((r) => r.id as string));
      }
      const evicted = record.status === "active" ? await this.evict(query, record.tenantId, record.userId, record.id, activation, changed) : [];
      const row = { ...toColumns(record, nativeBoolean), ...activityColumns(record.latestActivity) };
      const names = Object.keys(row);
      await query(`INSERT INTO sessions (${names.join(", ")}) VALUES (${names.map((n) => `@${n}`).join(", ")})`, row);
      if (record.latestActivity !== null)
        await query("INSERT INTO activities (id, session_id, data) VALUES (@id, @sessionId, @data)", {
          id: record.latestActivity.id,
          sessionId: record.id,
          data: JSON.stringify(record.latestActivity),
        });
      return { evicted };
    });
  }

  async get(id: string): Promise<SessionRecord | null> {
    const rows = await this.query("SELECT * FROM sessions WHERE id = @id", { id });
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  update(id: string, change: SessionChange, expectVersion: number, activation?: ActivationOptions): Promise<SessionRecord> {
    return this.conn.transaction(async (query, changed) => {
      const owner = (await query("SELECT tenant_id, user_id FROM sessions WHERE id = @id", { id }))[0];
      if (owner === undefined) throw new SessiondError("resource_not_found", "no such session");
      const activating = change.status === "active" && activation !== undefined;
      // The user lock comes before any row lock, in the same order as inserts take them.
      if (activating) await lockUser(query, owner.tenant_id as string, owner.user_id as string);
      const current = (await query("SELECT version, status FROM sessions WHERE id = @id FOR UPDATE", { id }))[0]!;
      if (current.version !== expectVersion) throw new SessiondError("conflict", "the session changed meanwhile");
      if (activating && current.status !== "active") await this.evict(query, owner.tenant_id as string, owner.user_id as string, id, activation, changed);
      const row = toColumns(change, nativeBoolean);
      const sets = [...Object.keys(row).map((c) => `${c} = @${c}`), "version = version + 1"];
      changed([id]);
      return toRecord((await query(`UPDATE sessions SET ${sets.join(", ")} WHERE id = @id RETURNING *`, { ...row, id }))[0]!);
    });
  }

  async recordActivity(id: string, change: ActivityChangeSet, historyLimit: number): Promise<boolean> {
    return (await this.recordActivities([{ id, change }], historyLimit))[0]!;
  }

  /**
   * One statement per round: a round holds at most one write per session (one UPDATE cannot
   * change a row twice), so a batch of distinct sessions, the usual case, is one round trip.
   */
  async recordActivities(writes: readonly ActivityWrite[], historyLimit: number): Promise<boolean[]> {
    const results = new Array<boolean>(writes.length).fill(false);
    for (const round of rounds(writes)) {
      const input = round.map((i) => {
        const { id, change } = writes[i]!;
        return { ...toColumns(change, nativeBoolean), id, activity_id: change.latestActivity.id };
      });
      const rows = await this.query(ACTIVITY_ROUND, { writes: JSON.stringify(input), keep: Math.max(0, historyLimit - 1) });
      const written = new Set(rows.map((r) => r.id as string));
      for (const i of round) results[i] = written.has(writes[i]!.id);
    }
    return results;
  }

  async list(filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }> {
    const { where, params } = filterSql(filter);
    const after = page.afterKey === undefined ? "" : " AND id < @afterKey";
    const [count, rows] = await Promise.all([
      this.query(`SELECT COUNT(*)::int AS n FROM sessions WHERE ${where}`, params),
      this.query(`SELECT * FROM sessions WHERE ${where}${after} ORDER BY id DESC LIMIT @limit OFFSET @offset`, {
        ...params,
        afterKey: page.afterKey,
        limit: page.limit + 1,
        offset: page.offset ?? 0,
      }),
    ]);
    const items = rows.slice(0, page.limit).map((row) => toRecord(row));
    return { items, totalCount: count[0]!.n as number, nextKey: rows.length > page.limit ? items[items.length - 1]!.id : null };
  }

  endMany(filter: UserSessionsFilter, ending: Ending): Promise<string[]> {
    return this.conn.transaction(async (query, changed) => {
      await lockUser(query, filter.tenantId, filter.userId);
      const rows = await query(`${END} WHERE tenant_id = @tenantId AND user_id = @userId AND id <> @exceptId AND ${LIVE} RETURNING id`, {
        ...ending,
        tenantId: filter.tenantId,
        userId: filter.userId,
        exceptId: filter.exceptId ?? "",
        now: filter.nowMs,
      });
      changed(rows.map((r) => r.id as string));
      return rows.map((r) => r.id as string);
    });
  }

  async activities(sessionId: string, page: PageRequest): Promise<Page<ActivityRecord>> {
    const after = page.afterKey === undefined ? "" : " AND id < @afterKey";
    const rows = await this.query(`SELECT data FROM activities WHERE session_id = @sessionId${after} ORDER BY id DESC LIMIT @limit OFFSET @offset`, {
      sessionId,
      afterKey: page.afterKey,
      limit: page.limit + 1,
      offset: page.offset ?? 0,
    });
    const items = rows.slice(0, page.limit).map((r) => JSON.parse(r.data as string) as ActivityRecord);
    return { items, nextKey: rows.length > page.limit ? items[items.length - 1]!.id : null };
  }

  async users(tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>> {
    const after = page.afterKey === undefined ? null : parseUserKey(page.afterKey);
    const rows = await this.query(
      `SELECT user_id, (array_agg(username ORDER BY last_active_at DESC, id DESC))[1] AS username, COUNT(*)::int AS active_sessions,
         MAX(last_active_at) AS last_active_at FROM sessions
       WHERE tenant_id = @tenantId AND is_deleted = false AND ${STILL("active")} GROUP BY user_id
       ${after === null ? "" : "HAVING MAX(last_active_at) < @afterAt OR (MAX(last_active_at) = @afterAt AND user_id > @afterUser)"}
       ORDER BY last_active_at DESC, user_id ASC LIMIT @limit OFFSET @offset`,
      { tenantId, now: nowMs, limit: page.limit + 1, offset: page.offset ?? 0, afterAt: after?.lastActiveAt, afterUser: after?.userId },
    );
    const items = rows.slice(0, page.limit).map((r) => ({
      userId: r.user_id as string,
      username: r.username as string | null,
      activeSessions: r.active_sessions as number,
      lastActiveAt: r.last_active_at as number,
    }));
    return { items, nextKey: rows.length > page.limit ? userKey(items[items.length - 1]!) : null };
  }

  async stats(tenantId: string | undefined, nowMs: number): Promise<SessionStats> {
    const scope = tenantId === undefined ? "" : " AND tenant_id = @tenantId";
    const params = { now: nowMs, tenantId };
    const active = `FROM sessions WHERE is_deleted = false AND ${STILL("active")}${scope}`;
    const groups: [keyof SessionStats, string][] = [
      ["byCountry", "country"],
      ["byBrowser", "browser_name"],
      ["byDeviceType", "device_type"],
      ["byOs", "os_name"],
    ];
    const [byStatus, totals, ...grouped] = await Promise.all([
      this.query(`SELECT ${EFFECTIVE_STATUS} AS k, COUNT(*)::int AS n FROM sessions WHERE is_deleted = false${scope} GROUP BY k`, params),
      this.query(`SELECT COUNT(*)::int AS n, COUNT(DISTINCT (tenant_id, user_id))::int AS u ${active}`, params),
      ...groups.map(([, column]) => this.query(`SELECT ${column} AS k, COUNT(*)::int AS n ${active} GROUP BY k`, params)),
    ]);
    const stats = emptyStats();
    for (const r of byStatus) countInto(stats.byStatus, r.k as string, r.n as number);
    stats.activeSessions = totals[0]!.n as number;
    stats.distinctUsers = totals[0]!.u as number;
    groups.forEach(([key], i) => {
      for (const r of grouped[i]!) countInto(stats[key] as Record<string, number>, r.k as string | null, r.n as number);
    });
    return stats;
  }

  sweep(nowMs: number, purgeEndedBefore: number, limit: number): Promise<SweepResult> {
    return sweepBatch(this.query, nowMs, purgeEndedBefore, limit);
  }
}
