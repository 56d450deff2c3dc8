/**
 * The Redis store's sessions. Every write about one user is one Lua script over keys of one
 * hash slot (lua.ts), so limits, replacement and conditional changes are atomic on a cluster
 * too; the cross-user indexes are hints repaired on read (hints.ts, keys.ts). Lists, who is
 * online and stats read candidates from the narrowest index and check each against its
 * record (one HMGET of the filtered fields), so stale hints never show and counts stay exact.
 */
import { SessiondError } from "../../core/errors.js";
import { type EventStamp, endEventType, updateEventTypes } from "../../core/events.js";
import type { ActivityChangeSet, ActivityRecord, SessionChange, SessionRecord } from "../../core/model.js";
import { routingTag, routingTagOfSessionId } from "../../core/session-token.js";
import type {
  ActivationOptions,
  ActivityWrite,
  Ending,
  Page,
  PageRequest,
  SessionFilter,
  SessionStats,
  SessionStore,
  SweepResult,
  UserSessions,
  UserSessionsFilter,
} from "../../core/store/index.js";
import { matchesFilter, pageUsers, tallyStats } from "../loaded-sessions.js";
import { pageById } from "../paging.js";
import type { RedisChangeFeed } from "./changes.js";
import { SUMMARY_FIELDS, type Summary, decodeActivity, decodeRecord, decodeSummary, encodeActivity, encodeChange, encodeRecord, hashOf } from "./codec.js";
import type { RedisContext } from "./context.js";
import { beforeInsert, isStale, settle, stateOf } from "./hints.js";
import { afterHint, insertedEntry, stampArgs } from "./outbox.js";
import { sweepBatch } from "./sweeper.js";

/** How many records one round trip reads. */
const CHUNK = 500;

const newestFirst = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

export class RedisSessions implements SessionStore {
  /** @param feed announces each write's changed sessions (changes.ts) */
  constructor(
    private readonly ctx: RedisContext,
    private readonly feed: RedisChangeFeed,
  ) {}

  private get keys() {
    return this.ctx.keys;
  }

  async insert(record: SessionRecord, activation: ActivationOptions, replaceId?: string, event?: EventStamp): Promise<{ evicted: string[] }> {
    const tag = routingTag(record.tenantId, record.userId);
    if (routingTagOfSessionId(record.id) !== tag) throw new SessiondError("request_invalid", "a session id must carry the routing tag of its tenant and user");
    // The contract limits replaceId to the same user, whose sessions all share the tag; another user's id is not replaced.
    const replace = replaceId !== undefined && replaceId !== record.id && routingTagOfSessionId(replaceId) === tag ? replaceId : undefined;
    const k = this.keys.forSession(record.id, record.tenantId, record.userId);
    const max = record.status === "active" && activation.maxActivePerUser !== null ? String(activation.maxActivePerUser) : "";
    await beforeInsert(this.ctx, record, event !== undefined);
    const fields = encodeRecord(record);
    const reply = (await this.ctx.conn.run((c) =>
      c.sessiondInsert(
        k.record,
        k.activities,
        k.userIndex,
        replace === undefined ? k.record : this.keys.record(replace),
        replace === undefined ? k.activities : this.keys.activities(replace),
        k.outbox,
        record.id,
        activation.nowMs,
        this.ctx.retentionMs,
        max,
        k.recordPrefix,
        k.activityPrefix,
        record.latestActivity === null ? "" : encodeActivity(record.latestActivity),
        replace ?? "",
        record.tenantId,
        record.userId,
        ...stampArgs(this.ctx, event, tag),
        insertedEntry(event, record, fields, activation.nowMs),
        ...fields,
      ),
    )) as [string, string[], number];
    if (reply[0] === "conflict") throw new SessiondError("conflict", "session id already exists");
    this.ctx.owners.set(record.id, record);
    const evicted = reply[1];
    const ended = reply[2] === 1 ? [...evicted, replace!] : evicted;
    await this.feed.announce(ended);
    await settle(
      this.ctx,
      ended.map((id) => ({ id, tenantId: record.tenantId, live: false, at: activation.nowMs })),
    );
    return { evicted };
  }

  async get(id: string): Promise<SessionRecord | null> {
    const record = decodeRecord(await this.ctx.conn.run((c) => c.hgetall(this.keys.record(id))));
    if (record !== null) this.ctx.owners.set(id, record);
    return record;
  }

  async update(id: string, change: SessionChange, expectVersion: number, activation?: ActivationOptions, event?: EventStamp): Promise<SessionRecord> {
    const owner = await this.ctx.ownerOf(id);
    if (owner === null) throw new SessiondError("resource_not_found", "no such session");
    const k = this.keys.forSession(id, owner.tenantId, owner.userId);
    const evicting = change.status === "active" && activation !== undefined && activation.maxActivePerUser !== null;
    const { set, unset } = encodeChange(change);
    const reply = (await afterHint(this.ctx, event === undefined ? [] : [routingTagOfSessionId(id)], (c) =>
      c.sessiondUpdate(
        k.record,
        k.activities,
        k.userIndex,
        k.outbox,
        id,
        expectVersion,
        owner.tenantId,
        owner.userId,
        this.ctx.retentionMs,
        k.recordPrefix,
        k.activityPrefix,
        evicting ? String(activation.maxActivePerUser) : "",
        activation?.nowMs ?? 0,
        ...stampArgs(this.ctx, event, routingTagOfSessionId(id)),
        change.updatedAt ?? change.endedAt ?? Date.now(),
        updateEventTypes(change).join(","),
        unset.length,
        ...unset,
        ...set,
      ),
    )) as [string, string[], string[]];
    if (reply[0] === "not_found") throw new SessiondError("resource_not_found", "no such session");
    if (reply[0] === "conflict") throw new SessiondError("conflict", "the session changed meanwhile");
    const record = decodeRecord(hashOf(reply[2]))!;
    await this.feed.announce([id, ...reply[1]]);
    const evicted = reply[1].map((victim) => ({ id: victim, tenantId: owner.tenantId, live: false, at: activation!.nowMs }));
    const moved = ["status", "expireAt", "abandonAt", "endedAt"].some((p) => p in change);
    await settle(this.ctx, moved ? [...evicted, stateOf(record)] : evicted);
    return record;
  }

  async recordActivity(id: string, change: ActivityChangeSet, historyLimit: number, event?: EventStamp): Promise<boolean> {
    return (await this.recordActivities([event === undefined ? { id, change } : { id, change, event }], historyLimit))[0]!;
  }

  /**
   * One script call per write, all sent in the same tick: ioredis's auto-pipelining sends them
   * as one pipeline per node (each call names only its own session's slot, so nothing crosses
   * slots on a cluster), and one connection runs a session's writes in the order sent.
   */
  async recordActivities(writes: readonly ActivityWrite[], historyLimit: number): Promise<boolean[]> {
    const owners = await Promise.all(writes.map((w) => this.ctx.ownerOf(w.id)));
    const stamped = writes.flatMap((w, i) => (w.event === undefined || owners[i] == null ? [] : [routingTagOfSessionId(w.id)]));
    const replies = await afterHint(this.ctx, stamped, (c) =>
      Promise.all(
        writes.map(({ id, change, event }, i) => {
          const owner = owners[i];
          if (owner === null || owner === undefined) return 0;
          const k = this.keys.forSession(id, owner.tenantId, owner.userId);
          const { set, unset } = encodeChange(change);
          return c.sessiondActivity(
            k.record,
            k.activities,
            k.userIndex,
            k.outbox,
            id,
            owner.tenantId,
            owner.userId,
            this.ctx.retentionMs,
            change.lastActiveAt,
            historyLimit,
            encodeActivity(change.latestActivity),
            ...stampArgs(this.ctx, event, routingTagOfSessionId(id)),
            unset.length,
            ...unset,
            ...set,
          );
        }),
      ),
    );
    const written = replies.map((reply) => reply === 1);
    // Activity moves the deadlines; the script only wrote a live session, so the hint is re-scored as live.
    const hints = writes.flatMap(({ id, change }, i) =>
      written[i] ? [{ id, tenantId: owners[i]!.tenantId, live: true, at: Math.min(change.expireAt, change.abandonAt ?? Infinity) }] : [],
    );
    await settle(this.ctx, hints);
    return written;
  }

  async list(filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }> {
    const index =
      filter.tenantId !== undefined && filter.userId !== undefined
        ? this.keys.userIndex(filter.tenantId, filter.userId)
        : filter.tenantId !== undefined
          ? this.keys.tenantIndex(filter.tenantId)
          : this.keys.allIndex();
    const matching = (await this.candidates(index, filter.nowMs)).filter((s) => matchesFilter(s, filter));
    const slice = pageById(matching, page);
    const hashes = slice.items.length === 0 ? [] : await this.ctx.conn.run((c) => Promise.all(slice.items.map((s) => c.hgetall(this.keys.record(s.id)))));
    // A record purged between the two reads is left out rather than shown half-read.
    const items = hashes.map(decodeRecord).filter((r): r is SessionRecord => r !== null);
    for (const r of items) this.ctx.owners.set(r.id, r);
    return { items, totalCount: matching.length, nextKey: slice.nextKey };
  }

  async endMany(filter: UserSessionsFilter, ending: Ending, event?: EventStamp): Promise<string[]> {
    const tag = routingTag(filter.tenantId, filter.userId);
    const ended = (await afterHint(this.ctx, event === undefined ? [] : [tag], (c) =>
      c.sessiondEndMany(
        this.keys.userIndex(filter.tenantId, filter.userId),
        this.keys.outbox(tag),
        filter.tenantId,
        filter.userId,
        filter.exceptId ?? "",
        filter.nowMs,
        ending.status,
        ending.endReason,
        ending.atMs,
        this.ctx.retentionMs,
        this.keys.recordPrefix(tag),
        this.keys.activityPrefix(tag),
        ...stampArgs(this.ctx, event, tag),
        endEventType(ending.status),
      ),
    )) as string[];
    await this.feed.announce(ended);
    await settle(
      this.ctx,
      ended.map((id) => ({ id, tenantId: filter.tenantId, live: false, at: ending.atMs })),
    );
    return ended;
  }

  async activities(sessionId: string, page: PageRequest): Promise<Page<ActivityRecord>> {
    return pageById((await this.ctx.conn.run((c) => c.lrange(this.keys.activities(sessionId), 0, -1))).map(decodeActivity), page);
  }

  async users(tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>> {
    // Oldest first, the order pageUsers expects (candidates come newest first).
    return pageUsers((await this.candidates(this.keys.tenantIndex(tenantId), nowMs)).reverse(), tenantId, nowMs, page);
  }

  async stats(tenantId: string | undefined, nowMs: number): Promise<SessionStats> {
    const index = tenantId === undefined ? this.keys.allIndex() : this.keys.tenantIndex(tenantId);
    return tallyStats(await this.candidates(index, nowMs), tenantId, nowMs);
  }

  sweep(nowMs: number, purgeEndedBefore: number, limit: number, event?: EventStamp): Promise<SweepResult> {
    return sweepBatch(this.ctx, nowMs, purgeEndedBefore, limit, event);
  }

  /** The sessions an index names that still exist, newest first; hints to long-gone records are removed on the way. */
  private async candidates(index: string, nowMs: number): Promise<Summary[]> {
    const ids = (await this.ctx.conn.run((c) => c.zrange(index, 0, "-1"))).sort(newestFirst);
    const found: Summary[] = [];
    const dead: string[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const values = await this.ctx.conn.run((c) => Promise.all(chunk.map((id) => c.hmget(this.keys.record(id), ...SUMMARY_FIELDS))));
      chunk.forEach((id, j) => {
        const summary = decodeSummary(id, values[j]!);
        if (summary !== null) found.push(summary);
        else if (isStale(id, nowMs)) dead.push(id);
      });
    }
    if (dead.length > 0) await this.ctx.conn.run((c) => c.zrem(index, ...dead));
    return found;
  }
}
