/**
 * Several servers share the delivery work without doubling it (SPEC §9: an event goes to an
 * endpoint from at most one server at a time): two `sessiond serve` processes on one store and
 * one receiver; 2,000 state changes spread over both servers arrive exactly once each when
 * nothing crashes.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { backends, createAndRevoke, duplicates, endpointFor, webhookEnv, readUntil, wholeFeed } from "../support/events-harness.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { type Server, startServer } from "./server.js";

const SESSIONS = 1000;
const DELIVERED_WITHIN_MS = 60_000;
/** After the last event arrives, how long a late second delivery is waited for (beyond a lease renewal). */
const SETTLE_MS = 5000;

for (const backend of await backends(["SQLite", "PostgreSQL", "Redis"])) {
  describe(`two servers on one ${backend.name} store and one receiver`, { skip: backend.skip }, () => {
    let servers: Server[] = [];
    let receiver: WebhookReceiver;
    const cwd = mkdtempSync(join(tmpdir(), "sessiond-events-once-"));
    before(async () => {
      receiver = await startWebhookReceiver();
      servers = await Promise.all([0, 1].map(() => startServer(cwd, webhookEnv(backend.store))));
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await receiver?.close();
      await backend.cleanup();
      rmSync(cwd, { recursive: true, force: true });
    });

    it("delivers each of 2,000 state changes exactly once", async (t) => {
      await endpointFor(servers[0]!, receiver);
      const started = Date.now();
      const changes = await createAndRevoke(servers, { creates: SESSIONS, revokes: SESSIONS, concurrency: 16, user: "once" });
      const expected = changes.created.length + changes.revoked.length;
      const events = await readUntil(
        "every event to be readable",
        () => wholeFeed(servers[1]!),
        (feed) => feed.length >= expected,
        5000,
      );
      assert.equal(events.length, expected, "one event per change");
      await receiver.waitFor("every event", () => events.every((e) => receiver.counts().has(e.id)), DELIVERED_WITHIN_MS);
      const deliveredAt = Date.now();
      await sleep(SETTLE_MS);
      const dup = duplicates(receiver.counts());
      t.diagnostic(
        `${events.length} events delivered ${deliveredAt - started} ms after the first change; ` +
          `${receiver.deliveries.length} deliveries, ${dup.events} events more than once (${dup.extraDeliveries} extra)`,
      );

      assert.deepEqual(receiver.problems.slice(0, 5), [], "every request verifies with standardwebhooks");
      assert.equal(dup.events, 0, `${dup.events} events were delivered more than once`);
      assert.equal(receiver.deliveries.length, events.length, "nothing but the feed's events arrived");
      assert.deepEqual(
        receiver.attempts.filter((a) => a.answered !== 204),
        [],
        "no attempt failed",
      );
    });
  });
}
