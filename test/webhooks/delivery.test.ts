/**
 * The dispatcher end to end (SPEC §9) on a store the service writes to, against a local
 * receiver: what a receiver gets, and what happens when receivers misbehave.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { toEvent, type SessionEvent } from "../../src/core/events.js";
import { createSessions } from "../../src/core/service.js";
import type { Store } from "../../src/core/store/index.js";
import { wireEvent } from "../../src/http/wire.js";
import { addEndpoint, answerWith, BACKENDS, type Handler, type Receiver, startReceiver, testDispatcher, waitFor } from "./support.js";

async function feed(store: Store): Promise<SessionEvent[]> {
  await store.outbox.relay();
  const out: SessionEvent[] = [];
  let key: string | null = null;
  for (;;) {
    const page = await store.outbox.read({}, key, 500);
    out.push(...page.items);
    if (page.nextKey === key) return out;
    key = page.nextKey;
  }
}

/** Creates `n` sessions and revokes every other one: state changes through the service, events through the store. */
async function changeSessions(store: Store, n: number, tenantId = "acme"): Promise<void> {
  const sessions = createSessions({ store, activityWrites: false });
  for (let i = 0; i < n; i++) {
    const { session } = await sessions.create({ userId: `user_${i}`, tenantId });
    if (i % 2 === 0) await sessions.revoke(session.id, { tenantId });
  }
}

/** Fails each event's first `failures` requests in the given way, then answers 204. */
function failingFirst(failures: number, fail: Handler): Handler {
  const seen = new Map<string, number>();
  return (req, res, body) => {
    const id = String(req.headers["webhook-id"]);
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    if (n <= failures) fail(req, res, body);
    else res.writeHead(204).end();
  };
}

for (const backend of BACKENDS) {
  describe(`webhook delivery (${backend.name})`, () => {
    let store: Store;
    const receivers: Receiver[] = [];
    const receiver = async (handler?: Handler) => {
      const r = await startReceiver(handler);
      receivers.push(r);
      return r;
    };
    before(async () => {
      store = await backend.open();
    });
    after(async () => {
      await Promise.all(receivers.map((r) => r.close()));
      await store.close();
    });

    it("sends every event once, the wire JSON as body, signed so standardwebhooks and svix verify it", async () => {
      const r = await receiver();
      const endpoint = await addEndpoint(store, r.url);
      const first = (await feed(store)).length;
      await changeSessions(store, 6);
      const events = (await feed(store)).slice(first);
      assert.equal(events.length, 9);
      const dispatcher = testDispatcher(store);
      dispatcher.start();
      try {
        await waitFor("every event", () => r.received.length >= events.length);
      } finally {
        await dispatcher.stop();
      }
      assert.deepEqual([...r.ids()].sort(), events.map((e) => e.id).sort());
      const secret = endpoint.secrets[0]!.secret;
      for (const got of r.received) {
        const event = events.find((e) => e.id === got.headers["webhook-id"])!;
        assert.equal(got.body, JSON.stringify(wireEvent(toEvent(event))));
        assert.equal(got.headers["content-type"], "application/json");
        const headers = got.headers as Record<string, string>;
        assert.doesNotThrow(() => new StandardWebhook(secret).verify(got.body, headers));
        assert.doesNotThrow(() => new SvixWebhook(secret).verify(got.body, headers));
      }
      const log = await store.webhooks.attempts(endpoint.id, { limit: 100 });
      assert.equal(log.items.length, events.length);
      assert.ok(log.items.every((a) => a.status === "succeeded" && a.attempt === 1 && a.responseStatus === 204 && a.nextAttemptAt === null));
      assert.equal(dispatcher.stats.delivered, events.length);
      const stored = (await store.webhooks.get(endpoint.id))!;
      assert.equal(stored.dispatch.leaseHolder, null, "stop gives the lease back");
    });

    it("filters by tenant and event type: a tenant's endpoint hears only its tenant, a typed one only its types", async () => {
      const all = await receiver();
      const globex = await receiver();
      const revokes = await receiver();
      await addEndpoint(store, all.url);
      await addEndpoint(store, globex.url, { tenantId: "globex" });
      await addEndpoint(store, revokes.url, { eventTypes: ["session.revoked"] });
      await changeSessions(store, 4, "acme");
      await changeSessions(store, 2, "globex");
      const dispatcher = testDispatcher(store);
      dispatcher.start();
      try {
        await waitFor("the deployment-wide endpoint", () => all.received.length >= 9);
        await waitFor("the tenant endpoint", () => globex.received.length >= 3);
        await waitFor("the typed endpoint", () => revokes.received.length >= 3);
        await new Promise((resolve) => setTimeout(resolve, 200));
      } finally {
        await dispatcher.stop();
      }
      assert.equal(all.received.length, 9);
      assert.deepEqual(new Set(globex.received.map((g) => JSON.parse(g.body).tenant_id)), new Set(["globex"]));
      assert.equal(globex.received.length, 3);
      assert.deepEqual(new Set(revokes.received.map((g) => JSON.parse(g.body).type)), new Set(["session.revoked"]));
      assert.equal(revokes.received.length, 3);
    });

    it("sendTest sends a signed webhook.test to that endpoint only, logs the attempt, and leaves the feed alone", async () => {
      const r = await receiver();
      const other = await receiver();
      const endpoint = await addEndpoint(store, r.url, { tenantId: "acme" });
      await addEndpoint(store, other.url);
      const feedBefore = (await feed(store)).length;
      const dispatcher = testDispatcher(store);
      const attempt = await dispatcher.sendTest(endpoint);
      assert.equal(attempt.status, "succeeded");
      assert.equal(attempt.responseStatus, 204);
      assert.equal(r.received.length, 1);
      assert.equal(other.received.length, 0);
      const [got] = r.received;
      const body = new SvixWebhook(endpoint.secrets[0]!.secret).verify(got!.body, got!.headers as Record<string, string>) as Record<string, unknown>;
      assert.equal(body.type, "webhook.test");
      assert.equal(body.tenant_id, "acme");
      assert.equal(body.id, attempt.eventId);
      assert.equal((body.data as { object: string }).object, "session");
      assert.deepEqual((await store.webhooks.attempts(endpoint.id, { limit: 10 })).items, [attempt]);
      assert.equal((await feed(store)).length, feedBefore);
      r.answer(answerWith(500));
      const failed = await dispatcher.sendTest(endpoint);
      assert.deepEqual([failed.status, failed.responseStatus, failed.nextAttemptAt], ["failed", 500, null]);
    });

    it("retries a slow, redirecting, 5xx, huge-body or connection-closing receiver by the schedule, while a healthy endpoint gets everything at once", async () => {
      const redirectTarget = await receiver();
      const misbehaving: Record<string, Handler> = {
        slow: (_req, res) => setTimeout(() => res.writeHead(204).end(), 4_000).unref(),
        redirect: (_req, res) => res.writeHead(307, { location: redirectTarget.url }).end(),
        error: answerWith(503),
        huge: (_req, res) => {
          res.writeHead(500, { "content-type": "text/plain" });
          const chunk = Buffer.alloc(64 * 1024, "x");
          // 64 MB unless the client stops reading: it must not wait for the end.
          let left = 1024;
          const write = () => {
            while (left > 0 && res.write(chunk)) left -= 1;
            if (left > 0) res.once("drain", write);
            else res.end();
          };
          res.on("error", () => undefined);
          write();
        },
        closes: (req) => req.socket.destroy(),
      };
      const bad = await Promise.all(Object.entries(misbehaving).map(async ([name, h]) => ({ name, r: await receiver(failingFirst(2, h)) })));
      const healthy = await receiver();
      const badEndpoints = await Promise.all(bad.map(({ r }) => addEndpoint(store, r.url)));
      await addEndpoint(store, healthy.url);
      await changeSessions(store, 4);
      const schedule = [200, 300];
      // Long enough for a loaded machine to answer the others, short of the slow receiver's 4 s.
      const dispatcher = testDispatcher(store, { timeoutMs: 1_500, retryScheduleMs: schedule, jitter: () => 0.5 });
      const started = Date.now();
      dispatcher.start();
      try {
        await waitFor("the healthy endpoint", () => healthy.received.length >= 6);
        assert.ok(Date.now() - started < 1_500, "the healthy endpoint did not wait for the others");
        for (const { name, r } of bad) await waitFor(`${name}: three attempts of each event`, () => r.received.length >= 18, 15_000);
        await waitFor("the log", async () => {
          const logs = await Promise.all(badEndpoints.map((e) => store.webhooks.attempts(e.id, { limit: 100 })));
          return logs.every((l) => l.items.filter((a) => a.status === "succeeded").length === 6);
        });
      } finally {
        await dispatcher.stop();
      }
      assert.equal(redirectTarget.received.length, 0, "redirects are not followed");
      for (const [i, { name }] of bad.entries()) {
        const log = (await store.webhooks.attempts(badEndpoints[i]!.id, { limit: 100 })).items;
        const byEvent = new Map<string, typeof log>();
        for (const a of log) byEvent.set(a.eventId, [...(byEvent.get(a.eventId) ?? []), a]);
        assert.equal(byEvent.size, 6, name);
        for (const attempts of byEvent.values()) {
          const [third, second, first] = attempts;
          assert.deepEqual(
            attempts.map((a) => [a.attempt, a.status]),
            [
              [3, "succeeded"],
              [2, "pending"],
              [1, "pending"],
            ],
            name,
          );
          assert.ok(second!.at - first!.at >= schedule[0]!, `${name}: the first retry waits its step`);
          assert.ok(third!.at - second!.at >= schedule[1]!, `${name}: the second retry waits its step`);
          assert.equal(first!.nextAttemptAt !== null && first!.nextAttemptAt <= second!.at + 50, true, name);
          if (name === "slow") assert.equal(first!.error, "timeout");
          if (name === "redirect") assert.equal(first!.responseStatus, 307, `redirect: ${first!.error}`);
          if (name === "error" || name === "huge") assert.equal(first!.responseStatus, name === "error" ? 503 : 500);
          if (name === "closes") assert.ok(first!.error !== null && first!.responseStatus === null);
          if (name === "huge") assert.ok(first!.durationMs < 1_000, "a huge body is not read to its end");
        }
      }
    });
  });
}
