/** The SQLite sweeper's batch: passed deadlines written, old terminal sessions purged, expired log entries trimmed. */
import type { Database } from "better-sqlite3";
import { deadlinePassedAt, effectiveStatus } from "../../core/deadlines.js";
import type { SweepResult } from "../../core/store.js";
import type { Row } from "../sql/rows.js";
import { SWEEP_SQL } from "./queries.js";

export class SqliteSweeper {
  private readonly q;

  /** @param changeLogMs how long the change log keeps an entry (the store's verify-cache feed) */
  constructor(db: Database, private readonly changeLogMs: number) {
    this.q = {
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
    };
  }

  /** One bounded batch; the caller runs it inside its write transaction. */
  batch(nowMs: number, purgeEndedBefore: number, limit: number): SweepResult {
    const result: SweepResult = { expired: 0, abandoned: 0, purged: 0 };
    for (const row of this.passed(nowMs, limit)) {
      const deadlines = { expireAt: row["expire_at"] as number, abandonAt: row["abandon_at"] as number | null };
      const status = effectiveStatus({ status: row["status"] as "active", ...deadlines }, nowMs) as "expired" | "abandoned";
      this.q.writeDeadline.run({ id: row["id"], status, endedAt: deadlinePassedAt(deadlines, status), now: nowMs });
      result[status] += 1;
    }
    this.q.trimChanges.run(nowMs - this.changeLogMs);
    this.q.trimHits.run(nowMs);
    for (const { id } of this.q.purgeable.all({ before: purgeEndedBefore, limit })) {
      this.q.purgeActivities.run(id);
      this.q.purgeSession.run(id);
      result.purged += 1;
    }
    return result;
  }

  /** Up to `limit` live sessions past their expiry or inactivity deadline (a session past both counts once). */
  private passed(nowMs: number, limit: number): Row[] {
    const byId = new Map<string, Row>();
    for (const row of this.q.passedExpiry.all({ now: nowMs, limit })) byId.set(row["id"] as string, row);
    if (byId.size < limit)
      for (const row of this.q.passedInactivity.all({ now: nowMs, limit })) if (byId.size < limit) byId.set(row["id"] as string, row);
    return [...byId.values()];
  }
}
