/**
 * The dispatcher across outages and servers (SPEC §9): a receiver down for a while gets
 * everything, two servers deliver each event once, a dead server's endpoints move on, and
 * private addresses are refused unless allowed.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { createSessions } from "../../src/core/service.js";
import type { Store } from "../../src/core/store/index.js";
import { addEndpoint, BACKENDS, type Receiver, startReceiver, testDispatcher, waitFor } from "./support.js";

/**
 * Creates `n` sessions and revokes half of them. Each change waits for the next turn of the event
 * loop, as a server's requests do: a synchronous store answers at once, and a loop of awaits on it
 * alone would starve the dispatchers' timers (their leases would lapse, as on a frozen server).
 */
async function changeSessions(store: Store, n: number): Promise<number> {
  const sessions = createSessions({ store, activityWrites: false });
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
  const ids = [];
  for (let i = 0; i < n; i++) {
    ids.push((await sessions.create({ userId: `user_${i % 50}`, tenantId: "acme" })).session.id);
    await nextTurn();
  }
  for (const id of ids.slice(0, n / 2)) {
    await sessions.revoke(id, { tenantId: "acme" });
    await nextTurn();
  }
  return n + n / 2;
}

/** A port nothing listens on (yet): bound and released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const backend of BACKENDS) {
  describe(`webhook resilience (${backend.name})`, () => {
    it("a receiver down for the first attempts gets every event once it is up, without the whole stream queued", async () => {
      const store = await backend.open();
      const port = await freePort();
      const endpoint = await addEndpoint(store, `http://127.0.0.1:${port}/hooks`);
      const count = await changeSessions(store, 200);
      const dispatcher = testDispatcher(store, { retryScheduleMs: [100, 200, 300], windowSize: 50 });
      dispatcher.start();
      let r: Receiver | null = null;
      try {
        await waitFor("the endpoint backing off", async () => (await store.webhooks.get(endpoint.id))!.dispatch.failedAttempts >= 2);
        const down = (await store.webhooks.get(endpoint.id))!;
        assert.ok(down.dispatch.failingSince !== null && down.dispatch.pausedUntil > 0);
        const queued = await store.webhooks.due(endpoint.id, Number.MAX_SAFE_INTEGER, 10_000);
        assert.ok(queued.length <= 50 + down.dispatch.failedAttempts, `one window and the probes are queued, not the stream (${queued.length})`);
        r = await startReceiverOn(port);
        const up = r;
        await waitFor("every event", () => new Set(up.ids()).size >= count, 15_000);
        await waitFor("an empty queue", async () => (await store.webhooks.due(endpoint.id, Number.MAX_SAFE_INTEGER, 10)).length === 0);
      } finally {
        await dispatcher.stop();
        await r?.close();
      }
      const after = (await store.webhooks.get(endpoint.id))!;
      assert.equal(after.dispatch.failedAttempts, 0);
      assert.equal(after.dispatch.failingSince, null);
      assert.equal(new Set(r.ids()).size, count);
      await store.close();
    });

    it("two dispatchers on one store deliver each of 3,000 events of 2,000 state changes exactly once per endpoint", async () => {
      const store = await backend.open();
      const r = await startReceiver();
      const endpoints = await Promise.all([1, 2, 3].map((n) => addEndpoint(store, `${r.url}/${n}`)));
      const errors: string[] = [];
      const onFailure = (f: { error: string | null; status: number | null }) => void errors.push(`${f.error ?? f.status}`);
      // The real timeout and a longer lease: on a loaded machine a 2 s attempt is slow, not lost, and must not be retried.
      const timing = { timeoutMs: 15_000, leaseMs: 5_000, onFailure, onError: (e: unknown) => void errors.push(String(e)) };
      const a = testDispatcher(store, { holder: "srv_a", ...timing });
      const b = testDispatcher(store, { holder: "srv_b", ...timing });
      a.start();
      b.start();
      let count = 0;
      try {
        count = await changeSessions(store, 1_334);
        await waitFor("every delivery", () => r.received.length >= count * endpoints.length, 60_000);
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        await Promise.all([a.stop(), b.stop()]);
        await r.close();
      }
      assert.equal(count, 2_001);
      const perEndpoint = new Map<string, Set<string>>();
      for (const got of r.received) {
        const seen = perEndpoint.get(got.path) ?? new Set<string>();
        assert.equal(
          seen.has(String(got.headers["webhook-id"])),
          false,
          `a second delivery of ${got.headers["webhook-id"]} to ${got.path} (failed attempts: ${a.stats.failedAttempts + b.stats.failedAttempts}, errors: ${errors.join("; ")})`,
        );
        seen.add(String(got.headers["webhook-id"]));
        perEndpoint.set(got.path, seen);
      }
      assert.deepEqual(
        [...perEndpoint.values()].map((s) => s.size),
        [count, count, count],
      );
      assert.ok(a.stats.delivered > 0 || b.stats.delivered > 0);
      assert.equal(a.stats.delivered + b.stats.delivered, count * endpoints.length);
      await store.close();
    });

    it("a dead server's lease lapses and another server takes the endpoint over within the lease time", async () => {
      const store = await backend.open();
      const r = await startReceiver();
      const leaseMs = 1_000;
      const diedAt = Date.now();
      const endpoint = await addEndpoint(store, r.url);
      // What a server killed right after renewing leaves behind: its lease, running for leaseMs.
      const held = { ...endpoint, dispatch: { ...endpoint.dispatch, leaseHolder: "srv_dead", leaseUntil: diedAt + leaseMs } };
      assert.equal(await store.webhooks.replace(held, endpoint.version), true);
      const count = await changeSessions(store, 4);
      const survivor = testDispatcher(store, { leaseMs, holder: "srv_alive" });
      survivor.start();
      try {
        await waitFor("every event", () => r.received.length >= count, 5_000);
      } finally {
        await survivor.stop();
        await r.close();
      }
      const firstAt = Math.min(...r.received.map((g) => g.at));
      assert.ok(firstAt >= diedAt + leaseMs, "nothing is sent while the dead server's lease runs");
      assert.ok(firstAt - diedAt < leaseMs + 500, `taken over ${firstAt - diedAt} ms after the death (lease ${leaseMs} ms, scans every 50 ms)`);
      await store.close();
    });

    it("stop abandons attempts still in flight after its grace time, gives the lease back, and leaves the event to the next server", async (t) => {
      const store = await backend.open();
      const hanging = await startReceiver(() => undefined);
      t.after(() => Promise.all([hanging.close(), store.close()]));
      const endpoint = await addEndpoint(store, hanging.url);
      await changeSessions(store, 2);
      const first = testDispatcher(store, { timeoutMs: 30_000, stopGraceMs: 300, holder: "srv_first" });
      first.start();
      await waitFor("an attempt in flight", () => hanging.received.length > 0);
      const stopping = Date.now();
      await first.stop();
      assert.ok(Date.now() - stopping < 2_000, `stopped in ${Date.now() - stopping} ms`);
      const left = (await store.webhooks.get(endpoint.id))!;
      assert.equal(left.dispatch.leaseHolder, null);
      assert.equal(left.dispatch.cursor, endpoint.dispatch.cursor, "the abandoned window is not handed off");
      assert.deepEqual((await store.webhooks.attempts(endpoint.id, { limit: 10 })).items, [], "an abandoned attempt is neither a failure nor queued");
      await hanging.close();
      const r = await startReceiver();
      t.after(() => r.close());
      await store.webhooks.replace({ ...left, url: r.url }, left.version);
      const next = testDispatcher(store, { holder: "srv_next" });
      next.start();
      try {
        await waitFor("the events on the next server", () => r.received.length >= 3);
      } finally {
        await next.stop();
        await r.close();
      }
      await store.close();
    });

    it("refuses loopback receivers, by address or by name, unless private addresses are allowed", async (t) => {
      const store = await backend.open();
      const r = await startReceiver();
      t.after(() => Promise.all([r.close(), store.close()]));
      const byAddress = await addEndpoint(store, r.url);
      const byName = await addEndpoint(store, r.url.replace("127.0.0.1", "localhost"));
      await changeSessions(store, 2);
      await testDispatcher(store, { allowPrivate: false }).runOnce();
      assert.equal(r.received.length, 0);
      for (const e of [byAddress, byName]) {
        const [attempt] = (await store.webhooks.attempts(e.id, { limit: 10 })).items;
        assert.equal(attempt?.error, "address_not_allowed");
        assert.equal(attempt?.responseStatus, null);
        assert.equal(attempt?.status, "pending");
      }
      const allowing = testDispatcher(store, { allowPrivate: true });
      allowing.start();
      try {
        await waitFor("both endpoints", () => r.received.length >= 6);
      } finally {
        await allowing.stop();
        await r.close();
      }
      await store.close();
    });
  });
}

/** A receiver on a given port (the one an endpoint already points at), retried while the port is still being released. */
async function startReceiverOn(port: number): Promise<Receiver> {
  for (let tries = 0; ; tries++) {
    try {
      return await startReceiver(undefined, port);
    } catch (error) {
      if (tries > 20 || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
