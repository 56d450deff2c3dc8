/**
 * Read-side queries of the SQLite store: lists, who is online and stats through the reader
 * (a worker thread for a file), activities on the store's own connection (a session's history
 * is short).
 */
import type { Database, Statement } from "better-sqlite3";
import type { ActivityRecord, SessionRecord } from "../../core/model.js";
import type { Page, PageRequest, SessionFilter, SessionStats, UserSessions } from "../../core/store.js";
import { userKey } from "../shared.js";
import { EFFECTIVE_STATUS, type Row, STILL, toRecord } from "../sql/rows.js";
import { type ReadStep, statsFrom, statsStep, statusTotalStep, usersFrom, usersStep } from "./counts.js";
import type { Reader } from "./reader.js";

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

/**
 * The two statements of a list page: the total, and one row more than the page (exported for
 * the query-plan test). A total narrowed by nothing but the tenant and the status comes from
 * the maintained counts; any other filter counts its rows.
 */
export function listSql(filter: SessionFilter, page: PageRequest): { count: ReadStep; rows: ReadStep } {
  const { where, params } = filterSql(filter);
  const after = page.afterKey === undefined ? "" : " AND id < @afterKey";
  const counted = filter.userId === undefined && filter.clientId === undefined && filter.workspaceId === undefined && filter.createdFrom === undefined && filter.createdTo === undefined;
  return {
    count: counted ? statusTotalStep(filter.tenantId, filter.status, filter.nowMs) : { sql: `SELECT COUNT(*) AS n FROM sessions WHERE ${where}`, params },
    rows: {
      sql: `SELECT * FROM sessions WHERE ${where}${after} ORDER BY id DESC LIMIT @limit OFFSET @offset`,
      params: { ...params, ...(page.afterKey === undefined ? {} : { afterKey: page.afterKey }), limit: page.limit + 1, offset: page.offset ?? 0 },
    },
  };
}

export async function listSessions(reader: Reader, filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }> {
  const sql = listSql(filter, page);
  const [count, rows] = await reader.read([sql.count, sql.rows]);
  const items = rows!.slice(0, page.limit).map((row) => toRecord(row));
  return { items, totalCount: count![0]!["n"] as number, nextKey: rows!.length > page.limit ? items[items.length - 1]!.id : null };
}

export async function listUsers(reader: Reader, tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>> {
  const [rows] = await reader.read([usersStep(tenantId, nowMs, page)]);
  const items = usersFrom(rows!.slice(0, page.limit));
  return { items, nextKey: rows!.length > page.limit ? userKey(items[items.length - 1]!) : null };
}

export async function sessionStats(reader: Reader, tenantId: string | undefined, nowMs: number): Promise<SessionStats> {
  const [rows] = await reader.read([statsStep(tenantId, nowMs)]);
  return statsFrom(rows!);
}

export function listActivities(statements: StatementCache, sessionId: string, page: PageRequest): Page<ActivityRecord> {
  const after = page.afterKey === undefined ? "" : " AND id < @afterKey";
  const rows = statements
    .get(`SELECT data FROM activities WHERE session_id = @sessionId${after} ORDER BY id DESC LIMIT @limit OFFSET @offset`)
    .all({ sessionId, limit: page.limit + 1, offset: page.offset ?? 0, ...(page.afterKey === undefined ? {} : { afterKey: page.afterKey }) }) as Row[];
  const items = rows.slice(0, page.limit).map((r) => JSON.parse(r["data"] as string) as ActivityRecord);
  return { items, nextKey: rows.length > page.limit ? items[items.length - 1]!.id : null };
}
