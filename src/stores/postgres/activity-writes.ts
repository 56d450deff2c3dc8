/** The PostgreSQL store's activity writes: a batch in one statement per round, with their events. */
import { eventId } from "../../core/events.js";
import type { ActivityWrite } from "../../core/store/index.js";
import { nativeBoolean, toColumns } from "../sql/rows.js";
import type { Query } from "./connection.js";
import { insertEvents } from "./event-writes.js";

const INPUT_COLUMNS = `id text, last_active_at bigint, expire_at bigint, abandon_at bigint, location text,
  latest_activity text, country text, browser_name text, device_type text, os_name text, activity_id text`;

/**
 * Activity writes for distinct sessions in one statement: the conditional writes, their events,
 * the history appends (a retried write's activity is there already: DO NOTHING) and the trims
 * commit together. The trim sees the history before this statement's append, hence `keep` =
 * limit - 1. With events, each input row carries its own event id, initiator and signals, and
 * a retried write's event is skipped like its activity.
 */
function activityRound(withEvents: boolean): string {
  const events = insertEvents({
    cte: "written",
    from: "written AS c JOIN input AS i USING (id) WHERE i.event_id IS NOT NULL",
    index: "0",
    id: "i.event_id",
    type: "'session.activity_changed'",
    at: "c.last_active_at",
    initiatedBy: "i.initiated_by",
    signals: "i.signals",
    retried: true,
  });
  return `WITH input AS (
      SELECT * FROM jsonb_to_recordset(@writes::jsonb) AS t(${INPUT_COLUMNS}${withEvents ? ", event_id text, initiated_by jsonb, signals jsonb" : ""})
    ), written AS (
      UPDATE sessions AS s SET last_active_at = i.last_active_at, expire_at = i.expire_at, abandon_at = i.abandon_at, location = i.location,
        latest_activity = i.latest_activity, country = i.country, browser_name = i.browser_name, device_type = i.device_type, os_name = i.os_name
      FROM input AS i
      WHERE s.id = i.id AND s.status IN ('pending', 'active') AND s.is_deleted = false AND s.last_active_at <= i.last_active_at
      RETURNING ${withEvents ? "s.*" : "s.id"}
    ), ${withEvents ? `stored_events AS (${events}), ` : ""}appended AS (
      INSERT INTO activities (id, session_id, data) SELECT i.activity_id, i.id, i.latest_activity FROM input AS i JOIN written USING (id)
      ON CONFLICT (id) DO NOTHING
    ), trimmed AS (
      DELETE FROM activities AS a WHERE a.session_id IN (SELECT id FROM written) AND a.id IN (
        SELECT x.id FROM activities AS x WHERE x.session_id = a.session_id ORDER BY x.id DESC OFFSET @keep)
    ) SELECT id FROM written`;
}

const ROUND = activityRound(false);
const ROUND_WITH_EVENTS = activityRound(true);

/** Splits a batch into rounds of distinct sessions, keeping each session's writes in order (indexes into `writes`). */
function rounds(writes: readonly ActivityWrite[]): number[][] {
  const out: number[][] = [];
  const seen = new Map<string, number>();
  writes.forEach((w, i) => {
    const round = seen.get(w.id) ?? 0;
    seen.set(w.id, round + 1);
    if (out[round] === undefined) out[round] = [];
    out[round].push(i);
  });
  return out;
}

/**
 * One statement per round: a round holds at most one write per session (one UPDATE cannot
 * change a row twice), so a batch of distinct sessions, the usual case, is one round trip.
 */
export async function writeActivities(query: Query, writes: readonly ActivityWrite[], historyLimit: number): Promise<boolean[]> {
  const results = new Array<boolean>(writes.length).fill(false);
  for (const round of rounds(writes)) {
    const withEvents = round.some((i) => writes[i]!.event !== undefined);
    const input = round.map((i) => {
      const { id, change, event } = writes[i]!;
      const row = { ...toColumns(change, nativeBoolean), id, activity_id: change.latestActivity.id };
      if (event === undefined) return row;
      return { ...row, event_id: eventId(event.idBase, 0), initiated_by: event.initiatedBy, signals: event.signals ?? null };
    });
    const rows = await query(withEvents ? ROUND_WITH_EVENTS : ROUND, { writes: JSON.stringify(input), keep: Math.max(0, historyLimit - 1) });
    const written = new Set(rows.map((r) => r.id as string));
    for (const i of round) results[i] = written.has(writes[i]!.id);
  }
  return results;
}
