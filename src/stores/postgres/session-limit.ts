/**
 * The per-user limit in the PostgreSQL store (SPEC §3, the rule in src/core/session-limit.ts).
 * Every multi-row change of one user (limits, replacement, revoke-all) first takes a
 * transaction-scoped advisory lock on that user, so concurrent servers serialise per user
 * without deadlocks and two creates cannot both see room.
 */
import type { ActivationOptions } from "../../core/store/index.js";
import { type Row, STILL } from "../sql/rows.js";
import type { Query } from "./connection.js";

/** Takes the user's lock for the rest of the transaction. */
export function lockUser(query: Query, tenantId: string, userId: string): Promise<Row[]> {
  return query("SELECT pg_advisory_xact_lock(hashtextextended(@key, 7420))", { key: JSON.stringify([tenantId, userId]) });
}

/** Under the user's lock: the effectively active sessions (but `exceptId`) beyond `maxActivePerUser - 1`, least recently active first. */
export async function limitVictims(query: Query, tenantId: string, userId: string, exceptId: string, activation: ActivationOptions): Promise<string[]> {
  if (activation.maxActivePerUser === null) return [];
  const active = await query(
    `SELECT id FROM sessions WHERE tenant_id = @tenantId AND user_id = @userId AND id <> @exceptId AND is_deleted = false AND ${STILL("active")}
     ORDER BY last_active_at, created_at, id`,
    { tenantId, userId, exceptId, now: activation.nowMs },
  );
  return active.slice(0, Math.max(0, active.length - (activation.maxActivePerUser - 1))).map((r) => r.id as string);
}
