/**
 * The SQLite store's sessions: writes in IMMEDIATE transactions (connection.ts), the hot
 * path's primary-key read on this thread, and lists, who is online and stats through the
 * reader (reader.ts: a worker thread for a file) from the maintained counts (counts.ts).
 * Activities are read on the store's own connection (a session's history is short). A write
 * given an event stamp stores its events in its own transaction (outbox.ts), each with the row
 * read back after the change, so the event holds exactly what a `get` would then have returned.
 */
import { SessiondError } from "../../core/errors.js";
import { type EventStamp, endEventType, insertEventType, updateEventTypes } from "../../core/events.js";
import type { ActivityChangeSet, ActivityRecord, SessionChange, SessionRecord } from "../../core/model.js";
import type {
  ActivationOptions,
  ActivityWrite,
  Ending,
  Page,
  PageRequest,
  Seen,
  SeenQuery,
  SessionFilter,
  SessionStats,
  SessionStore,
  SweepResult,
  UserSessions,
  UserSessionsFilter,
} from "../../core/store/index.js";
import { userKey } from "../paging.js";
import { EFFECTIVE_STATUS, type Row, STILL, activityColumns, rowReader, sqliteBoolean, toColumns, toRecord } from "../sql/rows.js";
import type { SqliteConnection } from "./connection.js";
import { type ReadStep, statsFrom, statsStep, statusTotalStep, usersFrom, usersStep } from "./counts.js";
import { type EventBatch, SqliteEventLog } from "./outbox.js";
import { SqliteSessionLimit } from "./session-limit.js";
import { SqliteSweeper } from "./sweeper.js";

/** The columns an activity write sets (what toColumns gives for an ActivityChangeSet). */
const ACTIVITY_COLUMNS = ["last_active_at", "expire_at", "abandon_at", "location", "latest_activity", "country", "browser_name", "device_type", "os_name"];

/** The user's other non-deleted sessions (the signals of SPEC §9 compare with them). */
const OTHERS_OF_USER = "tenant_id = @tenantId AND user_id = @userId AND id <> @exceptId AND is_deleted = 0";

/** How long the change log keeps an entry; a cache that falls further behind forgets everything. */
const CHANGE_LOG_MS = 3_600_000;

function filterSql(filter: SessionFilter): { where: string; params: Row } {
  const clauses = ["is_deleted = 0"];
  const params: Row = { now: filter.nowMs };
  const compare = (field: string, column: string, operator: "=" | ">=" | "<=", value: unknown) => {
    if (value === undefined) return;
    clauses.push(`${column} ${operator} @${field}`);
    params[field] = value;
  };
  compare("tenantId", "tenant_id", "=", filter.tenantId);
  compare("userId", "user_id", "=", filter.userId);
  compare("clientId", "client_id", "=", filter.clientId);
  compare("workspaceId", "workspace_id", "=", filter.workspaceId);
  compare("createdFrom", "created_at", ">=", filter.createdFrom);
  compare("createdTo", "created_at", "<=", filter.createdTo);
  if (filter.status === "active" || filter.status === "pending") clauses.push(STILL(filter.status));
  else compare("status", `(${EFFECTIVE_STATUS})`, "=", filter.status);
  return { where: clauses.join(" AND "), params };
}

/**
 * The two statements of a list page: the total, and one row more than the page (exported for
 * the query-plan test). A total narrowed by nothing but the tenant and the status comes from
 * the maintained counts; any other filter counts its rows.
 */
export function listSql(filter: SessionFilter, page: PageRequest): { count: ReadStep; rows: ReadStep } {
  const { where, params } = filterSql(filter);
  const after = page.afterKey === undefined ? "" : " AND id < @afterKey";
  const counted =
    filter.userId === undefined &&
    filter.clientId === undefined &&
    filter.workspaceId === undefined &&
    filter.createdFrom === undefined &&
    filter.createdTo === undefined;
  return {
    count: counted ? statusTotalStep(filter.tenantId, filter.status, filter.nowMs) : { sql: `SELECT COUNT(*) AS n FROM sessions WHERE ${where}`, params },
    rows: {
      sql: `SELECT * FROM sessions WHERE ${where}${after} ORDER BY id DESC LIMIT @limit OFFSET @offset`,
      params: { ...params, ...(page.afterKey === undefined ? {} : { afterKey: page.afterKey }), limit: page.limit + 1, offset: page.offset ?? 0 },
    },
  };
}

export class SqliteSessions implements SessionStore {
  private readonly q;
  private readonly limit: SqliteSessionLimit;
  private readonly sweeper: SqliteSweeper;
  private readonly events: SqliteEventLog;

  constructor(private readonly conn: SqliteConnection) {
    this.limit = new SqliteSessionLimit(conn);
    this.events = new SqliteEventLog(conn);
    this.sweeper = new SqliteSweeper(conn, CHANGE_LOG_MS);
    this.q = conn.prepared((db) => {
      const getRaw = db.prepare<[string], unknown[]>("SELECT * FROM sessions WHERE id = ?").raw(true);
      const toRow = rowReader(getRaw.columns().map((c) => c.name));
      return {
        /** The hot path's one read: raw values, turned into a row by a compiled builder (see rowReader). */
        get: (id: string): Row | undefined => {
          const values = getRaw.get(id);
          return values === undefined ? undefined : toRow(values);
        },
        version: db.prepare<[string], Row>("SELECT version, status, tenant_id, user_id FROM sessions WHERE id = ?"),
        end: db.prepare(
          `UPDATE sessions SET status = @status, end_reason = @endReason, ended_at = @atMs, updated_at = @updatedAt,
           revoked_at = CASE WHEN @status = 'revoked' THEN @atMs ELSE revoked_at END, version = version + 1
           WHERE id = @id AND is_deleted = 0 AND ${STILL("live")}`,
        ),
        insertActivity: db.prepare("INSERT OR IGNORE INTO activities (id, session_id, data) VALUES (?, ?, ?)"),
        // Everything older than the limit-th newest, found by one index seek; nothing while the history is shorter.
        trimActivities: db.prepare(
          "DELETE FROM activities WHERE session_id = @id AND id < (SELECT id FROM activities WHERE session_id = @id ORDER BY id DESC LIMIT 1 OFFSET @last)",
        ),
        recordActivity: db.prepare(
          `UPDATE sessions SET ${ACTIVITY_COLUMNS.map((c) => `${c} = @${c}`).join(", ")}
           WHERE id = @id AND status IN ('pending', 'active') AND is_deleted = 0 AND last_active_at <= @last_active_at`,
        ),
        userLive: db.prepare<Row, { id: string }>(
          `SELECT id FROM sessions WHERE tenant_id = @tenantId AND user_id = @userId AND id <> @exceptId AND is_deleted = 0 AND ${STILL("live")}`,
        ),
        // Three seeks of the user index, on this thread: a create pays it when events are on.
        seen: db.prepare<SeenQuery, { device: number; country: number; browser: number }>(
          `SELECT ${["device_type IS @deviceType AND os_name IS @osName AND browser_name IS @browserName", "country = @country", "browser_name = @browserName"]
            .map((match, i) => `EXISTS (SELECT 1 FROM sessions WHERE ${OTHERS_OF_USER} AND ${match}) AS ${["device", "country", "browser"][i]}`)
            .join(", ")}`,
        ),
      };
    });
  }

  private insertRow(record: SessionRecord): void {
    const row = { ...toColumns(record, sqliteBoolean), ...activityColumns(record.latestActivity) };
    const names = Object.keys(row);
    this.conn.statements.get(`INSERT INTO sessions (${names.join(", ")}) VALUES (${names.map((n) => `@${n}`).join(", ")})`).run(row);
  }

  /** Inside a transaction: the session as stored now. */
  private stored(id: string): SessionRecord {
    return toRecord(this.q().get(id)!);
  }

  /** Ends the sessions that make way for one more of the user's (session-limit.ts). */
  private evict(tenantId: string, userId: string, exceptId: string, activation: ActivationOptions, events: EventBatch): string[] {
    const victims = this.limit.victims(tenantId, userId, exceptId, activation);
    for (const id of victims) this.endOne(id, { status: "removed", endReason: "session_limit", atMs: activation.nowMs }, activation.nowMs, events);
    return victims;
  }

  private endOne(id: string, ending: Ending, nowMs: number, events: EventBatch): boolean {
    const ended =
      this.q().end.run({ id, status: ending.status, endReason: ending.endReason, atMs: ending.atMs, updatedAt: ending.atMs, now: nowMs }).changes > 0;
    if (!ended) return false;
    this.conn.changed(id, nowMs);
    if (events.wanted) events.add(this.stored(id), ending.atMs, [endEventType(ending.status)]);
    return true;
  }

  insert(record: SessionRecord, activation: ActivationOptions, replaceId?: string, event?: EventStamp): Promise<{ evicted: string[] }> {
    return this.conn.immediate(() => {
      const events = this.events.batch(event);
      const { nowMs } = activation;
      if (replaceId !== undefined) this.endOne(replaceId, { status: "replaced", endReason: "replaced", atMs: nowMs }, nowMs, events);
      const evicted = record.status === "active" ? this.evict(record.tenantId, record.userId, record.id, activation, events) : [];
      this.insertRow(record);
      if (record.latestActivity !== null) this.q().insertActivity.run(record.latestActivity.id, record.id, JSON.stringify(record.latestActivity));
      // The record itself, not a read-back: the conformance suite's round trip proves the row reads back as exactly this.
      events.add(record, nowMs, [insertEventType(record)], true);
      return { evicted };
    });
  }

  seenBefore(query: SeenQuery): Promise<Seen> {
    return this.conn.run(() => {
      const found = this.q().seen.get(query)!;
      return { device: found.device === 1, country: found.country === 1, browser: found.browser === 1 };
    });
  }

  get(id: string): Promise<SessionRecord | null> {
    return this.conn.run(() => {
      const row = this.q().get(id);
      return row === undefined ? null : toRecord(row);
    });
  }

  update(id: string, change: SessionChange, expectVersion: number, activation?: ActivationOptions, event?: EventStamp): Promise<SessionRecord> {
    return this.conn.immediate(() => {
      const current = this.q().version.get(id);
      if (current === undefined) throw new SessiondError("resource_not_found", "no such session");
      if (current.version !== expectVersion) throw new SessiondError("conflict", "the session changed meanwhile");
      const events = this.events.batch(event);
      if (change.status === "active" && current.status !== "active" && activation !== undefined)
        this.evict(current.tenant_id as string, current.user_id as string, id, activation, events);
      const row = toColumns(change, sqliteBoolean);
      const sets = Object.keys(row).map((c) => `${c} = @${c}`);
      this.conn.statements.get(`UPDATE sessions SET ${[...sets, "version = version + 1"].join(", ")} WHERE id = @id`).run({ ...row, id });
      this.conn.changed(id, Date.now());
      const after = this.stored(id);
      events.add(after, change.updatedAt ?? change.endedAt ?? Date.now(), updateEventTypes(change));
      return after;
    });
  }

  recordActivity(id: string, change: ActivityChangeSet, historyLimit: number, event?: EventStamp): Promise<boolean> {
    return this.conn.immediate(() => this.writeActivity(id, change, historyLimit, event));
  }

  /** The whole batch in one transaction: one commit, so one fsync, however many writes. */
  recordActivities(writes: readonly ActivityWrite[], historyLimit: number): Promise<boolean[]> {
    return this.conn.immediate(() => writes.map((w) => this.writeActivity(w.id, w.change, historyLimit, w.event)));
  }

  /** Inside a transaction: one conditional activity write, its history append and trim, and its event. */
  private writeActivity(id: string, change: ActivityChangeSet, historyLimit: number, event: EventStamp | undefined): boolean {
    const row: Row = { ...toColumns(change, sqliteBoolean), id };
    if (this.q().recordActivity.run(row).changes === 0) return false;
    // OR IGNORE: a retried batch brings activities that are stored already (and its events, see outbox.ts).
    this.q().insertActivity.run(change.latestActivity.id, id, row.latest_activity);
    this.q().trimActivities.run({ id, last: historyLimit - 1 });
    if (event !== undefined) this.events.batch(event).add(this.stored(id), change.lastActiveAt, ["session.activity_changed"], true);
    return true;
  }

  list(filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }> {
    return this.conn.heavy(async (reader) => {
      const sql = listSql(filter, page);
      const [count, rows] = await reader.read([sql.count, sql.rows]);
      const items = rows!.slice(0, page.limit).map((row) => toRecord(row));
      return { items, totalCount: count![0]!.n as number, nextKey: rows!.length > page.limit ? items[items.length - 1]!.id : null };
    });
  }

  endMany(filter: UserSessionsFilter, ending: Ending, event?: EventStamp): Promise<string[]> {
    return this.conn.immediate(() => {
      const events = this.events.batch(event);
      const ids = this.q()
        .userLive.all({ tenantId: filter.tenantId, userId: filter.userId, exceptId: filter.exceptId ?? "", now: filter.nowMs })
        .map((r) => r.id);
      return ids.filter((id) => this.endOne(id, ending, filter.nowMs, events));
    });
  }

  activities(sessionId: string, page: PageRequest): Promise<Page<ActivityRecord>> {
    return this.conn.run(() => {
      const after = page.afterKey === undefined ? "" : " AND id < @afterKey";
      const rows = this.conn.statements
        .get(`SELECT data FROM activities WHERE session_id = @sessionId${after} ORDER BY id DESC LIMIT @limit OFFSET @offset`)
        .all({ sessionId, limit: page.limit + 1, offset: page.offset ?? 0, ...(page.afterKey === undefined ? {} : { afterKey: page.afterKey }) }) as Row[];
      const items = rows.slice(0, page.limit).map((r) => JSON.parse(r.data as string) as ActivityRecord);
      return { items, nextKey: rows.length > page.limit ? items[items.length - 1]!.id : null };
    });
  }

  users(tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>> {
    return this.conn.heavy(async (reader) => {
      const [rows] = await reader.read([usersStep(tenantId, nowMs, page)]);
      const items = usersFrom(rows!.slice(0, page.limit));
      return { items, nextKey: rows!.length > page.limit ? userKey(items[items.length - 1]!) : null };
    });
  }

  stats(tenantId: string | undefined, nowMs: number): Promise<SessionStats> {
    return this.conn.heavy(async (reader) => statsFrom((await reader.read([statsStep(tenantId, nowMs)]))[0]!));
  }

  sweep(nowMs: number, purgeEndedBefore: number, limit: number, event?: EventStamp): Promise<SweepResult> {
    // A batch lost to a power cut is redone by the next sweep, so its commit need not wait for
    // an fsync, which would hold the event loop; every other write keeps synchronous=FULL (and
    // the next such commit makes this one durable too). Not a batch that writes events, though:
    // a feed reader may see them before that next commit, and after a power cut their seqs
    // would go to other events, which the reader's position then skips. (Checked before the
    // transaction, since SQLite cannot change the level inside one; a check that fails keeps
    // FULL, and the batch then reports what failed.)
    let relax = false;
    try {
      relax = this.conn.usable && (event === undefined || !this.sweeper.deadlinesPassed(nowMs));
    } catch {}
    if (relax) this.conn.db.pragma("synchronous = NORMAL");
    try {
      return this.conn.immediate(() => {
        const events = this.events.batch(event);
        const written = (id: string, endedAt: number) => {
          if (events.wanted) {
            const after = this.stored(id);
            events.add(after, endedAt, [endEventType(after.status)]);
          }
        };
        return this.sweeper.batch(nowMs, purgeEndedBefore, limit, written);
      });
    } finally {
      if (relax) this.conn.db.pragma("synchronous = FULL");
    }
  }
}
