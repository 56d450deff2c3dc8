/** Read-side queries of the SQLite store: lists, who is online, stats, activities. */
import type { Database, Statement } from "better-sqlite3";
import type { ActivityRecord, SessionRecord } from "../../core/model.js";
import type { Page, PageRequest, SessionFilter, SessionStats, UserSessions } from "../../core/store.js";
import { countInto, emptyStats, parseUserKey, userKey } from "../shared.js";
import { EFFECTIVE_STATUS, type Row, STILL, toRecord } from "../sql/rows.js";

/** Prepared statements cached by SQL text, for the queries whose text depends on the filter. */
export class StatementCache {
  private readonly cache = new Map<string, Statement>();
  constructor(private readonly db: Database) {}
  get(sql: string): Statement {
    let statement = this.cache.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }
}

function filterSql(filter: SessionFilter): { where: string; params: Row } {
  const clauses = ["is_deleted = 0"];
  const params: Row = { now: filter.nowMs };
  const equal = (field: string, column: string, value: unknown) => {
    if (value === undefined) return;
    clauses.push(`${column} = @${field}`);
    params[field] = value;
  };
  equal("tenantId", "tenant_id", filter.tenantId);
  equal("userId", "user_id", filter.userId);
  equal("clientId", "client_id", filter.clientId);
  equal("workspaceId", "workspace_id", filter.workspaceId);
  if (filter.createdFrom !== undefined) (clauses.push("created_at >= @createdFrom"), (params["createdFrom"] = filter.createdFrom));
  if (filter.createdTo !== undefined) (clauses.push("created_at <= @createdTo"), (params["createdTo"] = filter.createdTo));
  if (filter.status === "active" || filter.status === "pending") clauses.push(STILL(filter.status));
  else if (filter.status !== undefined) (clauses.push(`(${EFFECTIVE_STATUS}) = @status`), (params["status"] = filter.status));
  return { where: clauses.join(" AND "), params };
}

/**
 * The sweeper's searches, one per partial index (exported for the query-plan test). With one
 * OR over both deadlines SQLite walked every live session: a sweep with nothing due took 94 s
 * at 10 M sessions.
 */
export const SWEEP_SQL = {
  passedExpiry: "SELECT id, status, expire_at, abandon_at FROM sessions WHERE status IN ('pending', 'active') AND expire_at <= @now LIMIT @limit",
  passedInactivity:
    "SELECT id, status, expire_at, abandon_at FROM sessions WHERE status IN ('pending', 'active') AND abandon_at IS NOT NULL AND abandon_at <= @now LIMIT @limit",
  purgeable: "SELECT id FROM sessions WHERE status NOT IN ('pending', 'active') AND ended_at < @before LIMIT @limit",
} as const;

/** The two statements of a list page: the total, and one row more than the page (exported for the query-plan test). */
export function listSql(filter: SessionFilter, page: PageRequest): { count: string; rows: string; params: Row; rowParams: Row } {
  const { where, params } = filterSql(filter);
  const after = page.afterKey === undefined ? "" : " AND id < @afterKey";
  return {
    count: `SELECT COUNT(*) AS n FROM sessions WHERE ${where}`,
    rows: `SELECT * FROM sessions WHERE ${where}${after} ORDER BY id DESC LIMIT @limit OFFSET @offset`,
    params,
    rowParams: { ...params, ...(page.afterKey === undefined ? {} : { afterKey: page.afterKey }), limit: page.limit + 1, offset: page.offset ?? 0 },
  };
}

export function listSessions(statements: StatementCache, filter: SessionFilter, page: PageRequest): Page<SessionRecord> & { totalCount: number } {
  const sql = listSql(filter, page);
  const total = (statements.get(sql.count).get(sql.params) as { n: number }).n;
  const rows = statements.get(sql.rows).all(sql.rowParams) as Row[];
  const items = rows.slice(0, page.limit).map((row) => toRecord(row));
  return { items, totalCount: total, nextKey: rows.length > page.limit ? items[items.length - 1]!.id : null };
}

export function listUsers(statements: StatementCache, tenantId: string, nowMs: number, page: PageRequest): Page<UserSessions> {
  const after = page.afterKey === undefined ? null : parseUserKey(page.afterKey);
  // SQLite takes bare columns (username) from the row that holds MAX(last_active_at).
  const rows = statements
    .get(
      `SELECT user_id, username, COUNT(*) AS active_sessions, MAX(last_active_at) AS last_active_at FROM sessions
       WHERE tenant_id = @tenantId AND is_deleted = 0 AND ${STILL("active")} GROUP BY user_id
       ${after === null ? "" : "HAVING MAX(last_active_at) < @afterAt OR (MAX(last_active_at) = @afterAt AND user_id > @afterUser)"}
       ORDER BY last_active_at DESC, user_id ASC LIMIT @limit OFFSET @offset`,
    )
    .all({ tenantId, now: nowMs, limit: page.limit + 1, offset: page.offset ?? 0, ...(after === null ? {} : { afterAt: after.lastActiveAt, afterUser: after.userId }) }) as Row[];
  const items = rows.slice(0, page.limit).map((r) => ({
    userId: r["user_id"] as string,
    username: r["username"] as string | null,
    activeSessions: r["active_sessions"] as number,
    lastActiveAt: r["last_active_at"] as number,
  }));
  return { items, nextKey: rows.length > page.limit ? userKey(items[items.length - 1]!) : null };
}

export function sessionStats(statements: StatementCache, tenantId: string | undefined, nowMs: number): SessionStats {
  const scope = tenantId === undefined ? "" : " AND tenant_id = @tenantId";
  const params = { now: nowMs, ...(tenantId === undefined ? {} : { tenantId }) };
  const stats = emptyStats();
  const byStatus = statements.get(`SELECT ${EFFECTIVE_STATUS} AS k, COUNT(*) AS n FROM sessions WHERE is_deleted = 0${scope} GROUP BY k`).all(params) as Row[];
  for (const r of byStatus) countInto(stats.byStatus, r["k"] as string, r["n"] as number);
  const active = `FROM sessions WHERE is_deleted = 0 AND ${STILL("active")}${scope}`;
  const totals = statements.get(`SELECT COUNT(*) AS n, COUNT(DISTINCT tenant_id || char(0) || user_id) AS u ${active}`).get(params) as Row;
  stats.activeSessions = totals["n"] as number;
  stats.distinctUsers = totals["u"] as number;
  const groups: [keyof SessionStats, string][] = [["byCountry", "country"], ["byBrowser", "browser_name"], ["byDeviceType", "device_type"], ["byOs", "os_name"]];
  for (const [key, column] of groups) {
    for (const r of statements.get(`SELECT ${column} AS k, COUNT(*) AS n ${active} GROUP BY k`).all(params) as Row[])
      countInto(stats[key] as Record<string, number>, r["k"] as string | null, r["n"] as number);
  }
  return stats;
}

export function listActivities(statements: StatementCache, sessionId: string, page: PageRequest): Page<ActivityRecord> {
  const after = page.afterKey === undefined ? "" : " AND id < @afterKey";
  const rows = statements
    .get(`SELECT data FROM activities WHERE session_id = @sessionId${after} ORDER BY id DESC LIMIT @limit OFFSET @offset`)
    .all({ sessionId, limit: page.limit + 1, offset: page.offset ?? 0, ...(page.afterKey === undefined ? {} : { afterKey: page.afterKey }) }) as Row[];
  const items = rows.slice(0, page.limit).map((r) => JSON.parse(r["data"] as string) as ActivityRecord);
  return { items, nextKey: rows.length > page.limit ? items[items.length - 1]!.id : null };
}
