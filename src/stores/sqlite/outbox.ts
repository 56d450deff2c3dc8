/**
 * The SQLite store's outbox. Events are written by the session role inside its IMMEDIATE
 * transaction ({@link SqliteEventLog}), which holds the file's write lock from its start: `seq`
 * (the rowid) is therefore numbered in commit order across every process on the file, and a
 * read snapshot that holds seq n holds every event that will ever be numbered below n. Positions
 * are that seq in decimal; nothing needs relaying.
 */
import type { EventStamp, EventType, SessionEvent } from "../../core/events.js";
import { sessionEvents } from "../../core/events.js";
import type { SessionRecord } from "../../core/model.js";
import type { EventFilter, EventPage, OutboxStore } from "../../core/store/index.js";
import { parseSeq } from "../event-positions.js";
import type { Row } from "../sql/rows.js";
import type { SqliteConnection } from "./connection.js";
import type { ReadStep } from "./counts.js";

/** The stored columns of an event; `body` holds what no filter needs. */
function toEventRow(e: SessionEvent): Row {
  return {
    id: e.id,
    type: e.type,
    tenant_id: e.tenantId,
    user_id: e.userId,
    timestamp: e.timestamp,
    body: JSON.stringify({ initiatedBy: e.initiatedBy, signals: e.signals, record: e.record }),
  };
}

function fromEventRow(row: Row): SessionEvent {
  const body = JSON.parse(row.body as string) as Pick<SessionEvent, "initiatedBy" | "signals" | "record">;
  return {
    id: row.id as string,
    type: row.type as EventType,
    tenantId: row.tenant_id as string,
    userId: row.user_id as string,
    sessionId: body.record.id,
    timestamp: row.timestamp as number,
    initiatedBy: body.initiatedBy,
    signals: body.signals,
    record: body.record,
  };
}

/**
 * The two statements of a read, run in one snapshot (exported for the query-plan test): the
 * matching events after the position, and the newest seq, where a page that is not full moves
 * the position to (every event up to it was examined).
 */
export function readSql(filter: EventFilter, afterSeq: number, limit: number): { rows: ReadStep; newest: ReadStep } {
  const clauses = ["seq > @after"];
  const params: Row = { after: afterSeq, limit };
  if (filter.tenantId !== undefined) {
    clauses.push("tenant_id = @tenantId");
    params.tenantId = filter.tenantId;
  }
  if (filter.userId !== undefined) {
    clauses.push("user_id = @userId");
    params.userId = filter.userId;
  }
  if (filter.types !== undefined && filter.types.length > 0) {
    // One statement text whatever the number of types, so the reader's statement cache stays small.
    clauses.push("type IN (SELECT value FROM json_each(@types))");
    params.types = JSON.stringify(filter.types);
  }
  return {
    rows: { sql: `SELECT * FROM events WHERE ${clauses.join(" AND ")} ORDER BY seq LIMIT @limit`, params },
    newest: { sql: "SELECT coalesce(max(seq), 0) AS seq FROM events", params: {} },
  };
}

/**
 * Where a replay from `@time` starts: before the first event at or after it, else after the
 * newest; one statement, so one snapshot. INDEXED BY: the planner would otherwise walk the
 * table in seq order up to the first such event, nearly all of it for a recent time; the time
 * index reads only the events since then, which the replay then delivers anyway.
 */
export const POSITION_AT_SQL = `SELECT coalesce((SELECT min(seq) - 1 FROM events INDEXED BY events_by_time WHERE timestamp >= @time),
  (SELECT max(seq) FROM events), 0) AS seq`;

/**
 * Purges through the time index (INDEXED BY: with the bound on seq the planner would walk the
 * table in seq order, all of it when nothing is old enough). The newest event always stays: it
 * holds the largest seq, so the next event is numbered above every position handed out.
 */
export const PURGE_SQL = `DELETE FROM events WHERE seq IN (SELECT seq FROM events INDEXED BY events_by_time
  WHERE timestamp < @before AND seq < (SELECT max(seq) FROM events) LIMIT @limit)`;

/** Writes events inside the session role's transactions: one prepared statement, one row each. */
export class SqliteEventLog {
  private readonly insert;

  constructor(conn: SqliteConnection) {
    // DO NOTHING on the id: a retried activity batch brings events that are stored already.
    this.insert = conn.prepared((db) =>
      db.prepare(
        "INSERT INTO events (id, type, tenant_id, user_id, timestamp, body) VALUES (@id, @type, @tenant_id, @user_id, @timestamp, @body) ON CONFLICT (id) DO NOTHING",
      ),
    );
  }

  /** The events of one write, numbered from 0 as they are added; nothing without a stamp. */
  batch(stamp: EventStamp | undefined): EventBatch {
    return new EventBatch(stamp, (events) => {
      for (const e of events) this.insert().run(toEventRow(e));
    });
  }
}

export class EventBatch {
  private written = 0;

  constructor(
    private readonly stamp: EventStamp | undefined,
    private readonly store: (events: readonly SessionEvent[]) => void,
  ) {}

  /** Whether this write stores events: without a stamp the caller need not read its rows back. */
  get wanted(): boolean {
    return this.stamp !== undefined;
  }

  /** Stores the events of one changed session, `after` being the session as stored now. */
  add(after: SessionRecord, timestamp: number, types: readonly EventType[], withSignals = false): void {
    if (this.stamp === undefined) return;
    this.store(sessionEvents(this.stamp, this.written, types, after, timestamp, withSignals));
    this.written += types.length;
  }
}

export class SqliteOutbox implements OutboxStore {
  private readonly q;

  constructor(private readonly conn: SqliteConnection) {
    this.q = conn.prepared((db) => ({
      positionOf: db.prepare<[string], { seq: number }>("SELECT seq FROM events WHERE id = ?"),
      purge: db.prepare(PURGE_SQL),
    }));
  }

  /** Through the reader: a filter that matches little may walk many events, which must not hold the event loop. */
  read(filter: EventFilter, afterKey: string | null, limit: number): Promise<EventPage> {
    return this.conn.heavy(async (reader) => {
      const after = parseSeq(afterKey);
      if (limit < 1) return { items: [], nextKey: String(after) };
      const sql = readSql(filter, after, limit);
      const [rows, newest] = await reader.read([sql.rows, sql.newest]);
      const items = rows!.map(fromEventRow);
      // A full page may stop short of later matches; a short one examined everything up to the newest.
      const next = rows!.length === limit ? (rows![rows!.length - 1]!.seq as number) : Math.max(after, newest![0]!.seq as number);
      return { items, nextKey: String(next) };
    });
  }

  positionOf(eventId: string): Promise<string | null> {
    return this.conn.run(() => {
      const found = this.q().positionOf.get(eventId);
      return found === undefined ? null : String(found.seq);
    });
  }

  positionAt(timeMs: number | null): Promise<string> {
    return this.conn.heavy(async (reader) => {
      const [rows] = await reader.read([{ sql: POSITION_AT_SQL, params: { time: timeMs ?? Number.MAX_SAFE_INTEGER } }]);
      return String(rows![0]!.seq);
    });
  }

  async relay(): Promise<number> {
    return 0;
  }

  purge(beforeMs: number, limit: number): Promise<number> {
    return this.conn.immediate(() => this.q().purge.run({ before: beforeMs, limit }).changes);
  }
}
