/** The SQLite sweeper's batch: passed deadlines written, old terminal sessions purged, expired log entries trimmed. */
import { deadlinePassedAt, effectiveStatus } from "../../core/deadlines.js";
import type { SweepResult } from "../../core/store/index.js";
import type { Row } from "../sql/rows.js";
import type { SqliteConnection } from "./connection.js";

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

export class SqliteSweeper {
  private readonly q;

  /** @param changeLogMs how long the change log keeps an entry (the store's verify-cache feed) */
  constructor(
    conn: SqliteConnection,
    private readonly changeLogMs: number,
  ) {
    this.q = conn.prepared((db) => ({
      passedExpiry: db.prepare<Row, Row>(SWEEP_SQL.passedExpiry),
      passedInactivity: db.prepare<Row, Row>(SWEEP_SQL.passedInactivity),
      writeDeadline: db.prepare(
        "UPDATE sessions SET status = @status, end_reason = @status, ended_at = @endedAt, updated_at = @now, version = version + 1 WHERE id = @id",
      ),
      purgeable: db.prepare<Row, { id: string }>(SWEEP_SQL.purgeable),
      purgeActivities: db.prepare("DELETE FROM activities WHERE session_id = ?"),
      purgeSession: db.prepare("DELETE FROM sessions WHERE id = ?"),
      trimChanges: db.prepare("DELETE FROM session_changes WHERE changed_at < ?"),
      trimHits: db.prepare("DELETE FROM rate_counters WHERE expires_at < ?"),
    }));
  }

  /**
   * One bounded batch; the caller runs it inside its write transaction and hears of each
   * deadline written (`written`, after the row changed: its events go in the same transaction).
   */
  batch(nowMs: number, purgeEndedBefore: number, limit: number, written: (id: string, endedAt: number) => void): SweepResult {
    const q = this.q();
    const result: SweepResult = { expired: 0, abandoned: 0, purged: 0 };
    for (const row of this.passed(nowMs, limit)) {
      const deadlines = { expireAt: row.expire_at as number, abandonAt: row.abandon_at as number | null };
      const status = effectiveStatus({ status: row.status as "active", ...deadlines }, nowMs) as "expired" | "abandoned";
      const endedAt = deadlinePassedAt(deadlines, status);
      q.writeDeadline.run({ id: row.id, status, endedAt, now: nowMs });
      written(row.id as string, endedAt);
      result[status] += 1;
    }
    q.trimChanges.run(nowMs - this.changeLogMs);
    q.trimHits.run(nowMs);
    for (const { id } of q.purgeable.all({ before: purgeEndedBefore, limit })) {
      q.purgeActivities.run(id);
      q.purgeSession.run(id);
      result.purged += 1;
    }
    return result;
  }

  /** Whether a live session's deadline has passed at `nowMs`: two index seeks. */
  deadlinesPassed(nowMs: number): boolean {
    return this.q().passedExpiry.get({ now: nowMs, limit: 1 }) !== undefined || this.q().passedInactivity.get({ now: nowMs, limit: 1 }) !== undefined;
  }

  /** Up to `limit` live sessions past their expiry or inactivity deadline (a session past both counts once). */
  private passed(nowMs: number, limit: number): Row[] {
    const q = this.q();
    const byId = new Map<string, Row>();
    for (const row of q.passedExpiry.all({ now: nowMs, limit })) byId.set(row.id as string, row);
    if (byId.size < limit) {
      for (const row of q.passedInactivity.all({ now: nowMs, limit })) {
        if (byId.size >= limit) break;
        byId.set(row.id as string, row);
      }
    }
    return [...byId.values()];
  }
}
