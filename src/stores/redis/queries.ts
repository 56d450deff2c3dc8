/**
 * Read-side queries of the Redis store: lists, who is online, stats, activities.
 * Candidates come from the narrowest index; each is checked against its record (one
 * HMGET of the filtered fields), so stale hints never show and counts stay exact.
 * Order and paging keys are the memory store's.
 */
import type { ActivityRecord, SessionRecord } from "../../core/model.js";
import type { Page, PageRequest, SessionFilter, SessionStats, UserSessions } from "../../core/store.js";
import { matchesFilter, pageUsers, tallyStats } from "../shared.js";
import { SUMMARY_FIELDS, type Summary, decodeActivity, decodeRecord, decodeSummary } from "./codec.js";
import type { RedisContext } from "./context.js";
import { isStale } from "./hints.js";

/** How many records one round trip reads. */
const CHUNK = 500;

const newestFirst = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

/** The sessions an index names that still exist, newest first; hints to long-gone records are removed on the way. */
async function candidates(ctx: RedisContext, index: string, nowMs: number): Promise<Summary[]> {
  const ids = (await ctx.conn.run((c) => c.zrange(index, 0, "-1"))).sort(newestFirst);
  const found: Summary[] = [];
  const dead: string[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const values = await ctx.conn.run((c) => Promise.all(chunk.map((id) => c.hmget(ctx.keys.record(id), ...SUMMARY_FIELDS))));
    chunk.forEach((id, j) => {
      const summary = decodeSummary(id, values[j]!);
      if (summary !== null) found.push(summary);
      else if (isStale(id, nowMs)) dead.push(id);
    });
  }
  if (dead.length > 0) await ctx.conn.run((c) => c.zrem(index, ...dead));
  return found;
}

export async function listSessions(ctx: RedisContext, filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }> {
  const { keys } = ctx;
  const index =
    filter.tenantId !== undefined && filter.userId !== undefined
      ? keys.userIndex(filter.tenantId, filter.userId)
      : filter.tenantId !== undefined
        ? keys.tenantIndex(filter.tenantId)
        : keys.allIndex();
  const matching = (await candidates(ctx, index, filter.nowMs)).filter((s) => matchesFilter(s, filter));
  const start = page.afterKey === undefined ? 0 : matching.findIndex((s) => s.id < page.afterKey!);
  const from = (start === -1 ? matching.length : start) + (page.offset ?? 0);
  const slice = matching.slice(from, from + page.limit);
  const more = from + page.limit < matching.length;
  const hashes = slice.length === 0 ? [] : await ctx.conn.run((c) => Promise.all(slice.map((s) => c.hgetall(keys.record(s.id)))));
  // A record purged between the two reads is left out rather than shown half-read.
  const items = hashes.map(decodeRecord).filter((r): r is SessionRecord => r !== null);
  for (const r of items) ctx.owners.set(r.id, r);
  return { items, totalCount: matching.length, nextKey: more ? slice[slice.length - 1]!.id : null };
}

export async function listUsers(ctx: RedisContext, tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>> {
  // Oldest first, the order pageUsers expects (candidates come newest first).
  return pageUsers((await candidates(ctx, ctx.keys.tenantIndex(tenantId), nowMs)).reverse(), tenantId, nowMs, page);
}

export async function sessionStats(ctx: RedisContext, tenantId: string | undefined, nowMs: number): Promise<SessionStats> {
  const index = tenantId === undefined ? ctx.keys.allIndex() : ctx.keys.tenantIndex(tenantId);
  return tallyStats(await candidates(ctx, index, nowMs), tenantId, nowMs);
}

export async function listActivities(ctx: RedisContext, sessionId: string, page: PageRequest): Promise<Page<ActivityRecord>> {
  const newestFirst = (await ctx.conn.run((c) => c.lrange(ctx.keys.activities(sessionId), 0, -1))).map(decodeActivity);
  const start = page.afterKey === undefined ? 0 : newestFirst.findIndex((a) => a.id < page.afterKey!);
  const from = (start === -1 ? newestFirst.length : start) + (page.offset ?? 0);
  const items = newestFirst.slice(from, from + page.limit);
  const more = from + page.limit < newestFirst.length;
  return { items, nextKey: more ? items[items.length - 1]!.id : null };
}
