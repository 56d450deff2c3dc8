/** What only the Redis store promises: one slot per user, self-expiring keys, fail-fast and reconnect. */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import type { Redis } from "ioredis";
import { isSessiondError } from "../../src/core/errors.js";
import { newEventStamp, SYSTEM } from "../../src/core/events.js";
import type { ActivityChangeSet, SessionRecord } from "../../src/core/model.js";
import { newId, routingTag, systemRandom } from "../../src/core/session-token.js";
import { redisStore } from "../../src/stores/redis/index.js";
import { RedisKeys } from "../../src/stores/redis/keys.js";
import { makeRecord } from "../conformance/fixtures.js";
import { REDIS_URL, redisSkip } from "../support/services.js";
import { freshPrefix, openTestStore, rawClient } from "./redis-harness.js";

// ioredis's own slot function (a dependency of ioredis), so the test agrees with how the client routes.
const calculateSlot = createRequire(import.meta.url)("cluster-key-slot") as (key: string) => number;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const noLimit = (nowMs: number) => ({ maxActivePerUser: null, nowMs });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A live record whose instants are on the real clock, since Redis expires keys on its own clock. */
function liveRecord(nowMs: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const createdAt = overrides.createdAt ?? nowMs;
  return makeRecord({
    createdAt,
    updatedAt: createdAt,
    lastActiveAt: createdAt,
    startedAt: createdAt,
    expireAt: nowMs + HOUR,
    abandonAt: nowMs + HOUR / 2,
    ...overrides,
  });
}

function activityAt(r: SessionRecord, at: number, abandonAt: number | null): ActivityChangeSet {
  const latestActivity = { ...r.latestActivity!, id: newId("sact", at, systemRandom), at };
  return { lastActiveAt: at, expireAt: r.expireAt, abandonAt, location: null, latestActivity };
}

const skip = await redisSkip(REDIS_URL);

describe("redis store specifics", { skip }, () => {
  it("keeps every key one user's operations touch, declared or reached inside a script, in that user's slot", async () => {
    const store = openTestStore(REDIS_URL);
    const prefix = store.options.prefix;
    const raw = (await rawClient(REDIS_URL)) as Redis;
    const monitor = await raw.monitor();
    const seen: { args: string[]; source: string }[] = [];
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (args.some((a) => a.startsWith(prefix))) seen.push({ args, source });
    });
    const user = { tenantId: "acme", userId: "ann:{not-a-tag}" };
    try {
      const now = Date.now();
      const limit = { maxActivePerUser: 2, nowMs: now };
      const [a, b, c] = [1, 2, 3].map((i) => liveRecord(now, { ...user, createdAt: now - 10 + i }));
      // With event stamps, so the events each script appends are checked too.
      const stamp = () => newEventStamp(systemRandom, now, SYSTEM);
      for (const r of [a!, b!, c!]) await store.sessions.insert(r, limit, undefined, stamp());
      const pending = liveRecord(now, { ...user, status: "pending" });
      await store.sessions.insert(pending, limit, c!.id, stamp());
      await store.sessions.update(pending.id, { status: "active" }, 1, limit, stamp());
      await store.sessions.recordActivity(pending.id, activityAt(pending, now + 1, now + HOUR), 3, stamp());
      await store.sessions.endMany({ ...user, nowMs: now }, { status: "revoked", endReason: "revoked", atMs: now }, stamp());
      await store.sessions.insert(liveRecord(now, { ...user, expireAt: now + 90 * 60_000, abandonAt: null }), noLimit(now), undefined, stamp());
      assert.deepEqual(await store.sessions.sweep(now + 2 * HOUR, now + HOUR, 10, stamp()), { expired: 1, abandoned: 0, purged: 4 });
      await raw.echo(`${prefix}done`);
      while (!seen.some((s) => s.args[0] === "echo")) await sleep(10);
      // The relay works in the feed's own slot: after the echo, so outside what is checked below.
      assert.equal(
        await store.outbox.relay(),
        12,
        "every write above stored its events (4 created, 1 removed, 1 replaced, pending, activated, activity, 2 revoked, expired)",
      );
    } finally {
      monitor.disconnect();
      raw.disconnect();
      await store.close();
    }
    const slot = calculateSlot(`{${routingTag(user.tenantId, user.userId)}}`);
    const checked = seen.slice(
      0,
      seen.findIndex((s) => s.args[0] === "echo"),
    );
    const scripts = checked.filter((s) => /^eval/i.test(s.args[0]!));
    const inside = checked.filter((s) => s.source === "lua");
    assert.ok(scripts.length >= 10 && inside.length > scripts.length, `saw ${scripts.length} scripts and ${inside.length} commands inside them`);
    for (const s of scripts) for (const key of s.args.slice(3, 3 + Number(s.args[2]))) assert.equal(calculateSlot(key), slot, key);
    // On one server (this test's) the scripts also write the outbox hint with their events: the one
    // key outside the slot, written inside a script only where there are no slots (outbox.ts, stampArgs).
    const hint = new RedisKeys(prefix).outboxHint();
    for (const s of inside)
      for (const key of s.args.filter((a) => a.startsWith(prefix) && a !== hint)) assert.equal(calculateSlot(key), slot, `${s.args[0]} ${key}`);
    assert.ok(inside.some((s) => s.args[0]?.toLowerCase() === "zadd" && s.args[1] === hint));
  });

  it("expires a record, its history and its user index at the earliest deadline plus the retention, following activity and the end", async () => {
    const store = openTestStore(REDIS_URL, { retentionMs: DAY });
    const raw = await rawClient(REDIS_URL);
    const keys = new RedisKeys(store.options.prefix);
    const expiry = async (key: string) => Number(await raw.call("PEXPIRETIME", key));
    try {
      const now = Date.now();
      const r = liveRecord(now);
      await store.sessions.insert(r, noLimit(now));
      const index = keys.userIndex(r.tenantId, r.userId);
      for (const key of [keys.record(r.id), keys.activities(r.id), index]) assert.equal(await expiry(key), now + HOUR / 2 + DAY, key);

      assert.equal(await store.sessions.recordActivity(r.id, activityAt(r, now + 1000, now + 1000 + HOUR / 2), 20), true);
      assert.equal(await expiry(keys.record(r.id)), now + 1000 + HOUR / 2 + DAY, "activity moved the inactivity deadline");
      assert.equal(await expiry(keys.activities(r.id)), now + 1000 + HOUR / 2 + DAY);

      const longer = liveRecord(now, { tenantId: r.tenantId, userId: r.userId, expireAt: now + 2 * HOUR, abandonAt: null });
      await store.sessions.insert(longer, noLimit(now));
      assert.equal(await expiry(index), now + 2 * HOUR + DAY, "the index lives as long as its longest-lived session");

      await store.sessions.update(r.id, { status: "revoked", endReason: "revoked", revokedAt: now + 2000, endedAt: now + 2000 }, 1);
      assert.equal(await expiry(keys.record(r.id)), now + 2000 + DAY, "a terminal session is kept for the retention after its end");
      assert.equal(await expiry(keys.activities(r.id)), now + 2000 + DAY);
      assert.equal(await expiry(index), now + 2 * HOUR + DAY);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it("keeps a swept session readable until its own expiry, then Redis drops it", async () => {
    const store = openTestStore(REDIS_URL, { retentionMs: 1500 });
    try {
      const now = Date.now();
      const r = liveRecord(now, { createdAt: now - 2000, expireAt: now - 1000, abandonAt: null });
      await store.sessions.insert(r, noLimit(now));
      assert.deepEqual(await store.sessions.sweep(now, 0, 10), { expired: 1, abandoned: 0, purged: 0 });
      const swept = await store.sessions.get(r.id);
      assert.equal(swept?.status, "expired");
      assert.equal(swept?.endedAt, now - 1000);
      assert.equal((await store.sessions.activities(r.id, { limit: 10 })).items.length, 1);
      while (Date.now() < now + 700) await sleep(50);
      assert.equal(await store.sessions.get(r.id), null, "gone once its end plus the retention passed");
      assert.deepEqual((await store.sessions.activities(r.id, { limit: 10 })).items, []);
    } finally {
      await store.close();
    }
  });

  it("caps the activity list at the history limit", async () => {
    const store = openTestStore(REDIS_URL);
    const raw = await rawClient(REDIS_URL);
    try {
      const now = Date.now();
      const r = liveRecord(now);
      await store.sessions.insert(r, noLimit(now));
      for (let i = 1; i <= 7; i++) await store.sessions.recordActivity(r.id, activityAt(r, now + i, r.abandonAt), 3);
      assert.equal(await raw.llen(new RedisKeys(store.options.prefix).activities(r.id)), 3);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it("drops user-index entries whose record expired away on the next insert or end of that user", async () => {
    const store = openTestStore(REDIS_URL);
    const raw = await rawClient(REDIS_URL);
    const keys = new RedisKeys(store.options.prefix);
    try {
      const now = Date.now();
      const user = { tenantId: "acme", userId: "bob" };
      const index = keys.userIndex(user.tenantId, user.userId);
      const [a, b, c] = [1, 2, 3].map((i) => liveRecord(now, { ...user, createdAt: now + i }));
      await store.sessions.insert(a!, noLimit(now));
      await store.sessions.insert(b!, noLimit(now));
      await raw.del(keys.record(a!.id)); // as if its expiry had passed
      await store.sessions.insert(c!, noLimit(now));
      assert.deepEqual((await raw.zrange(index, 0, "-1")).sort(), [b!.id, c!.id].sort());
      await raw.del(keys.record(b!.id));
      assert.deepEqual(await store.sessions.endMany({ ...user, nowMs: now }, { status: "revoked", endReason: "revoked", atMs: now }), [c!.id]);
      assert.deepEqual(await raw.zrange(index, 0, "-1"), [c!.id]);
      assert.deepEqual(
        (await store.sessions.list({ ...user, nowMs: now }, { limit: 10 })).items.map((s) => s.id),
        [c!.id],
      );
    } finally {
      raw.disconnect();
      await store.close();
    }
  });
});

/** A throw-away redis-server on `port`, resolved once it answers. */
async function startRedis(port: number): Promise<ChildProcess> {
  const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const probe = redisStore({ url: `redis://127.0.0.1:${port}`, retentionMs: DAY, commandTimeoutMs: 200 });
  try {
    for (let i = 0; ; i++) {
      try {
        await probe.ping();
        return server;
      } catch (error) {
        if (i > 50) throw error;
        await sleep(100);
      }
    }
  } finally {
    await probe.close();
  }
}

async function stopRedis(server: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGKILL"); // a crash, not a polite shutdown
  await exited;
}

/** Retries `work` until it succeeds or `ms` passed. */
async function eventually<T>(work: () => Promise<T>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

const hasRedisServer = await new Promise<boolean>((resolve) =>
  spawn("redis-server", ["--version"], { stdio: "ignore" })
    .on("error", () => resolve(false))
    .on("exit", (code) => resolve(code === 0)),
);

describe("redis store availability", { skip: hasRedisServer ? false : "redis-server is not installed" }, () => {
  it("fails fast with store_unavailable while Redis is away and reconnects by itself when it is back", async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const store = redisStore({ url: `redis://127.0.0.1:${port}`, prefix: freshPrefix(), retentionMs: DAY, commandTimeoutMs: 300 });
    const unavailable = (e: unknown) => isSessiondError(e, "store_unavailable");
    let server: ChildProcess | undefined;
    try {
      let started = Date.now();
      await assert.rejects(store.sessions.get("sess_0000000000000000000000000000zz"), unavailable);
      assert.ok(Date.now() - started < 1000, "an unreachable server is reported within the timeout");

      server = await startRedis(port);
      await eventually(() => store.ping(), 5000);
      assert.equal(await store.sessions.get("sess_0000000000000000000000000000zz"), null);

      await stopRedis(server);
      started = Date.now();
      await assert.rejects(store.ping(), unavailable);
      assert.ok(Date.now() - started < 1000, "a lost server is reported within the timeout");

      server = await startRedis(port);
      await eventually(() => store.ping(), 5000);
    } finally {
      await store.close();
      if (server !== undefined && server.exitCode === null) await stopRedis(server);
    }
  });
});
