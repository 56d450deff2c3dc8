/**
 * Stats, list totals and who-is-online from the counts the triggers keep (counts-schema.ts),
 * corrected to the effective status of SPEC §3: a live session whose deadline has passed but
 * which the sweeper has not written yet ("lapsed") counts as expired or abandoned, and no
 * longer as active. Lapsed sessions are found through the sweeper's two partial indexes, so a
 * read costs O(counted keys + lapsed sessions + page), not O(sessions): normally the sweeper
 * leaves no more than a sweep interval's worth of them.
 */
import type { PageRequest, SessionStats, UserSessions } from "../../core/store/index.js";
import { countInto, emptyStats } from "../counting.js";
import { parseUserKey } from "../paging.js";
import { EFFECTIVE_STATUS, type Row, STILL } from "../sql/rows.js";

/** One statement for the reader (reader.ts). */
export interface ReadStep {
  sql: string;
  params: Row;
}

const scoped = (tenantId: string | undefined, column = "tenant_id") => (tenantId === undefined ? "" : ` AND ${column} = @tenantId`);
const paramsOf = (tenantId: string | undefined, nowMs: number): Row => ({ now: nowMs, ...(tenantId === undefined ? {} : { tenantId }) });

/**
 * Live, non-deleted sessions whose deadline passed at `@now` (exported for the query-plan test).
 * INDEXED BY: with a tenant to match, the planner would otherwise walk the tenant's sessions.
 * The second arm leaves out what the first found, so the two never overlap.
 */
export function lapsedSql(tenantId: string | undefined, columns: string): string {
  return `SELECT ${columns} FROM sessions INDEXED BY sessions_live_expire
      WHERE status IN ('pending', 'active') AND expire_at <= @now AND is_deleted = 0${scoped(tenantId)}
    UNION ALL SELECT ${columns} FROM sessions INDEXED BY sessions_live_abandon
      WHERE status IN ('pending', 'active') AND abandon_at IS NOT NULL AND abandon_at <= @now AND expire_at > @now AND is_deleted = 0${scoped(tenantId)}`;
}

const DIMENSIONS = { country: "country", browser: "browser_name", device: "device_type", os: "os_name" } as const;

/**
 * Every count of `stats` in one statement: the stored counts plus, for each lapsed session,
 * -1 under its stored status and +1 under its effective one, -1 under its place and device
 * when it was active, and -1 user for each user all of whose active sessions lapsed.
 */
export function statsSql(tenantId: string | undefined, dimensions: "all" | "status" = "all"): string {
  const corrections = [
    "SELECT 'status' AS dimension, status AS key, -count(*) AS n FROM lapsed GROUP BY status",
    "SELECT 'status', effective, count(*) FROM lapsed GROUP BY effective",
  ];
  if (dimensions === "all") {
    for (const [dimension, column] of Object.entries(DIMENSIONS))
      corrections.push(`SELECT '${dimension}', coalesce(${column}, 'unknown') AS k, -count(*) FROM lapsed WHERE status = 'active' GROUP BY k`);
    corrections.push(`SELECT 'users', '', -count(*) FROM (SELECT tenant_id, user_id, count(*) AS gone FROM lapsed WHERE status = 'active' GROUP BY tenant_id, user_id) AS g
      JOIN online_users AS u ON u.tenant_id = g.tenant_id AND u.user_id = g.user_id WHERE u.active_sessions <= g.gone`);
  }
  const columns = `tenant_id, user_id, status, (${EFFECTIVE_STATUS}) AS effective, ${Object.values(DIMENSIONS).join(", ")}`;
  return `WITH lapsed AS MATERIALIZED (${lapsedSql(tenantId, columns)})
    SELECT dimension, key, sum(n) AS n FROM (
      SELECT dimension, key, n FROM session_counts WHERE ${dimensions === "all" ? "1" : "dimension = 'status'"}${scoped(tenantId)}
      UNION ALL ${corrections.join("\n      UNION ALL ")}
    ) GROUP BY dimension, key HAVING sum(n) <> 0`;
}

export function statsStep(tenantId: string | undefined, nowMs: number): ReadStep {
  return { sql: statsSql(tenantId), params: paramsOf(tenantId, nowMs) };
}

const STATS_MAPS = { status: "byStatus", country: "byCountry", browser: "byBrowser", device: "byDeviceType", os: "byOs" } as const;

export function statsFrom(rows: Row[]): SessionStats {
  const stats = emptyStats();
  for (const r of rows) {
    const dimension = r.dimension as string;
    const n = r.n as number;
    if (dimension === "users") stats.distinctUsers = n;
    else if (Object.hasOwn(STATS_MAPS, dimension)) countInto(stats[STATS_MAPS[dimension as keyof typeof STATS_MAPS]], r.key as string, n);
  }
  stats.activeSessions = Object.hasOwn(stats.byStatus, "active") ? stats.byStatus.active! : 0;
  return stats;
}

/** A list's total when only the tenant and the status narrow it: the (corrected) status counts. */
export function statusTotalStep(tenantId: string | undefined, status: string | undefined, nowMs: number): ReadStep {
  return {
    sql: `SELECT coalesce(sum(n), 0) AS n FROM (${statsSql(tenantId, "status")})${status === undefined ? "" : " WHERE key = @status"}`,
    params: { ...paramsOf(tenantId, nowMs), ...(status === undefined ? {} : { status }) },
  };
}

/**
 * Who is online, one page, in one statement: the maintained `online_users` rows, except
 * users with a lapsed session, whose rows are recomputed from their sessions instead.
 * Order: latest activity desc, user id asc (SQLite's byte order, as the cursor compares).
 */
export function usersStep(tenantId: string, nowMs: number, page: PageRequest): ReadStep {
  const after = page.afterKey === undefined ? null : parseUserKey(page.afterKey);
  const cursor = (prefix: string) =>
    after === null ? "" : ` AND ${prefix}last_active_at <= @afterAt AND (${prefix}last_active_at < @afterAt OR ${prefix}user_id > @afterUser)`;
  const sql = `WITH lapsed_users AS MATERIALIZED (SELECT DISTINCT user_id FROM (${lapsedSql(tenantId, "user_id, status")}) WHERE status = 'active'),
    fixed AS (
      SELECT s.user_id AS user_id, count(*) AS active_sessions, max(s.last_active_at) AS last_active_at,
        (SELECT t.username FROM sessions AS t INDEXED BY sessions_by_user WHERE t.tenant_id = @tenantId AND t.user_id = s.user_id
           AND t.is_deleted = 0 AND ${STILL("active", "t")}
           ORDER BY t.last_active_at DESC, t.id DESC LIMIT 1) AS username
      FROM lapsed_users AS l CROSS JOIN sessions AS s INDEXED BY sessions_by_user ON s.tenant_id = @tenantId AND s.user_id = l.user_id
      WHERE s.is_deleted = 0 AND ${STILL("active", "s")} GROUP BY s.user_id
    )
    SELECT user_id, username, active_sessions, last_active_at FROM online_users
      WHERE tenant_id = @tenantId AND user_id NOT IN lapsed_users${cursor("")}
    UNION ALL SELECT user_id, username, active_sessions, last_active_at FROM fixed WHERE 1${cursor("")}
    ORDER BY last_active_at DESC, user_id ASC LIMIT @limit OFFSET @offset`;
  return {
    sql,
    params: {
      tenantId,
      now: nowMs,
      limit: page.limit + 1,
      offset: page.offset ?? 0,
      ...(after === null ? {} : { afterAt: after.lastActiveAt, afterUser: after.userId }),
    },
  };
}

export function usersFrom(rows: Row[]): UserSessions[] {
  return rows.map((r) => ({
    userId: r.user_id as string,
    username: r.username as string | null,
    activeSessions: r.active_sessions as number,
    lastActiveAt: r.last_active_at as number,
  }));
}
