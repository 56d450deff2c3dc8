/**
 * The cross-user indexes (tenant, all, deadlines, ended), written around the per-user
 * scripts but not atomically with them: they are hints that readers check against the
 * records and repair (keys.ts explains why that is safe).
 */
import type { SessionRecord } from "../../core/model.js";
import { routingTagOfSessionId, timeOfId } from "../../core/session-token.js";
import type { RedisContext } from "./context.js";
import { HINT_GRACE_MS, member } from "./keys.js";
import { hintMembers } from "./outbox.js";

/** Where a session belongs in the sweeper's indexes: live until its earliest deadline, or ended at an instant. */
export interface HintState {
  id: string;
  tenantId: string;
  live: boolean;
  /** The earliest deadline when live, else `ended_at`. */
  at: number;
}

export function stateOf(r: Pick<SessionRecord, "id" | "tenantId" | "status" | "expireAt" | "abandonAt" | "endedAt" | "updatedAt">): HintState {
  const live = r.status === "active" || r.status === "pending";
  const at = live ? Math.min(r.expireAt, r.abandonAt ?? Infinity) : (r.endedAt ?? r.updatedAt);
  return { id: r.id, tenantId: r.tenantId, live, at };
}

/**
 * Before a record is written: a crash after this leaves a hint to nothing (dropped on
 * read) rather than a session no list or sweep can find. With events on a cluster, the tag's
 * outbox hint too (outbox.ts), in the same round trip. NX keeps a duplicate insert
 * from moving the existing session's deadline.
 */
export async function beforeInsert(ctx: RedisContext, record: SessionRecord, withEvents: boolean): Promise<void> {
  const { keys } = ctx;
  const state = stateOf(record);
  const m = member(record.id, record.tenantId);
  await ctx.conn.run((c) =>
    Promise.all([
      c.zadd(keys.tenantIndex(record.tenantId), 0, record.id),
      c.zadd(keys.allIndex(), 0, record.id),
      state.live ? c.zadd(keys.deadlines(), "NX", state.at, m) : c.zadd(keys.ended(), "NX", state.at, m),
      ...(withEvents && ctx.conn.isCluster ? [c.zadd(keys.outboxHint(), ...hintMembers([routingTagOfSessionId(record.id)]))] : []),
    ]),
  );
}

/** After a write: terminal sessions move to the ended index, live ones get their current deadline. */
export async function settle(ctx: RedisContext, states: HintState[]): Promise<void> {
  if (states.length === 0) return;
  const { keys } = ctx;
  const ended = states.filter((s) => !s.live);
  const live = states.filter((s) => s.live);
  // XX: a live hint is only re-scored, never re-created after a racing end removed it.
  if (live.length > 0) await ctx.conn.run((c) => Promise.all(live.map((s) => c.zadd(keys.deadlines(), "XX", s.at, member(s.id, s.tenantId)))));
  if (ended.length === 0) return;
  // Added to `ended` before leaving `deadlines`, so a crash in between never loses the session from both.
  await ctx.conn.run((c) => Promise.all(ended.map((s) => c.zadd(keys.ended(), s.at, member(s.id, s.tenantId)))));
  await ctx.conn.run((c) => c.zrem(keys.deadlines(), ...ended.map((s) => member(s.id, s.tenantId))));
}

/** Removes every hint of a session that is gone for good. */
export async function forget(ctx: RedisContext, sessions: { id: string; tenantId: string }[]): Promise<void> {
  if (sessions.length === 0) return;
  const { keys } = ctx;
  const members = sessions.map((s) => member(s.id, s.tenantId));
  const byTenant = new Map<string, string[]>();
  for (const s of sessions) byTenant.set(s.tenantId, [...(byTenant.get(s.tenantId) ?? []), s.id]);
  await ctx.conn.run((c) =>
    Promise.all([
      c.zrem(keys.deadlines(), ...members),
      c.zrem(keys.ended(), ...members),
      c.zrem(keys.allIndex(), ...sessions.map((s) => s.id)),
      ...[...byTenant].map(([tenantId, ids]) => c.zrem(keys.tenantIndex(tenantId), ...ids)),
    ]),
  );
}

/**
 * Whether a hint to a missing record may be removed: only once the id is older than the
 * grace, since a young one may belong to an insert whose record is being written now.
 */
export function isStale(id: string, nowMs: number): boolean {
  return nowMs - timeOfId(id) > HINT_GRACE_MS;
}
