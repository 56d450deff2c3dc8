import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryStore } from "../stores/memory/index.js";
import { ActivityWriter, type ActivityFailure } from "./activity-writer.js";
import { ManualTimers } from "./clock.js";
import { SessiondError } from "./errors.js";
import type { ActivityChangeSet, SessionRecord } from "./model.js";
import type { ActivityWrite, SessionStore } from "./store/index.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function change(at: number, ip = "203.0.113.1"): ActivityChangeSet {
  return {
    lastActiveAt: at,
    expireAt: at + 60_000,
    abandonAt: null,
    location: null,
    latestActivity: {
      id: `sact_${String(at).padStart(26, "0")}`,
      sessionId: "s",
      at,
      ipAddress: ip,
      userAgent: null,
      isMobile: false,
      city: null,
      country: null,
      browserName: null,
      browserVersion: null,
      deviceType: null,
      osName: null,
      location: null,
      changed: [],
    },
  };
}

/** A session store that records the batches it is given, and fails the first `failures` calls. */
function recordingStore(failures = 0, batch = true): { store: SessionStore; calls: ActivityWrite[][] } {
  const calls: ActivityWrite[][] = [];
  let left = failures;
  const base = memoryStore().sessions;
  const recordActivities = async (writes: readonly ActivityWrite[]) => {
    calls.push([...writes]);
    if (left-- > 0) throw new SessiondError("store_unavailable", "down");
    return writes.map(() => true);
  };
  const store = Object.assign(Object.create(base) as SessionStore, {
    recordActivities: batch ? recordActivities : undefined,
    recordActivity: async (id: string, c: ActivityChangeSet) => {
      calls.push([{ id, change: c }]);
      return true;
    },
  });
  return { store, calls };
}

const session = (id: string, userId = "u") => ({ id, tenantId: "t", userId });

describe("the activity writer", () => {
  it("writes what arrives within one batch interval in one store call, in order", async () => {
    const timers = new ManualTimers();
    const { store, calls } = recordingStore();
    const writer = new ActivityWriter(store, 20, { timers, batchMs: 5 });
    assert.equal(writer.add(session("a"), change(1)), null);
    assert.equal(writer.add(session("b"), change(2)), null);
    assert.equal(writer.add(session("a"), change(3)), null);
    assert.deepEqual(timers.waiting, [5], "one timer for the batch");
    await tick();
    assert.equal(calls.length, 0, "nothing is written before the interval");
    timers.fire();
    await writer.flush();
    assert.deepEqual(
      calls.map((c) => c.map((w) => `${w.id}@${w.change.lastActiveAt}`)),
      [["a@1", "b@2", "a@3"]],
    );
    assert.deepEqual(writer.stats, { depth: 0, batches: 1, writes: 3, dropped: 0, failures: 0 });
  });

  it("writes a full batch at once, without waiting for the interval", async () => {
    const timers = new ManualTimers();
    const { store, calls } = recordingStore();
    const writer = new ActivityWriter(store, 20, { timers, maxBatch: 2 });
    writer.add(session("a"), change(1));
    writer.add(session("b"), change(2));
    await tick();
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.length, 2);
  });

  it("makes a caller wait for the next batch when the queue is full, instead of growing it", async () => {
    const timers = new ManualTimers();
    const { store, calls } = recordingStore();
    const writer = new ActivityWriter(store, 20, { timers, maxBatch: 2, maxQueue: 2 });
    assert.equal(writer.add(session("a"), change(1)), null);
    const waiting = writer.add(session("b"), change(2));
    const third = writer.add(session("c"), change(3));
    assert.notEqual(third, null, "past the queue's bound the caller waits");
    await third;
    assert.ok(calls.length >= 1, "it waited for a batch to be written");
    await waiting;
    await writer.flush();
    assert.equal(writer.stats.writes, 3);
  });

  it("overlays a pending write on what is read, until it has landed", async () => {
    const timers = new ManualTimers();
    const { store } = recordingStore();
    const writer = new ActivityWriter(store, 20, { timers });
    const record = { id: "a", status: "active", isDeleted: false, lastActiveAt: 0, expireAt: 10, abandonAt: null } as unknown as SessionRecord;
    writer.add(session("a"), change(5, "198.51.100.7"));
    assert.equal(writer.overlay(record).lastActiveAt, 5);
    assert.equal(writer.overlay(record).latestActivity?.ipAddress, "198.51.100.7");
    assert.equal(writer.overlay({ ...record, status: "revoked" }).lastActiveAt, 0, "a terminal session takes no activity");
    assert.equal(writer.overlay({ ...record, lastActiveAt: 9 }).lastActiveAt, 9, "a newer stored activity wins");
    assert.equal(writer.has("a"), true);
    await writer.flush();
    assert.equal(writer.has("a"), false);
    assert.equal(writer.overlay(record), record);
  });

  it("retries a failed batch a bounded number of times, then drops and counts it", async () => {
    const timers = new ManualTimers();
    const { store, calls } = recordingStore(5);
    const failures: ActivityFailure[] = [];
    const writer = new ActivityWriter(store, 20, { timers, maxAttempts: 3, onFailure: (_e, f) => failures.push(f) });
    writer.add(session("a"), change(1));
    const flushed = writer.flush();
    for (let i = 0; i < 3; i++) {
      await tick();
      timers.fire(); // the retry pauses
    }
    await flushed;
    assert.equal(calls.length, 3);
    assert.deepEqual(
      failures.map((f) => [f.attempt, f.dropped]),
      [
        [1, false],
        [2, false],
        [3, true],
      ],
    );
    assert.deepEqual(writer.stats, { depth: 0, batches: 0, writes: 0, dropped: 1, failures: 3 });
    assert.equal(writer.has("a"), false, "a dropped write is no longer overlaid");
  });

  it("lands a retried batch when the store comes back", async () => {
    const timers = new ManualTimers();
    const { store, calls } = recordingStore(1);
    const writer = new ActivityWriter(store, 20, { timers });
    writer.add(session("a"), change(1));
    const flushed = writer.flush();
    await tick();
    timers.fire();
    await flushed;
    assert.equal(calls.length, 2);
    assert.deepEqual(writer.stats, { depth: 0, batches: 1, writes: 1, dropped: 0, failures: 1 });
  });

  it("calls recordActivity once per write, in order, on a store without the batch method", async () => {
    const timers = new ManualTimers();
    const { store, calls } = recordingStore(0, false);
    const writer = new ActivityWriter(store, 20, { timers });
    writer.add(session("a"), change(1));
    writer.add(session("a"), change(2));
    await writer.flush();
    assert.deepEqual(
      calls.map((c) => c.map((w) => w.change.lastActiveAt)),
      [[1], [2]],
    );
  });

  it("flushes for a user only when that user has a pending write", async () => {
    const timers = new ManualTimers();
    const { store, calls } = recordingStore();
    const writer = new ActivityWriter(store, 20, { timers });
    writer.add(session("a", "ann"), change(1));
    await writer.settleUser("t", "bob");
    await writer.settle("b");
    assert.equal(calls.length, 0);
    await writer.settleUser("t", "ann");
    assert.equal(calls.length, 1);
    writer.add(session("a", "ann"), change(2));
    await writer.settle("a");
    assert.equal(calls.length, 2);
  });

  it("writes what is queued on close, and each later write directly", async () => {
    const timers = new ManualTimers();
    const { store, calls } = recordingStore();
    const writer = new ActivityWriter(store, 20, { timers });
    writer.add(session("a"), change(1));
    await writer.close();
    assert.equal(calls.length, 1);
    await writer.add(session("a"), change(2));
    assert.equal(calls.length, 2);
    assert.deepEqual(timers.waiting, [], "no timer is left behind");
  });
});
