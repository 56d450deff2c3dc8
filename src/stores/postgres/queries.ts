/** Read-side queries of the PostgreSQL store: lists, who is online, stats, activities. */
import type { ActivityRecord, SessionRecord } from "../../core/model.js";
import type { Page, PageRequest, SessionFilter, SessionStats, UserSessions } from "../../core/store.js";
import { countInto, emptyStats, parseUserKey, userKey } from "../shared.js";
import { EFFECTIVE_STATUS, type Row, STILL, toRecord } from "../sql/rows.js";

/** Runs a query with `@name` parameters and returns its rows. */
export type Query = (text: string, params: Row) => Promise<Row[]>;

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

export async function listSessions(query: Query, filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }> {
  const { where, params } = filterSql(filter);
  const after = page.afterKey === undefined ? "" : " AND id < @afterKey";
  const [count, rows] = await Promise.all([
    query(`SELECT COUNT(*)::int AS n FROM sessions WHERE ${where}`, params),
    query(`SELECT * FROM sessions WHERE ${where}${after} ORDER BY id DESC LIMIT @limit OFFSET @offset`, {
      ...params,
      afterKey: page.afterKey,
      limit: page.limit + 1,
      offset: page.offset ?? 0,
    }),
  ]);
  const items = rows.slice(0, page.limit).map((row) => toRecord(row));
  return { items, totalCount: count[0]!["n"] as number, nextKey: rows.length > page.limit ? items[items.length - 1]!.id : null };
}

export async function listUsers(query: Query, tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>> {
  const after = page.afterKey === undefined ? null : parseUserKey(page.afterKey);
  const rows = await query(
    `SELECT user_id, (array_agg(username ORDER BY last_active_at DESC, id DESC))[1] AS username, COUNT(*)::int AS active_sessions,
       MAX(last_active_at) AS last_active_at FROM sessions
     WHERE tenant_id = @tenantId AND is_deleted = false AND ${STILL("active")} GROUP BY user_id
     ${after === null ? "" : "HAVING MAX(last_active_at) < @afterAt OR (MAX(last_active_at) = @afterAt AND user_id > @afterUser)"}
     ORDER BY last_active_at DESC, user_id ASC LIMIT @limit OFFSET @offset`,
    { tenantId, now: nowMs, limit: page.limit + 1, offset: page.offset ?? 0, afterAt: after?.lastActiveAt, afterUser: after?.userId },
  );
  const items = rows.slice(0, page.limit).map((r) => ({
    userId: r["user_id"] as string,
    username: r["username"] as string | null,
    activeSessions: r["active_sessions"] as number,
    lastActiveAt: r["last_active_at"] as number,
  }));
  return { items, nextKey: rows.length > page.limit ? userKey(items[items.length - 1]!) : null };
}

export async function sessionStats(query: Query, tenantId: string | undefined, nowMs: number): Promise<SessionStats> {
  const scope = tenantId === undefined ? "" : " AND tenant_id = @tenantId";
  const params = { now: nowMs, tenantId };
  const active = `FROM sessions WHERE is_deleted = false AND ${STILL("active")}${scope}`;
  const groups: [keyof SessionStats, string][] = [["byCountry", "country"], ["byBrowser", "browser_name"], ["byDeviceType", "device_type"], ["byOs", "os_name"]];
  const [byStatus, totals, ...grouped] = await Promise.all([
    query(`SELECT ${EFFECTIVE_STATUS} AS k, COUNT(*)::int AS n FROM sessions WHERE is_deleted = false${scope} GROUP BY k`, params),
    query(`SELECT COUNT(*)::int AS n, COUNT(DISTINCT (tenant_id, user_id))::int AS u ${active}`, params),
    ...groups.map(([, column]) => query(`SELECT ${column} AS k, COUNT(*)::int AS n ${active} GROUP BY k`, params)),
  ]);
  const stats = emptyStats();
  for (const r of byStatus) countInto(stats.byStatus, r["k"] as string, r["n"] as number);
  stats.activeSessions = totals[0]!["n"] as number;
  stats.distinctUsers = totals[0]!["u"] as number;
  groups.forEach(([key], i) => {
    for (const r of grouped[i]!) countInto(stats[key] as Record<string, number>, r["k"] as string | null, r["n"] as number);
  });
  return stats;
}

export async function listActivities(query: Query, sessionId: string, page: PageRequest): Promise<Page<ActivityRecord>> {
  const after = page.afterKey === undefined ? "" : " AND id < @afterKey";
  const rows = await query(`SELECT data FROM activities WHERE session_id = @sessionId${after} ORDER BY id DESC LIMIT @limit OFFSET @offset`, {
    sessionId,
    afterKey: page.afterKey,
    limit: page.limit + 1,
    offset: page.offset ?? 0,
  });
  const items = rows.slice(0, page.limit).map((r) => JSON.parse(r["data"] as string) as ActivityRecord);
  return { items, nextKey: rows.length > page.limit ? items[items.length - 1]!.id : null };
}
