/** Racing callers, on one handle and across two handles of one backend: exactly one outcome each time. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError } from "../../../src/core/errors.js";
import { makeRecord, serviceOn, T0 } from "../fixtures.js";
import { type StoreHarness, withTwo } from "../store.js";

export function concurrencyTests(h: StoreHarness): void {
  describe("concurrency", () => {
    it(
      "lets exactly one of two writes at the same version win",
      withTwo(h, async (a, b) => {
        const record = makeRecord();
        await a.sessions.insert(record, { maxActivePerUser: null, nowMs: T0 });
        const results = await Promise.allSettled([
          a.sessions.update(record.id, { status: "revoked", endReason: "revoked", revokedAt: T0, endedAt: T0 }, 1),
          b.sessions.update(record.id, { status: "ended", endReason: "signed_out", endedAt: T0 }, 1),
        ]);
        assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
        const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
        assert.ok(isSessiondError(loser.reason, "conflict"));
        assert.equal((await a.sessions.get(record.id))!.version, 2);
      }),
    );

    it(
      "never resurrects a session when a revoke races a refresh",
      withTwo(h, async (a, b) => {
        for (let round = 0; round < 5; round++) {
          const one = serviceOn(a).sessions;
          const two = serviceOn(b).sessions;
          const { session, token } = await one.create({ userId: "u" });
          const [revoke, refresh] = await Promise.allSettled([one.revoke(session.id), two.refresh(token)]);
          assert.equal(revoke.status, "fulfilled");
          assert.equal((await one.get(session.id)).status, "revoked");
          if (refresh.status === "fulfilled") assert.deepEqual(await two.verify(refresh.value.token), { valid: false, code: "session_revoked" });
          else assert.ok(isSessiondError(refresh.reason, "session_revoked"));
        }
      }),
    );

    it(
      "mints exactly one successor when one token is refreshed many times at once",
      withTwo(h, async (a, b) => {
        const one = serviceOn(a).sessions;
        const two = serviceOn(b).sessions;
        const { token } = await one.create({ userId: "u" });
        const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).refresh(token)));
        const won = results.filter((r) => r.status === "fulfilled");
        assert.equal(won.length, 1);
        for (const r of results) if (r.status === "rejected") assert.ok(isSessiondError(r.reason, "refresh_conflict"), String(r.reason));
      }),
    );

    it(
      "leaves a session revoked when a throttled activity write races the revoke",
      withTwo(h, async (a, b) => {
        for (let round = 0; round < 5; round++) {
          const one = serviceOn(a, { activityResolutionMs: 1 });
          const two = serviceOn(b, { activityResolutionMs: 1 });
          const { session, token } = await one.sessions.create({ userId: "u" });
          two.clock.advance(1000);
          await Promise.all([two.sessions.verify(token), one.sessions.revoke(session.id)]);
          const after = await one.sessions.get(session.id);
          assert.equal(after.status, "revoked");
          assert.deepEqual(await two.sessions.verify(token), { valid: false, code: "session_revoked" });
        }
      }),
    );

    it(
      "holds the per-user limit under concurrent creates",
      withTwo(h, async (a, b) => {
        const one = serviceOn(a, { maxSessionsPerUser: 3 }).sessions;
        const two = serviceOn(b, { maxSessionsPerUser: 3 }).sessions;
        await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).create({ userId: "u" })));
        assert.equal((await one.list({ userId: "u", status: "active" })).totalCount, 3);
        assert.equal((await one.list({ userId: "u", status: "removed" })).totalCount, 27);
      }),
    );

    it(
      "lets exactly one of racing verifies use a one-time session",
      withTwo(h, async (a, b) => {
        const one = serviceOn(a).sessions;
        const two = serviceOn(b).sessions;
        const { token } = await one.create({ userId: "u", sessionType: "one_time_access" });
        const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? one : two).verify(token)));
        assert.equal(results.filter((r) => r.valid).length, 1);
      }),
    );

    it(
      "shows a revoke through one handle to the other at once",
      withTwo(h, async (a, b) => {
        const one = serviceOn(a).sessions;
        const two = serviceOn(b).sessions;
        const { session, token } = await one.create({ userId: "u" });
        assert.equal((await two.verify(token)).valid, true);
        await one.revoke(session.id);
        assert.deepEqual(await two.verify(token), { valid: false, code: "session_revoked" });
      }),
    );
  });
}
