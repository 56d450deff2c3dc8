/**
 * The outbox (SPEC §9): every session-role write given an event stamp stores its events in the
 * same atomic step (one per changed session, none when the condition failed, none twice on a
 * retry), and the outbox role reads them back in commit order, exactly once per reader.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type EventStamp, type SessionEvent, eventId, eventRecord, newEventStamp, SYSTEM } from "../../src/core/events.js";
import { isSessiondError } from "../../src/core/errors.js";
import type { ActivityChangeSet, SessionRecord } from "../../src/core/model.js";
import { newId, systemRandom } from "../../src/core/session-token.js";
import type { Store } from "../../src/core/store/index.js";
import { makeRecord, T0 } from "./fixtures.js";
import { type StoreHarness, withStore, withTwo } from "./store.js";

const MIN = 60_000;
const noLimit = { maxActivePerUser: null, nowMs: T0 };
const byKey = { type: "api_key" as const, id: "key_1" };

const stamp = (signals?: EventStamp["signals"]): EventStamp => newEventStamp(systemRandom, T0, byKey, signals);

/** Every readable event, oldest first (relayed first, as a reader does). */
async function allEvents(store: Store, filter = {}): Promise<SessionEvent[]> {
  await store.outbox.relay();
  const out: SessionEvent[] = [];
  let key: string | null = null;
  for (;;) {
    const page = await store.outbox.read(filter, key, 50);
    out.push(...page.items);
    if (page.nextKey === key) return out;
    key = page.nextKey;
  }
}

const summary = (events: SessionEvent[]) => events.map((e) => `${e.type} ${e.sessionId}`);

function activityOf(record: SessionRecord, at: number, changed: ActivityChangeSet["latestActivity"]["changed"]): ActivityChangeSet {
  return {
    lastActiveAt: at,
    expireAt: record.expireAt + (at - record.lastActiveAt),
    abandonAt: record.abandonAt,
    location: "Paris, FR",
    latestActivity: {
      ...record.latestActivity!,
      id: newId("sact", at, systemRandom),
      sessionId: record.id,
      at,
      ipAddress: "198.51.100.9",
      country: "FR",
      changed,
    },
  };
}

export function outboxTests(h: StoreHarness): void {
  describe("outbox", () => {
    it(
      "stores the created session's event with the record as stored, its signals and who did it; nothing without a stamp",
      withStore(h, async (store) => {
        const quiet = makeRecord();
        await store.sessions.insert(quiet, noLimit);
        assert.deepEqual(await allEvents(store), []);
        const record = makeRecord();
        const s = stamp({ newDevice: true, newCountry: false, newBrowser: true });
        await store.sessions.insert(record, noLimit, undefined, s);
        const pending = makeRecord({ status: "pending" });
        await store.sessions.insert(pending, noLimit, undefined, stamp());
        const [created, pend, ...rest] = await allEvents(store);
        assert.equal(rest.length, 0);
        assert.equal(created!.id, eventId(s.idBase, 0));
        assert.equal(created!.type, "session.created");
        assert.equal(created!.tenantId, record.tenantId);
        assert.equal(created!.userId, record.userId);
        assert.equal(created!.sessionId, record.id);
        assert.equal(created!.timestamp, T0);
        assert.deepEqual(created!.initiatedBy, byKey);
        assert.deepEqual(created!.signals, { newDevice: true, newCountry: false, newBrowser: true });
        assert.deepEqual(created!.record, eventRecord((await store.sessions.get(record.id))!), "the record as stored, without its secret digests");
        assert.equal("secretHash" in created!.record, false);
        assert.equal(pend!.type, "session.pending");
        assert.equal(pend!.signals, null);
      }),
    );

    it(
      "writes replaced and removed (limit) events before the created one, one per changed session",
      withStore(h, async (store) => {
        const older = makeRecord({ userId: "u", lastActiveAt: T0 - 2 * MIN });
        const old = makeRecord({ userId: "u", lastActiveAt: T0 - MIN });
        await store.sessions.insert(older, noLimit);
        await store.sessions.insert(old, noLimit);
        const incoming = makeRecord({ userId: "u" });
        const s = stamp();
        const { evicted } = await store.sessions.insert(incoming, { maxActivePerUser: 1, nowMs: T0 }, old.id, s);
        assert.deepEqual(evicted, [older.id]);
        const events = await allEvents(store);
        assert.deepEqual(summary(events), [`session.replaced ${old.id}`, `session.removed ${older.id}`, `session.created ${incoming.id}`]);
        assert.deepEqual(
          events.map((e) => e.id),
          [0, 1, 2].map((n) => eventId(s.idBase, n)),
        );
        assert.equal(events[0]!.record.status, "replaced");
        assert.equal(events[1]!.record.status, "removed");
        assert.equal(events[1]!.record.endReason, "session_limit");
        assert.equal(events[1]!.signals, null);
      }),
    );

    it(
      "types an update by what it changed, and writes nothing when its condition fails",
      withStore(h, async (store) => {
        const record = makeRecord();
        await store.sessions.insert(record, noLimit);
        await assert.rejects(store.sessions.update(record.id, { metadata: { a: 1 } }, 99, undefined, stamp()), (e) => isSessiondError(e, "conflict"));
        assert.deepEqual(await allEvents(store), []);
        let v = (await store.sessions.update(record.id, { metadata: { a: 1 }, updatedAt: T0 + 1 }, 1, undefined, stamp())).version;
        v = (
          await store.sessions.update(
            record.id,
            { status: "revoked", endReason: "token_reused", revokedAt: T0 + 2, endedAt: T0 + 2, updatedAt: T0 + 2 },
            v,
            undefined,
            stamp(),
          )
        ).version;
        await store.sessions.update(record.id, { isDeleted: true, updatedAt: T0 + 3 }, v, undefined, stamp());
        const events = await allEvents(store);
        assert.deepEqual(
          events.map((e) => [e.type, e.timestamp, e.record.version]),
          [
            ["session.updated", T0 + 1, 2],
            ["session.token_reused", T0 + 2, 3],
            ["session.revoked", T0 + 2, 3],
            ["session.deleted", T0 + 3, 4],
          ],
        );
        assert.deepEqual(events[0]!.record.metadata, { a: 1 }, "the snapshot is the session as it was then, not as it is now");
        assert.equal(events[1]!.record.isDeleted, false);
      }),
    );

    it(
      "activating under a limit writes the removed sessions' events, then session.activated",
      withStore(h, async (store) => {
        const other = makeRecord({ userId: "u", lastActiveAt: T0 - MIN });
        const waiting = makeRecord({ userId: "u", status: "pending" });
        await store.sessions.insert(other, noLimit);
        await store.sessions.insert(waiting, noLimit);
        await store.sessions.update(waiting.id, { status: "active", updatedAt: T0 + 5 }, 1, { maxActivePerUser: 1, nowMs: T0 + 5 }, stamp());
        assert.deepEqual(summary(await allEvents(store)), [`session.removed ${other.id}`, `session.activated ${waiting.id}`]);
      }),
    );

    it(
      "writes session.activity_changed only for writes that carry a stamp and land, once per retried batch",
      withStore(h, async (store) => {
        const a = makeRecord();
        const b = makeRecord();
        const ended = makeRecord({ status: "ended", endReason: "signed_out", endedAt: T0 });
        for (const r of [a, b, ended]) await store.sessions.insert(r, noLimit);
        assert.equal(await store.sessions.recordActivity(a.id, activityOf(a, T0 + 1000, []), 10), true);
        const s = stamp({ newDevice: false, newCountry: true, newBrowser: false });
        assert.equal(await store.sessions.recordActivity(a.id, activityOf(a, T0 + 2000, ["ip", "country"]), 10, s), true);
        assert.equal(await store.sessions.recordActivity(ended.id, activityOf(ended, T0 + 2000, ["ip"]), 10, stamp()), false);
        const writes = [
          { id: b.id, change: activityOf(b, T0 + 3000, ["ip"]), event: stamp() },
          { id: ended.id, change: activityOf(ended, T0 + 3000, ["ip"]), event: stamp() },
        ];
        if (store.sessions.recordActivities) {
          assert.deepEqual(await store.sessions.recordActivities(writes, 10), [true, false]);
          await store.sessions.recordActivities(writes, 10); // a retry after an unclear failure
        } else for (const w of writes) await store.sessions.recordActivity(w.id, w.change, 10, w.event);
        const events = await allEvents(store);
        assert.deepEqual(summary(events), [`session.activity_changed ${a.id}`, `session.activity_changed ${b.id}`]);
        assert.equal(events[0]!.id, eventId(s.idBase, 0));
        assert.equal(events[0]!.timestamp, T0 + 2000);
        assert.deepEqual(events[0]!.signals, { newDevice: false, newCountry: true, newBrowser: false });
        assert.deepEqual(events[0]!.record.latestActivity!.changed, ["ip", "country"]);
      }),
    );

    it(
      "writes one event per session a revoke-all ends, none for those already ended",
      withStore(h, async (store) => {
        const keep = makeRecord({ userId: "u" });
        const one = makeRecord({ userId: "u" });
        const two = makeRecord({ userId: "u", status: "pending" });
        const done = makeRecord({ userId: "u", status: "ended", endReason: "signed_out", endedAt: T0 });
        for (const r of [keep, one, two, done]) await store.sessions.insert(r, noLimit);
        const ended = await store.sessions.endMany(
          { tenantId: "acme", userId: "u", exceptId: keep.id, nowMs: T0 + 5 },
          { status: "revoked", endReason: "revoked", atMs: T0 + 5 },
          stamp(),
        );
        const events = await allEvents(store);
        assert.deepEqual(events.map((e) => e.sessionId).sort(), [...ended].sort());
        assert.deepEqual([...ended].sort(), [one.id, two.id].sort());
        for (const e of events) {
          assert.equal(e.type, "session.revoked");
          assert.equal(e.timestamp, T0 + 5);
          assert.equal(e.record.status, "revoked");
        }
        await store.sessions.endMany({ tenantId: "acme", userId: "u", nowMs: T0 + 6 }, { status: "removed", endReason: "user_removed", atMs: T0 + 6 }, stamp());
        assert.deepEqual(summary((await allEvents(store)).slice(2)), [`session.removed ${keep.id}`]);
      }),
    );

    it(
      "writes passive ends from the sweep with the deadline as their timestamp, by the system",
      withStore(h, async (store) => {
        const expiring = makeRecord({ expireAt: T0 + 10 * MIN, abandonAt: null });
        const idle = makeRecord({ expireAt: T0 + 100 * MIN, abandonAt: T0 + 5 * MIN });
        for (const r of [expiring, idle]) await store.sessions.insert(r, noLimit);
        await store.sessions.sweep(T0 + 20 * MIN, 0, 10, newEventStamp(systemRandom, T0 + 20 * MIN, SYSTEM));
        const events = await allEvents(store);
        const byType = Object.fromEntries(events.map((e) => [e.type, e]));
        assert.equal(events.length, 2);
        assert.equal(byType["session.expired"]!.timestamp, T0 + 10 * MIN);
        assert.equal(byType["session.expired"]!.sessionId, expiring.id);
        assert.equal(byType["session.abandoned"]!.timestamp, T0 + 5 * MIN);
        assert.equal(byType["session.abandoned"]!.record.status, "abandoned");
        assert.deepEqual(byType["session.expired"]!.initiatedBy, SYSTEM);
        await store.sessions.sweep(T0 + 30 * MIN, 0, 10, stamp());
        assert.equal((await allEvents(store)).length, 2, "a session is swept once");
      }),
    );

    it(
      "pages oldest first with filters, moving past filtered-out events; finds positions by id and time; purges by time",
      withStore(h, async (store) => {
        const records = [
          makeRecord({ tenantId: "acme", userId: "ann" }),
          makeRecord({ tenantId: "globex", userId: "bob" }),
          makeRecord({ tenantId: "acme", userId: "cid" }),
        ];
        for (const [i, r] of records.entries()) await store.sessions.insert(r, { maxActivePerUser: null, nowMs: T0 + i * MIN }, undefined, stamp());
        await store.sessions.update(
          records[0]!.id,
          { status: "ended", endReason: "signed_out", endedAt: T0 + 5 * MIN, updatedAt: T0 + 5 * MIN },
          1,
          undefined,
          stamp(),
        );
        await store.outbox.relay();
        const first = await store.outbox.read({}, null, 2);
        assert.deepEqual(
          first.items.map((e) => e.sessionId),
          [records[0]!.id, records[1]!.id],
        );
        const second = await store.outbox.read({}, first.nextKey, 10);
        assert.deepEqual(summary(second.items), [`session.created ${records[2]!.id}`, `session.ended ${records[0]!.id}`]);
        const empty = await store.outbox.read({}, second.nextKey, 10);
        assert.deepEqual(empty, { items: [], nextKey: second.nextKey }, "an empty page keeps the position");
        assert.deepEqual(summary((await store.outbox.read({ tenantId: "acme", types: ["session.ended"] }, null, 10)).items), [
          `session.ended ${records[0]!.id}`,
        ]);
        assert.deepEqual(summary(await allEvents(store, { userId: "bob" })), [`session.created ${records[1]!.id}`]);
        const filtered = await store.outbox.read({ tenantId: "nobody" }, null, 10);
        assert.equal(filtered.items.length, 0);
        assert.deepEqual((await store.outbox.read({}, filtered.nextKey, 10)).items, [], "events that did not match still move the position");
        const afterFirst = await store.outbox.positionOf(first.items[0]!.id);
        assert.ok(afterFirst !== null);
        assert.equal((await store.outbox.read({}, afterFirst, 1)).items[0]!.sessionId, records[1]!.id);
        assert.equal(await store.outbox.positionOf("evt_unknown"), null);
        const fromTwo = await store.outbox.read({}, await store.outbox.positionAt(T0 + 2 * MIN), 10);
        assert.equal(fromTwo.items[0]!.sessionId, records[2]!.id, "a replay from a time starts at the first event at or after it");
        assert.deepEqual((await store.outbox.read({}, await store.outbox.positionAt(null), 10)).items, [], "the end is after the newest");
        await assert.rejects(store.outbox.read({}, "not a position", 10), (e) => isSessiondError(e, "request_invalid"));
        assert.equal(await store.outbox.purge(T0 + 2 * MIN, 10), 2);
        assert.deepEqual(
          (await allEvents(store)).map((e) => e.timestamp),
          [T0 + 2 * MIN, T0 + 5 * MIN],
        );
      }),
    );

    it(
      "hands every event to a paging reader exactly once while two handles commit concurrently",
      withTwo(h, async (a, b) => {
        const changes = 120;
        const seen: string[] = [];
        let key: string | null = null;
        let writing = true;
        const read = async () => {
          for (;;) {
            const stillWriting = writing;
            await (seen.length % 2 === 0 ? a : b).outbox.relay();
            const page = await a.outbox.read({}, key, 25);
            seen.push(...page.items.map((e) => e.id));
            key = page.nextKey;
            if (!stillWriting && page.items.length === 0) return;
            if (page.items.length === 0) await new Promise((r) => setTimeout(r, 2));
          }
        };
        const write = async (store: Store, n: number) => {
          for (let i = 0; i < n; i++) {
            const record = makeRecord({ userId: `w${i % 7}` });
            await store.sessions.insert(record, noLimit, undefined, stamp());
            if (i % 3 === 0) await store.sessions.update(record.id, { metadata: { i }, updatedAt: T0 + i }, 1, undefined, stamp());
          }
        };
        const reader = read();
        await Promise.all([write(a, changes / 2), write(b, changes / 2)]);
        writing = false;
        await reader;
        const expected = changes + 2 * Math.ceil(changes / 2 / 3);
        assert.equal(seen.length, expected);
        assert.equal(new Set(seen).size, expected, "no event twice");
      }),
    );
  });
}
