/** The change feed role: what lets a server keep node-local copies of sessions honest. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeWatch, Store } from "../../src/core/store/index.js";
import { makeRecord, T0 } from "./fixtures.js";
import { type StoreHarness, withTwo } from "./store.js";

/** Collects what a watch hears; `until` polls (for pull-based stores) until the ids arrive or 3 s pass. */
async function listen(store: Store) {
  const heard = new Set<string>();
  let forgets = 0;
  const watch: ChangeWatch = await store.changes.watch((id) => {
    if (id === null) forgets += 1;
    else heard.add(id);
  });
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
  describe("change feed", () => {
    it(
      "tells this process and every other process on the store which sessions changed",
      withTwo(h, async (a, b) => {
        const here = await listen(a);
        const there = await listen(b);
        assert.equal(here.watch.healthy, true);
        assert.equal(there.watch.healthy, true);
        const record = makeRecord();
        await a.sessions.insert(record, live);
        await a.sessions.update(record.id, { status: "revoked", endReason: "revoked", revokedAt: T0, endedAt: T0 }, 1);
        await here.until([record.id]);
        await there.until([record.id]);
        await Promise.all([here.watch.stop(), there.watch.stop()]);
      }),
    );

    it(
      "names sessions ended by the per-user limit, by replacement and by ending all of a user's sessions",
      withTwo(h, async (a, b) => {
        const there = await listen(b);
        const first = makeRecord({ userId: "crowd", lastActiveAt: T0 });
        const second = makeRecord({ userId: "crowd", lastActiveAt: T0 + 1 });
        await a.sessions.insert(first, live);
        await a.sessions.insert(second, { maxActivePerUser: 1, nowMs: T0 + 2 });
        const third = makeRecord({ userId: "crowd" });
        await a.sessions.insert(third, live, second.id);
        const fourth = makeRecord({ userId: "crowd" });
        await a.sessions.insert(fourth, live);
        await a.sessions.endMany({ tenantId: "acme", userId: "crowd", nowMs: T0 + 3 }, { status: "revoked", endReason: "revoked", atMs: T0 + 3 });
        await there.until([first.id, second.id, third.id, fourth.id]);
        await there.watch.stop();
      }),
    );

    it(
      "is quiet about sessions that did not change, and stops when told",
      withTwo(h, async (a, b) => {
        const there = await listen(b);
        const untouched = makeRecord();
        await a.sessions.insert(untouched, live);
        const touched = makeRecord();
        await a.sessions.insert(touched, live);
        await a.sessions.update(touched.id, { metadata: { a: 1 } }, 1);
        await there.until([touched.id]);
        assert.equal(there.heard.has(untouched.id), false, "a plain insert changes no existing session");
        await there.watch.stop();
        const after = makeRecord();
        await a.sessions.insert(after, live);
        await a.sessions.update(after.id, { metadata: { b: 2 } }, 1);
        await new Promise((r) => setTimeout(r, 100));
        there.watch.poll();
        assert.equal(there.heard.has(after.id), false);
      }),
    );
  });
}
