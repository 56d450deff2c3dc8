/**
 * The shared store on Redis or Redis Cluster. Every write about one user is one Lua
 * script over keys of one hash slot, so limits, replacement and conditional changes are
 * atomic on a cluster too; cross-user indexes are hints repaired on read (keys.ts).
 */
import { DEFAULT_STORE_TIMEOUT_MS } from "../../core/defaults.js";
import { SessiondError } from "../../core/errors.js";
import type { ActivityChangeSet, ActivityRecord, SessionChange, SessionRecord } from "../../core/model.js";
import type { TenantPolicy } from "../../core/policy.js";
import type {
  ActivationOptions, ApiKeyRecord, ChangeListener, ChangeWatch, Ending, JwtTemplateRecord, Page, PageRequest, SessionFilter, SessionStats, SessionStore,
  SigningKeyRecord, SweepResult, UserSessions,
} from "../../core/store.js";
import { routingTag, routingTagOfSessionId } from "../../core/session-token.js";
import { decodeRecord, encodeActivity, encodeChange, encodeRecord } from "./codec.js";
import { RedisChangeFeed } from "./changes.js";
import { type Client, Connection } from "./connection.js";
import { RedisContext } from "./context.js";
import { RedisExtras } from "./extras.js";
import { beforeInsert, settle, stateOf } from "./hints.js";
import { RedisKeys } from "./keys.js";
import { listActivities, listSessions, listUsers, sessionStats } from "./queries.js";
import { sweep } from "./sweep.js";

/** There is no schema: the version key only records that this prefix was set up. */
const SCHEMA_VERSION = 1;

/** An HGETALL reply as Lua returns it (field, value, …) → an object without a prototype (field names are data). */
function pairs(flat: string[]): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

export interface RedisStoreOptions {
  /** `redis://host:port[/db]`, `rediss://…` or `redis-cluster://h1:p1,h2:p2,…` */
  url: string;
  /** Namespaces every key, so deployments (and test runs) can share a server (default `sd:`). */
  prefix?: string;
  /** How long terminal sessions stay readable; records expire by themselves this long after their end or deadline. */
  retentionMs: number;
  /** Each command fails with `store_unavailable` after this long (default {@link DEFAULT_STORE_TIMEOUT_MS}). */
  commandTimeoutMs?: number;
}

export class RedisStore implements SessionStore {
  private readonly ctx: RedisContext;
  private readonly extras: RedisExtras;
  private readonly feed: RedisChangeFeed;

  constructor(options: RedisStoreOptions) {
    const timeoutMs = options.commandTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    if (!Number.isSafeInteger(options.retentionMs) || options.retentionMs < 0)
      throw new SessiondError("request_invalid", "the Redis store's retention must be a whole number of milliseconds");
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1)
      throw new SessiondError("request_invalid", "the Redis command timeout must be a positive number of milliseconds");
    const conn = new Connection(options.url, timeoutMs);
    this.ctx = new RedisContext(conn, new RedisKeys(options.prefix ?? "sd:"), options.retentionMs);
    this.extras = new RedisExtras(this.ctx);
    this.feed = new RedisChangeFeed(() => this.ctx.conn.client, `${options.prefix ?? "sd:"}changes`);
  }

  private get keys(): RedisKeys {
    return this.ctx.keys;
  }

  private run<T>(work: (client: Client) => Promise<T>): Promise<T> {
    return this.ctx.conn.run(work);
  }

  async insert(record: SessionRecord, activation: ActivationOptions, replaceId?: string): Promise<{ evicted: string[] }> {
    const tag = routingTag(record.tenantId, record.userId);
    if (routingTagOfSessionId(record.id) !== tag)
      throw new SessiondError("request_invalid", "a session id must carry the routing tag of its tenant and user");
    // The contract limits replaceId to the same user, whose sessions all share the tag; another user's id is not replaced.
    const replace = replaceId !== undefined && replaceId !== record.id && routingTagOfSessionId(replaceId) === tag ? replaceId : undefined;
    const k = this.keys.forSession(record.id, record.tenantId, record.userId);
    const max = record.status === "active" && activation.maxActivePerUser !== null ? String(activation.maxActivePerUser) : "";
    await beforeInsert(this.ctx, record);
    const reply = (await this.run((c) =>
      c.sessiondInsert(
        k.record, k.activities, k.userIndex,
        replace === undefined ? k.record : this.keys.record(replace),
        replace === undefined ? k.activities : this.keys.activities(replace),
        record.id, activation.nowMs, this.ctx.retentionMs, max, k.recordPrefix, k.activityPrefix,
        record.latestActivity === null ? "" : encodeActivity(record.latestActivity),
        replace ?? "", record.tenantId, record.userId, ...encodeRecord(record),
      ),
    )) as [string, string[], number];
    if (reply[0] === "conflict") throw new SessiondError("conflict", "session id already exists");
    this.ctx.owners.set(record.id, record);
    const evicted = reply[1];
    const ended = reply[2] === 1 ? [...evicted, replace!] : evicted;
    await this.feed.announce(ended);
    await settle(this.ctx, ended.map((id) => ({ id, tenantId: record.tenantId, live: false, at: activation.nowMs })));
    return { evicted };
  }

  async get(id: string): Promise<SessionRecord | null> {
    const record = decodeRecord(await this.run((c) => c.hgetall(this.keys.record(id))));
    if (record !== null) this.ctx.owners.set(id, record);
    return record;
  }

  async update(id: string, change: SessionChange, expectVersion: number, activation?: ActivationOptions): Promise<SessionRecord> {
    const owner = await this.ctx.ownerOf(id);
    if (owner === null) throw new SessiondError("resource_not_found", "no such session");
    const k = this.keys.forSession(id, owner.tenantId, owner.userId);
    const evicting = change.status === "active" && activation !== undefined && activation.maxActivePerUser !== null;
    const { set, unset } = encodeChange(change);
    const reply = (await this.run((c) =>
      c.sessiondUpdate(
        k.record, k.activities, k.userIndex,
        id, expectVersion, owner.tenantId, owner.userId, this.ctx.retentionMs, k.recordPrefix, k.activityPrefix,
        evicting ? String(activation.maxActivePerUser) : "", activation?.nowMs ?? 0,
        unset.length, ...unset, ...set,
      ),
    )) as [string, string[], string[]];
    if (reply[0] === "not_found") throw new SessiondError("resource_not_found", "no such session");
    if (reply[0] === "conflict") throw new SessiondError("conflict", "the session changed meanwhile");
    const record = decodeRecord(pairs(reply[2]))!;
    await this.feed.announce([id, ...reply[1]]);
    const evicted = reply[1].map((victim) => ({ id: victim, tenantId: owner.tenantId, live: false, at: activation!.nowMs }));
    const moved = ["status", "expireAt", "abandonAt", "endedAt"].some((p) => p in change);
    await settle(this.ctx, moved ? [...evicted, stateOf(record)] : evicted);
    return record;
  }

  async recordActivity(id: string, change: ActivityChangeSet, historyLimit: number): Promise<boolean> {
    const owner = await this.ctx.ownerOf(id);
    if (owner === null) return false;
    const k = this.keys.forSession(id, owner.tenantId, owner.userId);
    const { set, unset } = encodeChange(change);
    const written = await this.run((c) =>
      c.sessiondActivity(
        k.record, k.activities, k.userIndex,
        id, owner.tenantId, owner.userId, this.ctx.retentionMs, change.lastActiveAt, historyLimit, encodeActivity(change.latestActivity),
        unset.length, ...unset, ...set,
      ),
    );
    if (written !== 1) return false;
    // Activity moves the deadlines; the script only wrote a live session, so the hint is re-scored as live.
    await settle(this.ctx, [{ id, tenantId: owner.tenantId, live: true, at: Math.min(change.expireAt, change.abandonAt ?? Infinity) }]);
    return true;
  }

  list(filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord> & { totalCount: number }> {
    return listSessions(this.ctx, filter, page);
  }

  async endMany(filter: { tenantId: string; userId: string; exceptId?: string; nowMs: number }, ending: Ending): Promise<string[]> {
    const tag = routingTag(filter.tenantId, filter.userId);
    const ended = (await this.run((c) =>
      c.sessiondEndMany(
        this.keys.userIndex(filter.tenantId, filter.userId),
        filter.tenantId, filter.userId, filter.exceptId ?? "", filter.nowMs, ending.status, ending.endReason, ending.atMs,
        this.ctx.retentionMs, this.keys.recordPrefix(tag), this.keys.activityPrefix(tag),
      ),
    )) as string[];
    await this.feed.announce(ended);
    await settle(this.ctx, ended.map((id) => ({ id, tenantId: filter.tenantId, live: false, at: ending.atMs })));
    return ended;
  }

  activities(sessionId: string, page: PageRequest): Promise<Page<ActivityRecord>> {
    return listActivities(this.ctx, sessionId, page);
  }

  users(tenantId: string, nowMs: number, page: PageRequest): Promise<Page<UserSessions>> {
    return listUsers(this.ctx, tenantId, nowMs, page);
  }

  stats(tenantId: string | undefined, nowMs: number): Promise<SessionStats> {
    return sessionStats(this.ctx, tenantId, nowMs);
  }

  sweep(nowMs: number, purgeEndedBefore: number, limit: number): Promise<SweepResult> {
    return sweep(this.ctx, nowMs, purgeEndedBefore, limit);
  }

  getPolicy(tenantId: string): Promise<TenantPolicy | null> { return this.extras.getPolicy(tenantId); }
  putPolicy(tenantId: string, policy: TenantPolicy): Promise<void> { return this.extras.putPolicy(tenantId, policy); }
  insertApiKey(key: ApiKeyRecord): Promise<void> { return this.extras.insertApiKey(key); }
  getApiKey(id: string): Promise<ApiKeyRecord | null> { return this.extras.getApiKey(id); }
  listApiKeys(tenantId: string | undefined): Promise<ApiKeyRecord[]> { return this.extras.listApiKeys(tenantId); }
  revokeApiKey(id: string, atMs: number): Promise<ApiKeyRecord | null> { return this.extras.revokeApiKey(id, atMs); }
  insertSigningKey(key: SigningKeyRecord): Promise<void> { return this.extras.insertSigningKey(key); }
  listSigningKeys(): Promise<SigningKeyRecord[]> { return this.extras.listSigningKeys(); }
  retireSigningKey(kid: string, retireAt: number): Promise<void> { return this.extras.retireSigningKey(kid, retireAt); }
  deleteSigningKey(kid: string): Promise<void> { return this.extras.deleteSigningKey(kid); }
  putTemplate(template: JwtTemplateRecord): Promise<void> { return this.extras.putTemplate(template); }
  getTemplate(tenantId: string, name: string): Promise<JwtTemplateRecord | null> { return this.extras.getTemplate(tenantId, name); }
  listTemplates(tenantId: string): Promise<JwtTemplateRecord[]> { return this.extras.listTemplates(tenantId); }
  deleteTemplate(tenantId: string, name: string): Promise<boolean> { return this.extras.deleteTemplate(tenantId, name); }

  /** Redis has no schema to migrate; the version key marks the prefix as set up. */
  async migrate(): Promise<{ version: number; applied: number[] }> {
    await this.run((c) => c.set(this.keys.schemaVersion(), String(SCHEMA_VERSION), "NX"));
    return { version: SCHEMA_VERSION, applied: [] };
  }

  async countHits(key: string, windowStart: number, windowMs: number, count: number): Promise<number> {
    const counter = this.keys.rateCounter(key, windowStart);
    const [[, total]] = (await this.run((c) => c.multi().incrby(counter, count).pexpireat(counter, windowStart + windowMs).exec())) as [[unknown, number]];
    return total;
  }

  /** Other processes' changes arrive by SUBSCRIBE on one dedicated connection, opened on first use. */
  watchChanges(listener: ChangeListener): Promise<ChangeWatch> {
    return this.feed.watch(listener);
  }

  async ping(): Promise<void> {
    await this.run((c) => c.ping());
  }

  async close(): Promise<void> {
    await this.feed.stop();
    await this.ctx.conn.close();
  }
}

/** The shared Redis or Redis Cluster store. Connects in the background; calls fail with `store_unavailable` while Redis is away. */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}
