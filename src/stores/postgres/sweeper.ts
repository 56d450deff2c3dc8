/** The PostgreSQL sweeper's batch: passed deadlines written (with their events), old terminal sessions purged, ended counter windows dropped. */
import type { EventStamp } from "../../core/events.js";
import type { SweepResult } from "../../core/store/index.js";
import { EFFECTIVE_STATUS } from "../sql/rows.js";
import type { Query } from "./connection.js";
import { stampParams, withEvents } from "./event-writes.js";

const DUE = `due AS (
    SELECT id, ${EFFECTIVE_STATUS} AS effective FROM sessions WHERE status IN ('pending', 'active')
    AND (expire_at <= @now OR (abandon_at IS NOT NULL AND abandon_at <= @now)) LIMIT @limit FOR UPDATE SKIP LOCKED
  )`;

const WRITE = `UPDATE sessions s SET status = due.effective, end_reason = due.effective, updated_at = @now, version = s.version + 1,
    ended_at = CASE WHEN due.effective = 'abandoned' THEN s.abandon_at ELSE s.expire_at END
  FROM due WHERE s.id = due.id`;

const WRITE_DEADLINES = withEvents(WRITE, "s.status", null, DUE);

/** A passive end's event is timed at the deadline, which is the ended_at just written. */
const WRITE_DEADLINES_WITH_EVENTS = withEvents(
  WRITE,
  "c.status",
  { changed: "s.*", index: "row_number() OVER (ORDER BY c.id) - 1", type: "'session.' || c.status", at: "c.ended_at" },
  DUE,
);

/** One bounded batch; SKIP LOCKED lets several servers sweep at once without waiting on each other's batches. */
export async function sweepBatch(query: Query, nowMs: number, purgeEndedBefore: number, limit: number, event?: EventStamp): Promise<SweepResult> {
  const written =
    event === undefined
      ? await query(WRITE_DEADLINES, { now: nowMs, limit })
      : await query(WRITE_DEADLINES_WITH_EVENTS, { now: nowMs, limit, ...stampParams(event) });
  const purged = await query(
    `WITH gone AS (
       DELETE FROM sessions WHERE id IN (
         SELECT id FROM sessions WHERE status NOT IN ('pending', 'active') AND ended_at < @before LIMIT @limit FOR UPDATE SKIP LOCKED)
       RETURNING id
     ), history AS (DELETE FROM activities WHERE session_id IN (SELECT id FROM gone))
     SELECT COUNT(*)::int AS n FROM gone`,
    { before: purgeEndedBefore, limit },
  );
  await query("DELETE FROM rate_counters WHERE expires_at < @now", { now: nowMs });
  const count = (status: string) => written.filter((r) => r.status === status).length;
  return { expired: count("expired"), abandoned: count("abandoned"), purged: purged[0]!.n as number };
}
