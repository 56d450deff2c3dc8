/**
 * The PostgreSQL store's sessions. A verify is one primary-key read; single-row changes are
 * conditional UPDATEs; every multi-row change of one user runs under that user's lock
 * (session-limit.ts). Lists, who is online and stats are computed by the database. A write
 * given an event stamp stores its events in the statement of each change (event-writes.ts):
 * no extra round trip, and they commit or roll back with it.
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
import { countInto, emptyStats } from "../counting.js";
import { parseUserKey, userKey } from "../paging.js";
import { EFFECTIVE_STATUS, type Row, STILL, activityColumns, nativeBoolean, toColumns, toRecord } from "../sql/rows.js";
import { writeActivities } from "./activity-writes.js";
import type { PostgresConnection, Query } from "./connection.js";
import { type EventSource, stampParams, withEvents } from "./event-writes.js";
import { limitVictims, lockUser } from "./session-limit.js";
import { sweepBatch } from "./sweeper.js";

const END = `UPDATE sessions SET status = @status, end_reason = @endReason, ended_at = @atMs, updated_at = @atMs,
  revoked_at = CASE WHEN @status = 'revoked' THEN @atMs ELSE revoked_at END, version = version + 1`;
const LIVE = `is_deleted = false AND ${STILL("live")}`;

/** The events of one END over several sessions (revoke-all), numbered in id order. */
const ENDED_EVENTS: EventSource = { index: "row_number() OVER (ORDER BY c.id) - 1", type: "@eventType::text", at: "@atMs::bigint" };

/** The event of one session's change, the write's `@first`-th (for the rest of a write's events, see `evict` and `update`). */
const ONE_EVENT: EventSource = { index: "@first::bigint", type: "@eventType::text", at: "@atMs::bigint" };

/** The events one write stores so far: the next one's index, and the stamp's parameters (none without a stamp). */
class WriteEvents {
  count = 0;

  constructor(readonly stamp: EventStamp | undefined) {}

  /** `source` when the write stores events, else null (no events, the statement as it was without). */
  source(source: EventSource): EventSource | null {
    return this.stamp === undefined ? null : source;
  }

  /** The stamp's parameters with the index of the next event (and the signals, on the new session's event). */
  params(withSignals = false): Row {
    return this.stamp === undefined ? {} : { ...stampParams(this.stamp, withSignals), first: this.count };
  }
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

  /** Under the user's lock: ends the sessions that make way for one more of the user's (their events in victim order). */
  private async evict(
    query: Query,
    owner: { tenantId: string; userId: string; exceptId: string },
    activation: ActivationOptions,
    changed: (ids: string[]) => void,
    events: WriteEvents,
  ): Promise<string[]> {
    const victims = await limitVictims(query, owner.tenantId, owner.userId, owner.exceptId, activation);
    if (victims.length === 0) return victims;
    const removed = events.source({
      from: "c JOIN unnest(@ids::text[]) WITH ORDINALITY AS v(id, ord) USING (id)",
      index: "@first::bigint + v.ord - 1",
      type: "'session.removed'",
      at: "@atMs::bigint",
    });
    const ending = { ids: victims, status: "removed", endReason: "session_limit", atMs: activation.nowMs };
    await query(withEvents(`${END} WHERE id = ANY(@ids)`, "id", removed), { ...ending, ...events.params() });
    events.count += victims.length;
    changed(victims);
    return victims;
  }

  insert(record: SessionRecord, activation: ActivationOptions, replaceId?: string, event?: EventStamp): Promise<{ evicted: string[] }> {
    return this.conn.transaction(async (query, changed) => {
      const events = new WriteEvents(event);
      const atMs = activation.nowMs;
      await lockUser(query, record.tenantId, record.userId);
      if (replaceId !== undefined) {
        const replacing = { id: replaceId, status: "replaced", endReason: "replaced", atMs, now: atMs, eventType: "session.replaced" };
        const replaced = await query(withEvents(`${END} WHERE id = @id AND ${LIVE}`, "id", events.source(ONE_EVENT)), { ...replacing, ...events.params() });
        events.count += replaced.length;
        changed(replaced.map((r) => r.id as string));
      }
      const owner = { tenantId: record.tenantId, userId: record.userId, exceptId: record.id };
      const evicted = record.status === "active" ? await this.evict(query, owner, activation, changed, events) : [];
      const row = { ...toColumns(record, nativeBoolean), ...activityColumns(record.latestActivity) };
      const names = Object.keys(row);
      const insert = `INSERT INTO sessions (${names.join(", ")}) VALUES (${names.map((n) => `@${n}`).join(", ")})`;
      if (event === undefined) await query(insert, row);
      else await query(withEvents(insert, "id", ONE_EVENT), { ...row, ...events.params(true), eventType: insertEventType(record), atMs });
      if (record.latestActivity !== null)
        await query("INSERT INTO activities (id, session_id, data) VALUES (@id, @sessionId, @data)", {
          id: record.latestActivity.id,
          sessionId: record.id,
          data: JSON.stringify(record.latestActivity),
        });
      return { evicted };
    });
  }

  /** One statement of three seeks of the user index (signals of a sign-in, SPEC §9). */
  async seenBefore(q: SeenQuery): Promise<Seen> {
    const others = "tenant_id = @tenantId AND user_id = @userId AND id <> @exceptId AND NOT is_deleted";
    const [row] = await this.query(
      `SELECT EXISTS (SELECT 1 FROM sessions WHERE ${others} AND device_type IS NOT DISTINCT FROM @deviceType
          AND os_name IS NOT DISTINCT FROM @osName AND browser_name IS NOT DISTINCT FROM @browserName) AS device,
        EXISTS (SELECT 1 FROM sessions WHERE ${others} AND country = @country) AS country,
        EXISTS (SELECT 1 FROM sessions WHERE ${others} AND browser_name = @browserName) AS browser`,
      { ...q },
    );
    return { device: row!.device === true, country: row!.country === true, browser: row!.browser === true };
  }

  async get(id: string): Promise<SessionRecord | null> {
    const rows = await this.query("SELECT * FROM sessions WHERE id = @id", { id });
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  update(id: string, change: SessionChange, expectVersion: number, activation?: ActivationOptions, event?: EventStamp): Promise<SessionRecord> {
    return this.conn.transaction(async (query, changed) => {
      const events = new WriteEvents(event);
      const owner = (await query("SELECT tenant_id, user_id FROM sessions WHERE id = @id", { id }))[0];
      if (owner === undefined) throw new SessiondError("resource_not_found", "no such session");
      const ids = { tenantId: owner.tenant_id as string, userId: owner.user_id as string, exceptId: id };
      const activating = change.status === "active" && activation !== undefined;
      // The user lock comes before any row lock, in the same order as inserts take them.
      if (activating) await lockUser(query, ids.tenantId, ids.userId);
      const current = (await query("SELECT version, status FROM sessions WHERE id = @id FOR UPDATE", { id }))[0]!;
      if (current.version !== expectVersion) throw new SessiondError("conflict", "the session changed meanwhile");
      if (activating && current.status !== "active") await this.evict(query, ids, activation, changed, events);
      const row = toColumns(change, nativeBoolean);
      const sets = [...Object.keys(row).map((c) => `${c} = @${c}`), "version = version + 1"];
      // A revocation for token reuse is two events of one change: token_reused, then revoked.
      const typed = events.source({
        from: "c CROSS JOIN unnest(@eventTypes::text[]) WITH ORDINALITY AS t(type, ord)",
        index: "@first::bigint + t.ord - 1",
        type: "t.type",
        at: "@atMs::bigint",
      });
      const eventParams =
        event === undefined ? {} : { ...events.params(), eventTypes: updateEventTypes(change), atMs: change.updatedAt ?? change.endedAt ?? Date.now() };
      changed([id]);
      return toRecord((await query(withEvents(`UPDATE sessions SET ${sets.join(", ")} WHERE id = @id`, "*", typed), { ...row, id, ...eventParams }))[0]!);
    });
  }

  async recordActivity(id: string, change: ActivityChangeSet, historyLimit: number, event?: EventStamp): Promise<boolean> {
    return (await this.recordActivities([event === undefined ? { id, change } : { id, change, event }], historyLimit))[0]!;
  }

  recordActivities(writes: readonly ActivityWrite[], historyLimit: number): Promise<boolean[]> {
    return writeActivities(this.query, writes, historyLimit);
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

  endMany(filter: UserSessionsFilter, ending: Ending, event?: EventStamp): Promise<string[]> {
    return this.conn.transaction(async (query, changed) => {
      const events = new WriteEvents(event);
      await lockUser(query, filter.tenantId, filter.userId);
      const end = `${END} WHERE tenant_id = @tenantId AND user_id = @userId AND id <> @exceptId AND ${LIVE}`;
      const rows = await query(withEvents(end, "id", events.source(ENDED_EVENTS)), {
        ...ending,
        tenantId: filter.tenantId,
        userId: filter.userId,
        exceptId: filter.exceptId ?? "",
        now: filter.nowMs,
        ...(event === undefined ? {} : { ...events.params(), eventType: endEventType(ending.status) }),
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

  sweep(nowMs: number, purgeEndedBefore: number, limit: number, event?: EventStamp): Promise<SweepResult> {
    return sweepBatch(this.query, nowMs, purgeEndedBefore, limit, event);
  }
}
