/**
 * Activity writes in batches: the store's `recordActivities` (the same per-write rules as
 * `recordActivity`, in order, idempotent on retry), and the service that queues activity off
 * the response path yet stays exact in its own process (SPEC §3 "Activity").
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock, ManualTimers } from "../../../src/core/clock.js";
import { plainEnricher } from "../../../src/core/context.js";
import type { ActivityChangeSet, Enricher, SessionRecord } from "../../../src/core/model.js";
import type { Settings } from "../../../src/core/policy.js";
import { createSessions } from "../../../src/core/service.js";
import { newId, systemRandom } from "../../../src/core/session-token.js";
import type { ActivityWrite, Store } from "../../../src/core/store/index.js";
import { makeRecord, T0 } from "../fixtures.js";
import { type StoreHarness, withStore } from "../store.js";

const noLimit = { maxActivePerUser: null, nowMs: T0 };
const SEC = 1000;

/** An activity of `record` at `at` from `ip`. */
function activityAt(record: SessionRecord, at: number, ip = "198.51.100.1"): ActivityChangeSet {
  return {
    lastActiveAt: at,
    expireAt: record.expireAt + (at - record.lastActiveAt),
    abandonAt: record.abandonAt === null ? null : at + 30 * 60 * SEC,
    location: `near ${ip}`,
    latestActivity: { ...record.latestActivity!, id: newId("sact", at, systemRandom), sessionId: record.id, at, ipAddress: ip, changed: ["ip"] },
  };
}

async function inserted(store: Store, overrides: Partial<SessionRecord> = {}): Promise<SessionRecord> {
  const record = makeRecord(overrides);
  await store.sessions.insert(record, noLimit);
  return record;
}

const batchOf = (store: Store) => {
  assert.ok(store.sessions.recordActivities, "every built-in store writes activity in batches");
  return store.sessions.recordActivities.bind(store.sessions);
};

/** The fields an activity writes, as offsets from the session's creation (the two sets of sessions are created apart). */
const activityFields = (r: SessionRecord) => ({
  lastActiveAt: r.lastActiveAt - r.createdAt,
  expireAt: r.expireAt - r.createdAt,
  abandonAt: r.abandonAt! - r.createdAt,
  location: r.location,
});

/** Places from the address: 203.0.113.x is in DE, anything else in FR. */
const enricher: Enricher = {
  describe: ({ ip }) => ({ ...plainEnricher.describe({ ip, userAgent: null, clientHints: null }), country: ip?.startsWith("203.0.113.") ? "DE" : "FR" }),
};

/** A service whose batches are written only when the test fires the timers or flushes. */
function queuedService(store: Store, policy: Partial<Settings> = {}) {
  const clock = new ManualClock(T0);
  const timers = new ManualTimers();
  const sessions = createSessions({ store, policy, clock, enricher, activityWrites: { timers } });
  return { sessions, clock, timers };
}

export function activityWriteTests(h: StoreHarness): void {
  describe("activity writes in batches (recordActivities)", () => {
    it(
      "gives the same results and records as one write at a time",
      withStore(h, async (store) => {
        const make = async () => {
          const live = await inserted(store);
          const ended = await inserted(store, { status: "ended", endReason: "signed_out", endedAt: T0 + 5 });
          const deleted = await inserted(store, { isDeleted: true });
          return [live, ended, deleted];
        };
        const one = await make();
        const many = await make();
        const writes = (set: SessionRecord[]) => [
          ...set.map((r) => ({ id: r.id, change: activityAt(r, r.createdAt + 100) })),
          { id: set[0]!.id, change: activityAt(set[0]!, set[0]!.createdAt + 50) },
          { id: "sess_0000000000000000000000000000zz", change: activityAt(set[0]!, set[0]!.createdAt + 100) },
        ];
        const singly: boolean[] = [];
        for (const w of writes(one)) singly.push(await store.sessions.recordActivity(w.id, w.change, 20));
        const batched = await batchOf(store)(writes(many), 20);
        assert.deepEqual(batched, singly);
        assert.deepEqual(batched, [true, false, false, false, false], "ended, deleted, late and unknown are refused");
        for (let i = 0; i < 3; i++) {
          assert.deepEqual(activityFields((await store.sessions.get(many[i]!.id))!), activityFields((await store.sessions.get(one[i]!.id))!));
          const history = async (r: SessionRecord) => (await store.sessions.activities(r.id, { limit: 10 })).items.map((a) => a.at - r.createdAt);
          assert.deepEqual(await history(many[i]!), await history(one[i]!));
        }
      }),
    );

    it(
      "lands two writes for one session in one batch, in order",
      withStore(h, async (store) => {
        const record = await inserted(store);
        const other = await inserted(store);
        const writes: ActivityWrite[] = [
          { id: record.id, change: activityAt(record, T0 + 100, "198.51.100.1") },
          { id: other.id, change: activityAt(other, T0 + 100) },
          { id: record.id, change: activityAt(record, T0 + 200, "198.51.100.2") },
        ];
        assert.deepEqual(await batchOf(store)(writes, 20), [true, true, true]);
        const after = (await store.sessions.get(record.id))!;
        assert.equal(after.lastActiveAt, T0 + 200);
        assert.equal(after.latestActivity!.ipAddress, "198.51.100.2");
        assert.equal(after.version, record.version, "activity never changes the version");
        assert.equal(after.status, "active");
        const history = (await store.sessions.activities(record.id, { limit: 10 })).items;
        assert.deepEqual(
          history.map((a) => a.ipAddress),
          ["198.51.100.2", "198.51.100.1", "203.0.113.7"],
        );
      }),
    );

    it(
      "never moves time back, and appends nothing twice when a batch is retried",
      withStore(h, async (store) => {
        const record = await inserted(store);
        const late = [
          { id: record.id, change: activityAt(record, T0 + 200) },
          { id: record.id, change: activityAt(record, T0 + 100) },
        ];
        assert.deepEqual(await batchOf(store)(late, 20), [true, false]);
        assert.equal((await store.sessions.get(record.id))!.lastActiveAt, T0 + 200);
        await batchOf(store)(late, 20);
        const history = (await store.sessions.activities(record.id, { limit: 10 })).items;
        assert.deepEqual(
          history.map((a) => a.at),
          [T0 + 200, record.createdAt],
        );
      }),
    );

    it(
      "keeps the newest activities up to the history limit",
      withStore(h, async (store) => {
        const record = await inserted(store);
        const writes = [1, 2, 3, 4, 5].map((i) => ({ id: record.id, change: activityAt(record, T0 + i * 100) }));
        await batchOf(store)(writes, 3);
        const history = (await store.sessions.activities(record.id, { limit: 10 })).items;
        assert.deepEqual(
          history.map((a) => a.at),
          [T0 + 500, T0 + 400, T0 + 300],
        );
      }),
    );
  });

  describe("activity off the response path (the service)", () => {
    it(
      "shows a queued activity to its own process at once, and queues nothing twice for one IP and UA",
      withStore(h, async (store) => {
        const { sessions, clock } = queuedService(store);
        const { session, token } = await sessions.create({ userId: "u", ip: "203.0.113.9", userAgent: "UA/1" });
        clock.advance(SEC);
        await sessions.verify(token, { ip: "198.51.100.4", userAgent: "UA/1" });
        assert.equal(sessions.activityWrites?.depth, 1);
        assert.equal((await store.sessions.get(session.id))!.latestActivity!.ipAddress, "203.0.113.9", "the store has not seen it yet");
        const seen = await sessions.get(session.id);
        assert.equal(seen.latestActivity!.ipAddress, "198.51.100.4", "but a GET in this process does");
        assert.equal(seen.lastActiveAt, T0 + SEC);
        clock.advance(SEC);
        const again = await sessions.verify(token, { ip: "198.51.100.4", userAgent: "UA/1" });
        assert.equal(again.valid && again.session.latestActivity!.ipAddress, "198.51.100.4");
        assert.equal(sessions.activityWrites?.depth, 1, "the same IP and UA again is no new activity");
        clock.advance(SEC);
        await sessions.verify(token, { ip: "198.51.100.4", userAgent: "UA/2" });
        assert.equal(sessions.activityWrites?.depth, 2);
        clock.advance(SEC);
        await sessions.verify(token, { ip: "198.51.100.5", userAgent: "UA/2" });
        const history = await sessions.activities(session.id);
        assert.deepEqual(
          history.data.map((a) => [a.ipAddress, a.at - T0, a.changed]),
          [
            ["198.51.100.5", 4 * SEC, ["ip"]],
            ["198.51.100.4", 3 * SEC, []],
            ["198.51.100.4", SEC, ["ip", "country"]],
            ["203.0.113.9", 0, []],
          ],
          "changed is computed against the newest activity, queued or not",
        );
        assert.equal(sessions.activityWrites?.depth, 0, "the activities page wrote the queue first");
      }),
    );

    it(
      "lets lists, who is online and stats see the activity a verify just queued",
      withStore(h, async (store) => {
        const { sessions, clock } = queuedService(store);
        const first = await sessions.create({ userId: "ann", ip: "203.0.113.1" });
        clock.advance(SEC);
        await sessions.create({ userId: "bob", ip: "203.0.113.1" });
        clock.advance(SEC);
        await sessions.verify(first.token, { ip: "203.0.113.2" });
        const users = await sessions.users({});
        assert.deepEqual(
          users.data.map((u) => [u.userId, u.lastActiveAt]),
          [
            ["ann", T0 + 2 * SEC],
            ["bob", T0 + SEC],
          ],
        );
        await sessions.verify(first.token, { ip: "198.51.100.3" });
        assert.deepEqual({ ...(await sessions.stats({})).byCountry }, { DE: 1, FR: 1 });
        clock.advance(SEC);
        await sessions.verify(first.token, { ip: "203.0.113.3" });
        const listed = await sessions.list({ userId: "ann" });
        assert.equal(listed.data[0]!.latestActivity!.ipAddress, "203.0.113.3");
        assert.equal(sessions.activityWrites?.depth, 0);
      }),
    );

    it(
      "writes a session's queued activity before a state change, which stays on the response path",
      withStore(h, async (store) => {
        const { sessions, clock } = queuedService(store);
        const { session, token } = await sessions.create({ userId: "u", ip: "203.0.113.9" });
        clock.advance(SEC);
        await sessions.verify(token, { ip: "198.51.100.4" });
        const revoked = await sessions.revoke(session.id);
        assert.equal(revoked.status, "revoked");
        const stored = (await store.sessions.get(session.id))!;
        assert.equal(stored.status, "revoked", "the revocation is in the store when it is answered");
        assert.equal(stored.latestActivity!.ipAddress, "198.51.100.4", "the activity before it landed first");
        assert.equal((await sessions.activities(session.id)).data.length, 2);
      }),
    );

    it(
      "writes on the response path an activity that moves an idle deadline due soon",
      withStore(h, async (store) => {
        const { sessions, clock } = queuedService(store, { inactivityTimeoutMs: 60 * SEC });
        const { session, token } = await sessions.create({ userId: "u", ip: "203.0.113.9" });
        clock.advance(20 * SEC);
        await sessions.verify(token, { ip: "203.0.113.9" });
        assert.equal(sessions.activityWrites?.depth, 1, "a deadline 40 s away can wait for the batch");
        clock.advance(59 * SEC); // 1 s before the queued activity's idle deadline (T0 + 80 s)
        await sessions.verify(token, { ip: "203.0.113.9" });
        const stored = (await store.sessions.get(session.id))!;
        assert.equal(stored.abandonAt, T0 + 79 * SEC + 60 * SEC, "written before the old deadline could pass");
        assert.equal(sessions.activityWrites?.depth, 0);
        assert.equal((await sessions.activities(session.id)).data.length, 3, "the queued one landed before it, in order");
      }),
    );

    it(
      "decides the per-user limit on the newest activity, queued or not",
      withStore(h, async (store) => {
        const { sessions, clock } = queuedService(store, { maxSessionsPerUser: 2 });
        const oldest = await sessions.create({ userId: "u", userAgent: "UA/1" });
        clock.advance(SEC);
        const middle = await sessions.create({ userId: "u", userAgent: "UA/1" });
        clock.advance(SEC);
        await sessions.verify(oldest.token, { userAgent: "UA/2" }); // now the most recently active
        await sessions.create({ userId: "u" });
        assert.equal((await sessions.get(middle.session.id)).status, "removed");
        assert.equal((await sessions.get(oldest.session.id)).status, "active");
      }),
    );

    it(
      "writes the queue when the service closes, before the store closes",
      withStore(h, async (store) => {
        let heldAtClose: string | null | undefined;
        // The real store is closed by withStore; this one only notes what the store held when the service closed it.
        const noting = Object.assign(Object.create(store) as Store, {
          close: async () => {
            heldAtClose = (await store.sessions.get(session.id))!.latestActivity!.ipAddress;
          },
        });
        const { sessions, clock } = queuedService(noting);
        const { session, token } = await sessions.create({ userId: "u", ip: "203.0.113.9" });
        clock.advance(SEC);
        await sessions.verify(token, { ip: "198.51.100.4" });
        await sessions.close();
        assert.equal(heldAtClose, "198.51.100.4");
      }),
    );
  });
}
