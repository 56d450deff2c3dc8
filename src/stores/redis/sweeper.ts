/**
 * The Redis sweeper's batch: candidates come from the deadline and ended indexes; each is written or
 * purged by a per-user script that re-checks the record, so a stale hint only costs a
 * repair (re-score or removal) and never a wrong write.
 */
import type { EventStamp } from "../../core/events.js";
import { routingTagOfSessionId } from "../../core/session-token.js";
import type { SweepResult } from "../../core/store/index.js";
import type { RedisContext } from "./context.js";
import { type HintState, forget, isStale, settle } from "./hints.js";
import { member, parseMember } from "./keys.js";
import { afterHint, stampArgs } from "./outbox.js";

type Outcome = "done" | "repaired" | "kept";

/**
 * Handles up to `limit` candidates read from `index` (score range `min`..`max`) until
 * `limit` are done or none are left. Repaired candidates leave the range; kept ones stay,
 * so they are skipped by offset, which guarantees progress.
 */
async function drain(ctx: RedisContext, index: string, max: string, limit: number, handle: (m: string) => Promise<Outcome>): Promise<number> {
  let done = 0;
  let kept = 0;
  while (done < limit) {
    const batch = await ctx.conn.run((c) => c.zrangebyscore(index, "-inf", max, "LIMIT", kept, limit - done));
    if (batch.length === 0) break;
    for (const outcome of await Promise.all(batch.map(handle))) {
      if (outcome === "done") done += 1;
      else if (outcome === "kept") kept += 1;
    }
  }
  return done;
}

async function repair(ctx: RedisContext, states: HintState[]): Promise<Outcome> {
  await settle(ctx, states);
  return "repaired";
}

/** A hint to a missing record is removed once stale; a young one may be an insert in flight. */
async function gone(ctx: RedisContext, id: string, tenantId: string, nowMs: number): Promise<Outcome> {
  if (!isStale(id, nowMs)) return "kept";
  await forget(ctx, [{ id, tenantId }]);
  return "repaired";
}

/**
 * With a stamp, each deadline write stores its event (`session.expired`/`abandoned`, at the
 * deadline) in its own script; the n-th candidate tried gets event number n, so a candidate
 * that turns out live or gone leaves a gap in the numbers, never a duplicate.
 */
export async function sweepBatch(ctx: RedisContext, nowMs: number, purgeEndedBefore: number, limit: number, event?: EventStamp): Promise<SweepResult> {
  const { keys } = ctx;
  const result: SweepResult = { expired: 0, abandoned: 0, purged: 0 };
  let tried = 0;

  await drain(ctx, keys.deadlines(), String(nowMs), limit, async (m) => {
    const { id, tenantId } = parseMember(m);
    const tag = routingTagOfSessionId(id);
    const n = tried++;
    const reply = (await afterHint(ctx, event === undefined ? [] : [tag], (c) =>
      c.sessiondExpire(keys.record(id), keys.activities(id), keys.outbox(tag), nowMs, ctx.retentionMs, ...stampArgs(ctx, event, tag), n),
    )) as string[];
    switch (reply[0]) {
      case "written":
        result[reply[1] as "expired" | "abandoned"] += 1;
        await settle(ctx, [{ id, tenantId, live: false, at: Number(reply[2]) }]);
        return "done";
      case "terminal":
        return repair(ctx, [{ id, tenantId, live: false, at: Number(reply[1]) }]);
      case "live":
        // Activity moved the deadline out; a plain ZADD since the hint is known to be in the index.
        await ctx.conn.run((c) => c.zadd(keys.deadlines(), Number(reply[1]), m));
        return "repaired";
      default:
        return gone(ctx, id, tenantId, nowMs);
    }
  });

  result.purged = await drain(ctx, keys.ended(), `(${purgeEndedBefore}`, limit, async (m) => {
    const { id, tenantId } = parseMember(m);
    const owner = await ctx.ownerOf(id);
    if (owner === null) return gone(ctx, id, tenantId, nowMs);
    const k = keys.forSession(id, owner.tenantId, owner.userId);
    const reply = (await ctx.conn.run((c) =>
      c.sessiondPurge(k.record, k.activities, k.userIndex, id, purgeEndedBefore, owner.tenantId, owner.userId),
    )) as string[];
    switch (reply[0]) {
      case "purged":
        await forget(ctx, [{ id, tenantId }]);
        return "done";
      case "terminal":
        return repair(ctx, [{ id, tenantId, live: false, at: Number(reply[1]) }]);
      case "live":
        await ctx.conn.run((c) => c.zadd(keys.deadlines(), Number(reply[1]), member(id, tenantId)));
        await ctx.conn.run((c) => c.zrem(keys.ended(), m));
        return "repaired";
      default:
        return gone(ctx, id, tenantId, nowMs);
    }
  });

  return result;
}
