/** The session role's sweep: passed deadlines written, old terminal sessions purged, in bounded batches. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeRecord, serviceOn, T0 } from "../fixtures.js";
import { type StoreHarness, withStore } from "../store.js";

const MIN = 60_000;

export function sweeperTests(h: StoreHarness): void {
  describe("sweep", () => {
    it(
      "writes passed deadlines with the deadline as ended_at, at most `limit` per batch",
      withStore(h, async (store) => {
        for (let i = 0; i < 25; i++) {
          const expiring = i < 15;
          await store.sessions.insert(makeRecord({ expireAt: T0 + (expiring ? 10 : 100) * MIN, abandonAt: expiring ? null : T0 + 5 * MIN }), {
            maxActivePerUser: null,
            nowMs: T0,
          });
        }
        await store.sessions.insert(makeRecord({ expireAt: T0 + 999 * MIN, abandonAt: null }), { maxActivePerUser: null, nowMs: T0 });
        const now = T0 + 20 * MIN;
        const first = await store.sessions.sweep(now, 0, 10);
        assert.equal(first.expired + first.abandoned, 10);
        const second = await store.sessions.sweep(now, 0, 10);
        assert.equal(second.expired + second.abandoned, 10);
        const third = await store.sessions.sweep(now, 0, 10);
        assert.equal(third.expired + third.abandoned, 5);
        assert.equal(first.expired + second.expired + third.expired, 15);
        assert.equal(first.abandoned + second.abandoned + third.abandoned, 10);
        assert.deepEqual(await store.sessions.sweep(now, 0, 10), { expired: 0, abandoned: 0, purged: 0 });
        const page = await store.sessions.list({ nowMs: now }, { limit: 100 });
        for (const s of page.items) {
          if (s.status === "expired") assert.equal(s.endedAt, T0 + 10 * MIN);
          if (s.status === "abandoned") assert.equal(s.endedAt, T0 + 5 * MIN);
        }
        assert.equal(page.items.filter((s) => s.status === "active").length, 1);
      }),
    );

    it(
      "purges terminal sessions and their activities only after the retention, in bounded batches",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { retentionMs: 60 * MIN, sweepBatchSize: 4 });
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) {
          const { session } = await sessions.create({ userId: "u", ip: "203.0.113.1" });
          await sessions.revoke(session.id);
          ids.push(session.id);
        }
        const live = await sessions.create({ userId: "u" });
        clock.advance(59 * MIN);
        assert.equal((await sessions.sweep()).purged, 0);
        clock.advance(2 * MIN);
        assert.equal((await store.sessions.sweep(clock.now(), clock.now() - 60 * MIN, 4)).purged, 4);
        const batches: number[] = [];
        const total = await sessions.sweep({ onBatch: (t) => batches.push(t.purged) });
        assert.equal(total.purged, 6);
        assert.deepEqual(batches, [4, 6]);
        for (const id of ids) {
          assert.equal(await store.sessions.get(id), null);
          assert.deepEqual((await store.sessions.activities(id, { limit: 10 })).items, []);
        }
        assert.equal((await sessions.get(live.session.id)).status, "active");
      }),
    );

    it(
      "a paced sweep (batchBudgetMs) sizes its batches by time, still sweeps everything, and rests between batches",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { lifetimeMs: MIN, retentionMs: MIN, sweepBatchSize: 1000 });
        for (let i = 0; i < 300; i++) await sessions.create({ userId: `u${i % 7}` });
        const live = makeRecord({ expireAt: T0 + 999 * MIN, abandonAt: null });
        await store.sessions.insert(live, { maxActivePerUser: null, nowMs: T0 });
        clock.advance(10 * MIN);
        let ranBetween = false;
        setTimeout(() => (ranBetween = true), 0);
        const batches: { total: number; ranBetween: boolean }[] = [];
        const total = await sessions.sweep({ batchBudgetMs: 1000, onBatch: (t) => batches.push({ total: t.expired + t.purged, ranBetween }) });
        assert.deepEqual(total, { expired: 300, abandoned: 0, purged: 300 });
        // The first paced batch is small (100 deadlines, 100 purges), however large sweepBatchSize is; a generous budget then grows it.
        assert.equal(batches[0]!.total, 200);
        assert.ok(batches.length >= 2 && batches.length < 4, `batches: ${JSON.stringify(batches)}`);
        // On an in-process store (memory, SQLite) nothing else could run during the sweep but for the yield between batches.
        assert.equal(batches[1]!.ranBetween, true, "a timer queued before the sweep fired before its second batch");
        assert.equal((await store.sessions.get(live.id))?.status, "active");
      }),
    );

    it(
      "purges sessions whose deadline passed long ago in the same run that writes it",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { lifetimeMs: MIN, retentionMs: MIN });
        const { session } = await sessions.create({ userId: "u" });
        clock.advance(10 * MIN);
        const total = await sessions.sweep();
        assert.equal(total.expired, 1);
        assert.equal(total.purged, 1);
        assert.equal(await store.sessions.get(session.id), null);
      }),
    );
  });
}
