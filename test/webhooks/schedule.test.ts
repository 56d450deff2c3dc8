/**
 * The retry schedule and the endpoint's fate on a manual clock (SPEC §9): a delivery is marked
 * failed after its last attempt, and an endpoint failing every attempt for 5 days is disabled.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { createSessions } from "../../src/core/service.js";
import { addEndpoint, answerWith, BACKENDS, startReceiver, testDispatcher } from "./support.js";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

for (const backend of BACKENDS) {
  describe(`webhook retry schedule (${backend.name})`, () => {
    it("tries a failing delivery once per step of the schedule, then marks it failed with no next attempt", async (t) => {
      const store = await backend.open();
      const r = await startReceiver(answerWith(500));
      t.after(() => Promise.all([r.close(), store.close()]));
      const clock = new ManualClock(Date.now());
      const endpoint = await addEndpoint(store, r.url);
      await createSessions({ store, clock, activityWrites: false }).create({ userId: "u1", tenantId: "acme" });
      const failures: boolean[] = [];
      const dispatcher = testDispatcher(store, { clock, retryScheduleMs: [1_000, 2_000, 3_000], jitter: () => 0.5, onFailure: (f) => failures.push(f.final) });
      await dispatcher.runOnce();
      for (const step of [1_000, 2_000, 3_000]) {
        clock.advance(step - 1);
        await dispatcher.runOnce();
        assert.equal(r.received.length, failures.length, "nothing is tried before its step");
        clock.advance(1_000);
        await dispatcher.runOnce();
      }
      clock.advance(DAY);
      await dispatcher.runOnce();
      const log = (await store.webhooks.attempts(endpoint.id, { limit: 10 })).items.reverse();
      assert.deepEqual(
        log.map((a) => [a.attempt, a.status, a.nextAttemptAt === null, a.responseStatus]),
        [
          [1, "pending", false, 500],
          [2, "pending", false, 500],
          [3, "pending", false, 500],
          [4, "failed", true, 500],
        ],
      );
      for (const [i, step] of [1_000, 2_000, 3_000].entries()) assert.ok(log[i + 1]!.at - log[i]!.at >= step, `step ${i + 1} waited`);
      assert.deepEqual(failures, [false, false, false, true]);
      assert.equal(r.received.length, 4);
      assert.deepEqual(await store.webhooks.due(endpoint.id, Number.MAX_SAFE_INTEGER, 10), []);
      assert.equal(dispatcher.stats.failed, 1);
      assert.equal(dispatcher.stats.retries, 3);
    });

    it("disables an endpoint that failed every attempt for 5 days, and sends it nothing more", async (t) => {
      const store = await backend.open();
      const r = await startReceiver(answerWith(503));
      t.after(() => Promise.all([r.close(), store.close()]));
      const clock = new ManualClock(Date.now());
      const sessions = createSessions({ store, clock, activityWrites: false });
      const endpoint = await addEndpoint(store, r.url);
      const dispatcher = testDispatcher(store, { clock, retryScheduleMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] });
      let firstFailureAt: number | null = null;
      for (let i = 0; i < 40; i++) {
        await sessions.create({ userId: `u${i}`, tenantId: "acme" });
        const sentBefore = r.received.length;
        await dispatcher.runOnce();
        const attempted = r.received.length > sentBefore;
        const stored = (await store.webhooks.get(endpoint.id))!;
        firstFailureAt ??= stored.dispatch.failingSince;
        const failingFor = clock.now() - (firstFailureAt ?? clock.now());
        if (stored.disabled) {
          assert.equal(stored.disabledReason, "failing");
          assert.equal(stored.dispatch.failingSince, firstFailureAt);
          assert.ok(attempted, "disabled by a failing attempt");
          assert.ok(failingFor >= 5 * DAY, "not before 5 days");
          // The endpoint pauses up to 12 h (10 h + 20 %) between probes: the first probe after 5 days disables it.
          assert.ok(failingFor < 5 * DAY + 12 * HOUR + 11 * HOUR, "at the first failing attempt after 5 days");
          break;
        }
        if (attempted) assert.ok(failingFor < 5 * DAY, `an attempt failed ${failingFor / HOUR} h into the failures without disabling`);
        clock.advance(11 * HOUR);
      }
      assert.equal((await store.webhooks.get(endpoint.id))!.disabled, true);
      const sent = r.received.length;
      await sessions.create({ userId: "late", tenantId: "acme" });
      clock.advance(DAY);
      await dispatcher.runOnce();
      assert.equal(r.received.length, sent, "a disabled endpoint is sent nothing");
    });
  });
}
