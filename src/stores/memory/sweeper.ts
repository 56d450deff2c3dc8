/** The memory store's sweep batch: passed deadlines written, then old terminal sessions purged. */
import { deadlinePassedAt, effectiveStatus } from "../../core/deadlines.js";
import type { ActivityRecord, SessionRecord } from "../../core/model.js";
import type { Ending, SweepResult } from "../../core/store/index.js";

/** What a batch works on: the session role's maps, and its way of ending a session (announced as a change). */
/** Stored as `pending` or `active`, whatever its deadlines say. */
const isLive = (r: SessionRecord) => r.status === "active" || r.status === "pending";

export interface SweptState {
  records: Map<string, SessionRecord>;
  history: Map<string, ActivityRecord[]>;
  end(r: SessionRecord, ending: Ending, updatedAt: number): void;
}

export function sweepBatch(state: SweptState, nowMs: number, purgeEndedBefore: number, limit: number): SweepResult {
  const result: SweepResult = { expired: 0, abandoned: 0, purged: 0 };
  for (const s of state.records.values()) {
    if (result.expired + result.abandoned >= limit) break;
    if (!isLive(s)) continue;
    const status = effectiveStatus(s, nowMs);
    if (status !== "expired" && status !== "abandoned") continue;
    state.end(s, { status, endReason: status, atMs: deadlinePassedAt(s, status) }, nowMs);
    result[status] += 1;
  }
  for (const s of [...state.records.values()]) {
    if (result.purged >= limit) break;
    if (s.endedAt === null || isLive(s) || s.endedAt >= purgeEndedBefore) continue;
    state.records.delete(s.id);
    state.history.delete(s.id);
    result.purged += 1;
  }
  return result;
}
