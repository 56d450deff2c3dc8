/**
 * Migration 5: counts kept by triggers, so that stats, list totals and who-is-online read a
 * few rows instead of every session of a tenant (at 300 k sessions, stats took 1.1 s on the
 * event loop). The counts follow the *stored* status; readers correct them with the few live
 * sessions whose deadline has passed but which the sweeper has not written yet (counts.ts).
 *
 * - `session_counts`: per tenant, non-deleted sessions by stored status (`status`), active
 *   ones by country, browser, device type and OS (a null value under `unknown`, as stats
 *   reports it), and users with an active session (`users`, key '').
 * - `online_users`: per tenant and user with an active non-deleted session: how many, the
 *   latest activity, and the session (and its username) with the newest (last_active_at, id).
 */

/** A row's contribution to session_counts, added with `sign` (+1 or -1). (A VALUES list cannot name its columns inside a trigger.) */
function countRow(row: "new" | "old", sign: 1 | -1): string {
  return `INSERT INTO session_counts (tenant_id, dimension, key, n)
    SELECT ${row}.tenant_id, dimension, key, ${sign} FROM (SELECT 'status' AS dimension, ${row}.status AS key
      UNION ALL SELECT 'country', coalesce(${row}.country, 'unknown') UNION ALL SELECT 'browser', coalesce(${row}.browser_name, 'unknown')
      UNION ALL SELECT 'device', coalesce(${row}.device_type, 'unknown') UNION ALL SELECT 'os', coalesce(${row}.os_name, 'unknown'))
    WHERE ${row}.is_deleted = 0 AND (dimension = 'status' OR ${row}.status = 'active')
    ON CONFLICT (tenant_id, dimension, key) DO UPDATE SET n = n + excluded.n;`;
}

/** Drops the counts `old` left at zero, so keys no session has any more (a client's made-up OS) do not pile up. */
const DROP_ZEROS = [
  ["status", "old.status"],
  ["country", "old.country"],
  ["browser", "old.browser_name"],
  ["device", "old.device_type"],
  ["os", "old.os_name"],
]
  .map(
    ([dimension, value]) => `DELETE FROM session_counts WHERE tenant_id = old.tenant_id AND dimension = '${dimension}'
      AND key = ${dimension === "status" ? value : `coalesce(${value}, 'unknown')`} AND n = 0;`,
  )
  .join("\n    ");

const ONLINE = (row: "new" | "old") => `(${row}.status = 'active' AND ${row}.is_deleted = 0)`;

/** The user's newest active session again (when the one shown left, or its activity moved back). */
const FIND_LATEST = `(SELECT s.last_active_at, s.id, s.username FROM sessions AS s INDEXED BY sessions_by_user
    WHERE s.tenant_id = online_users.tenant_id AND s.user_id = online_users.user_id AND s.status = 'active' AND s.is_deleted = 0
    ORDER BY s.last_active_at DESC, s.id DESC LIMIT 1)`;

/** A session became active (or was inserted active): one more for its user, shown if it is now the newest. */
const JOIN = `INSERT INTO online_users (tenant_id, user_id, active_sessions, last_active_at, latest_id, username)
    SELECT new.tenant_id, new.user_id, 1, new.last_active_at, new.id, new.username WHERE ${ONLINE("new")}
    ON CONFLICT (tenant_id, user_id) DO UPDATE SET active_sessions = active_sessions + 1,
      username = CASE WHEN (excluded.last_active_at, excluded.latest_id) > (last_active_at, latest_id) THEN excluded.username ELSE username END,
      latest_id = CASE WHEN (excluded.last_active_at, excluded.latest_id) > (last_active_at, latest_id) THEN excluded.latest_id ELSE latest_id END,
      last_active_at = max(last_active_at, excluded.last_active_at);`;

/** A session stopped being active (ended, deleted, purged): one fewer; gone at zero; another shown if it was the newest. */
const LEAVE = `UPDATE online_users SET active_sessions = active_sessions - 1 WHERE tenant_id = old.tenant_id AND user_id = old.user_id;
    DELETE FROM online_users WHERE tenant_id = old.tenant_id AND user_id = old.user_id AND active_sessions <= 0;
    UPDATE online_users SET (last_active_at, latest_id, username) = ${FIND_LATEST}
      WHERE tenant_id = old.tenant_id AND user_id = old.user_id AND latest_id = old.id;`;

/** An active session's activity or username changed: it is shown if it is (still) the newest. */
const TOUCH = `UPDATE online_users SET last_active_at = new.last_active_at, latest_id = new.id, username = new.username
      WHERE tenant_id = new.tenant_id AND user_id = new.user_id AND (new.last_active_at, new.id) >= (last_active_at, latest_id);
    UPDATE online_users SET (last_active_at, latest_id, username) = ${FIND_LATEST}
      WHERE tenant_id = new.tenant_id AND user_id = new.user_id AND latest_id = new.id AND new.last_active_at < old.last_active_at;`;

const COUNTED_COLUMNS = ["country", "browser_name", "device_type", "os_name"].map((c) => `old.${c} IS NOT new.${c}`).join(" OR ");

export const COUNTS_MIGRATION_SQL = `
  CREATE TABLE session_counts (
    tenant_id TEXT NOT NULL,
    dimension TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, dimension, key)
  ) WITHOUT ROWID;
  CREATE TABLE online_users (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    active_sessions INTEGER NOT NULL,
    last_active_at INTEGER NOT NULL,
    latest_id TEXT NOT NULL,
    username TEXT,
    PRIMARY KEY (tenant_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX online_users_by_activity ON online_users (tenant_id, last_active_at DESC, user_id);

  INSERT INTO session_counts (tenant_id, dimension, key, n)
    SELECT tenant_id, 'status', status, count(*) FROM sessions WHERE is_deleted = 0 GROUP BY tenant_id, status;
  ${[
    ["country", "country"],
    ["browser", "browser_name"],
    ["device", "device_type"],
    ["os", "os_name"],
  ]
    .map(
      ([dimension, column]) => `INSERT INTO session_counts (tenant_id, dimension, key, n)
    SELECT tenant_id, '${dimension}', coalesce(${column}, 'unknown') AS k, count(*) FROM sessions
    WHERE is_deleted = 0 AND status = 'active' GROUP BY tenant_id, k;`,
    )
    .join("\n  ")}
  INSERT INTO online_users (tenant_id, user_id, active_sessions, last_active_at, latest_id, username)
    SELECT tenant_id, user_id, n, last_active_at, id, username FROM (
      SELECT tenant_id, user_id, last_active_at, id, username,
        row_number() OVER (PARTITION BY tenant_id, user_id ORDER BY last_active_at DESC, id DESC) AS position,
        count(*) OVER (PARTITION BY tenant_id, user_id) AS n
      FROM sessions WHERE is_deleted = 0 AND status = 'active'
    ) WHERE position = 1;
  INSERT INTO session_counts (tenant_id, dimension, key, n) SELECT tenant_id, 'users', '', count(*) FROM online_users GROUP BY tenant_id;

  CREATE TRIGGER online_users_added AFTER INSERT ON online_users BEGIN
    INSERT INTO session_counts (tenant_id, dimension, key, n) VALUES (new.tenant_id, 'users', '', 1)
      ON CONFLICT (tenant_id, dimension, key) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER online_users_removed AFTER DELETE ON online_users BEGIN
    UPDATE session_counts SET n = n - 1 WHERE tenant_id = old.tenant_id AND dimension = 'users' AND key = '';
  END;

  CREATE TRIGGER sessions_counted_insert AFTER INSERT ON sessions WHEN new.is_deleted = 0 BEGIN
    ${countRow("new", 1)}
    ${JOIN}
  END;
  CREATE TRIGGER sessions_counted_delete AFTER DELETE ON sessions WHEN old.is_deleted = 0 BEGIN
    ${countRow("old", -1)}
    ${DROP_ZEROS}
  END;
  CREATE TRIGGER sessions_online_delete AFTER DELETE ON sessions WHEN ${ONLINE("old")} BEGIN
    ${LEAVE}
  END;
  CREATE TRIGGER sessions_counted_update AFTER UPDATE OF status, is_deleted, country, browser_name, device_type, os_name ON sessions
    WHEN old.status IS NOT new.status OR old.is_deleted IS NOT new.is_deleted OR (${ONLINE("new")} AND (${COUNTED_COLUMNS})) BEGIN
    ${countRow("old", -1)}
    ${countRow("new", 1)}
    ${DROP_ZEROS}
  END;
  CREATE TRIGGER sessions_online_join AFTER UPDATE OF status, is_deleted ON sessions WHEN ${ONLINE("new")} AND NOT ${ONLINE("old")} BEGIN
    ${JOIN}
  END;
  CREATE TRIGGER sessions_online_leave AFTER UPDATE OF status, is_deleted ON sessions WHEN ${ONLINE("old")} AND NOT ${ONLINE("new")} BEGIN
    ${LEAVE}
  END;
  CREATE TRIGGER sessions_online_touch AFTER UPDATE OF last_active_at, username ON sessions
    WHEN ${ONLINE("old")} AND ${ONLINE("new")} AND (old.last_active_at IS NOT new.last_active_at OR old.username IS NOT new.username) BEGIN
    ${TOUCH}
  END;

  -- Lists read a tenant's non-deleted sessions newest first from here, and skip an offset without reading the rows.
  DROP INDEX sessions_by_tenant;
  CREATE INDEX sessions_listed ON sessions (tenant_id, id) WHERE is_deleted = 0;
`;
