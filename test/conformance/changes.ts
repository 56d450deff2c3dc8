/** The change feed: what lets a server keep node-local copies of sessions honest. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeWatch, SessionStore } from "../../src/core/store.js";
import { withTwo } from "./concurrency.js";
import { makeRecord, T0 } from "./fixtures.js";
import type { StoreHarness } from "./store.js";

/** Collects what a watch hears; `until` polls (for pull-based stores) until the ids arrive or 3 s pass. */
async function listen(store: SessionStore) {
  const heard = new Set<string>();
  let forgets = 0;
  const watch: ChangeWatch = await store.watchChanges((id) => (id === null ? (forgets += 1) : heard.add(id)));
  const until = async (ids: string[]) => {
    for (const started = Date.now(); Date.now() - started < 3000; await new Promise((r) => setTimeout(r, 5))) {
      watch.poll();
      if (ids.every((id) => heard.has(id))) return;
    }
    assert.fail(`not heard: ${ids.filter((id) => !heard.has(id)).join(", ")}`);
  };
  return { heard, until, watch, forgets: () => forgets };
}

const live = { maxActivePerUser: null, nowMs: T0 };

export function changeTests(h: StoreHarness): void {
  describe("rate-limit counters", () => {
    it("adds hits per key and window atomically across every handle on the store", withTwo(h, async (a, b) => {
      const window = Math.floor(Date.now() / 60_000) * 60_000; // a current window: stores may drop past ones at once
      const totals = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).countHits("ip:203.0.113.9", window, 60_000, 1)));
      assert.deepEqual([...totals].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1), "each hit sees a distinct total");
      assert.equal(await a.countHits("ip:203.0.113.9", window, 60_000, 5), 25);
      assert.equal(await b.countHits("ip:203.0.113.9", window + 60_000, 60_000, 1), 1, "a new window starts at zero");
      assert.equal(await b.countHits("key:sdk_x", window, 60_000, 1), 1, "keys are independent");
    }));
  });

  describe("change feed", () => {
    it("tells this process and every other process on the store which sessions changed", withTwo(h, async (a, b) => {
      const here = await listen(a);
      const there = await listen(b);
      assert.equal(here.watch.healthy, true);
      assert.equal(there.watch.healthy, true);
      const record = makeRecord();
      await a.insert(record, live);
      await a.update(record.id, { status: "revoked", endReason: "revoked", revokedAt: T0, endedAt: T0 }, 1);
      await here.until([record.id]);
      await there.until([record.id]);
      await Promise.all([here.watch.stop(), there.watch.stop()]);
    }));

    it("names sessions ended by the per-user limit, by replacement and by ending all of a user's sessions", withTwo(h, async (a, b) => {
      const there = await listen(b);
      const first = makeRecord({ userId: "crowd", lastActiveAt: T0 });
      const second = makeRecord({ userId: "crowd", lastActiveAt: T0 + 1 });
      await a.insert(first, live);
      await a.insert(second, { maxActivePerUser: 1, nowMs: T0 + 2 });
      const third = makeRecord({ userId: "crowd" });
      await a.insert(third, live, second.id);
      const fourth = makeRecord({ userId: "crowd" });
      await a.insert(fourth, live);
      await a.endMany({ tenantId: "acme", userId: "crowd", nowMs: T0 + 3 }, { status: "revoked", endReason: "revoked", atMs: T0 + 3 });
      await there.until([first.id, second.id, third.id, fourth.id]);
      await there.watch.stop();
    }));

    it("is quiet about sessions that did not change, and stops when told", withTwo(h, async (a, b) => {
      const there = await listen(b);
      const untouched = makeRecord();
      await a.insert(untouched, live);
      const touched = makeRecord();
      await a.insert(touched, live);
      await a.update(touched.id, { metadata: { a: 1 } }, 1);
      await there.until([touched.id]);
      assert.equal(there.heard.has(untouched.id), false, "a plain insert changes no existing session");
      await there.watch.stop();
      const after = makeRecord();
      await a.insert(after, live);
      await a.update(after.id, { metadata: { b: 2 } }, 1);
      await new Promise((r) => setTimeout(r, 100));
      there.watch.poll();
      assert.equal(there.heard.has(after.id), false);
    }));
  });
}
