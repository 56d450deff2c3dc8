/** The optional node-local verify cache: saves reads, never accepts what the store refuses. */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { createSessions } from "../../src/core/service.js";
import type { ChangeFeed, ChangeListener, Store } from "../../src/core/store/index.js";
import { VerifyCache } from "../../src/core/verify-cache.js";
import { memoryStore } from "../../src/stores/memory/index.js";
import { sqliteStore } from "../../src/stores/sqlite/index.js";
import { makeRecord } from "../conformance/fixtures.js";

/** The store with its session `get` calls counted, and optionally a change feed that hears nothing. */
function counted(store: Store, options: { deaf?: boolean; healthy?: () => boolean } = {}) {
  const counter = { gets: 0 };
  const sessions = new Proxy(store.sessions, {
    get(target, property, receiver) {
      if (property === "get") {
        return (id: string) => {
          counter.gets += 1;
          return target.get(id);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const changes: ChangeFeed =
    options.deaf === true || options.healthy !== undefined
      ? {
          watch: async (listener: ChangeListener) => {
            const watch = await store.changes.watch(options.deaf === true ? () => undefined : listener);
            return {
              poll: () => watch.poll(),
              stop: () => watch.stop(),
              get healthy() {
                return options.healthy?.() ?? watch.healthy;
              },
            };
          },
        }
      : store.changes;
  const wrapped: Store = Object.assign(Object.create(store) as Store, { sessions, changes });
  return { store: wrapped, counter };
}

describe("verify cache", () => {
  it("is off by default: every verify reads the store", async () => {
    const { store, counter } = counted(memoryStore());
    const sessions = createSessions({ store });
    const { token } = await sessions.create({ userId: "ann" });
    for (let i = 0; i < 3; i++) assert.equal((await sessions.verify(token)).valid, true);
    assert.equal(counter.gets, 3);
  });

  it("serves repeated verifies from memory and sees this process's revocation at once", async () => {
    const { store, counter } = counted(memoryStore());
    const sessions = createSessions({ store, verifyCache: {} });
    await sessions.cacheReady;
    const { session, token } = await sessions.create({ userId: "ann" });
    for (let i = 0; i < 5; i++) assert.equal((await sessions.verify(token)).valid, true);
    assert.equal(counter.gets, 1, "one read, then copies");
    await sessions.revoke(session.id);
    assert.deepEqual(await sessions.verify(token), { valid: false, code: "session_revoked" });
    await sessions.close();
  });

  it("sees another process's revocation and refresh through the store's change feed (SQLite)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "sessiond-cache-")), "s.db");
    const a = createSessions({ store: sqliteStore({ path }), verifyCache: {} });
    const b = createSessions({ store: sqliteStore({ path }) });
    await a.cacheReady;
    const { session, token } = await b.create({ userId: "ann" });
    assert.equal((await a.verify(token)).valid, true);
    assert.equal((await a.verify(token)).valid, true);
    await b.revoke(session.id);
    assert.deepEqual(await a.verify(token), { valid: false, code: "session_revoked" });

    const second = await b.create({ userId: "bob" });
    assert.equal((await a.verify(second.token)).valid, true);
    const rotated = await b.refresh(second.token);
    assert.equal((await a.verify(rotated.token)).valid, true, "the new secret is accepted at once");
    await Promise.all([a.close(), b.close()]);
  });

  it("never lets a stale copy say no: a refusal is asked of the store again", async () => {
    const clock = new ManualClock();
    const shared = memoryStore();
    // A feed that hears nothing: the copy goes stale while another server extends the session.
    const { store } = counted(shared, { deaf: true });
    const a = createSessions({
      store,
      clock,
      verifyCache: { ttlMs: 3_600_000 },
      policy: { slidingExpiration: true, lifetimeMs: 60_000, activityResolutionMs: 1000 },
    });
    const b = createSessions({ store: shared, clock, policy: { slidingExpiration: true, lifetimeMs: 60_000, activityResolutionMs: 1000 } });
    await a.cacheReady;
    const { token } = await b.create({ userId: "ann" });
    assert.equal((await a.verify(token)).valid, true);
    clock.advance(50_000);
    assert.equal((await b.verify(token)).valid, true, "b's use pushes expire_at out");
    await b.flushActivity(); // another server's activity reaches the store within a batch (5 ms); this clock jumps
    clock.advance(20_000); // past the copy's expire_at, within the stored one
    assert.equal((await a.verify(token)).valid, true);
    await a.close();
  });

  it("trusts nothing while the feed is unhealthy, and copies at most for their time-to-live", async () => {
    const clock = new ManualClock();
    let healthy = true;
    const { store, counter } = counted(memoryStore(), { healthy: () => healthy });
    const sessions = createSessions({ store, clock, verifyCache: { ttlMs: 1000 } });
    await sessions.cacheReady;
    const { token } = await sessions.create({ userId: "ann" });
    await sessions.verify(token);
    await sessions.verify(token);
    assert.equal(counter.gets, 1);
    clock.advance(1001);
    await sessions.verify(token);
    assert.equal(counter.gets, 2, "an expired copy is read again");
    healthy = false;
    await sessions.verify(token);
    await sessions.verify(token);
    assert.equal(counter.gets, 4, "no copies while changes may go unheard");
    await sessions.close();
  });

  it("does not keep a read that raced an invalidation of its session, and stays within its size", async () => {
    const store = memoryStore();
    const cache = new VerifyCache({ maxEntries: 2 });
    await cache.start(store.changes);
    const record = makeRecord();
    await store.sessions.insert(record, { maxActivePerUser: null, nowMs: record.createdAt });
    const before = cache.readGeneration;
    await store.sessions.update(record.id, { metadata: { changed: true } }, 1); // the change lands while "our read" is in flight
    cache.remember(record, before, Date.now());
    assert.equal(cache.lookup(record.id, Date.now()), undefined);
    cache.remember(record, cache.readGeneration, Date.now());
    assert.ok(cache.lookup(record.id, Date.now()));
    for (const other of [makeRecord(), makeRecord(), makeRecord()]) cache.remember(other, cache.readGeneration, Date.now());
    assert.equal(cache.size, 2);
    await cache.stop();
  });
});
