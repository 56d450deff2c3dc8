/**
 * The per-user limit in the SQLite store (SPEC §3, the rule in src/core/session-limit.ts):
 * which active sessions make way for one more. It runs inside the caller's IMMEDIATE
 * transaction, so two processes creating sessions for one user at once cannot both see room.
 */
import type { ActivationOptions } from "../../core/store/index.js";
import { type Row, STILL } from "../sql/rows.js";
import type { SqliteConnection } from "./connection.js";

export class SqliteSessionLimit {
  private readonly evictable;

  constructor(conn: SqliteConnection) {
    this.evictable = conn.prepared((db) =>
      db.prepare<Row, { id: string }>(
        `SELECT id FROM sessions WHERE tenant_id = @tenantId AND user_id = @userId AND id <> @exceptId AND is_deleted = 0
         AND ${STILL("active")} ORDER BY last_active_at, created_at, id`,
      ),
    );
  }

  /** The user's effectively active sessions (but `exceptId`) beyond `maxActivePerUser - 1`, least recently active first. */
  victims(tenantId: string, userId: string, exceptId: string, activation: ActivationOptions): string[] {
    if (activation.maxActivePerUser === null) return [];
    const active = this.evictable()
      .all({ tenantId, userId, exceptId, now: activation.nowMs })
      .map((r) => r.id);
    return active.slice(0, Math.max(0, active.length - (activation.maxActivePerUser - 1)));
  }
}
