/**
 * Passive ends (SPEC §9): nobody calls anything when a session runs out, yet `session.expired`
 * (a 2 s lifetime) and `session.abandoned` (a 2 s inactivity timeout) appear in the feed and
 * reach an endpoint subscribed to them within a sweep interval of the deadline, with
 * `timestamp` = the deadline itself.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { backends, endpointFor, webhookEnv, feedPage, ROOT } from "../support/events-harness.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import type { WireBody } from "../support/wire-body.js";
import { type Server, startServer } from "./server.js";

const SWEEP_INTERVAL_S = 1;
/** A sweep interval, plus up to 1 s before the event is readable (SPEC §9), plus room for a busy machine. */
const WITHIN_MS = SWEEP_INTERVAL_S * 1000 + 1000 + 1500;
const PASSIVE = ["session.expired", "session.abandoned"];

for (const backend of await backends(["SQLite", "PostgreSQL", "Redis"])) {
  describe(`passive ends on ${backend.name}`, { skip: backend.skip }, () => {
    let server: Server;
    let receiver: WebhookReceiver;
    const cwd = mkdtempSync(join(tmpdir(), "sessiond-events-passive-"));
    before(async () => {
      receiver = await startWebhookReceiver();
      server = await startServer(cwd, webhookEnv(backend.store, { SESSIOND_SWEEP_INTERVAL_SECONDS: String(SWEEP_INTERVAL_S) }));
    });
    after(async () => {
      await server?.stop();
      await receiver?.close();
      await backend.cleanup();
      rmSync(cwd, { recursive: true, force: true });
    });

    it("a 2 s lifetime gives session.expired and a 2 s inactivity timeout session.abandoned, stamped with the deadline, within a sweep interval", async (t) => {
      await endpointFor(server, receiver, { event_types: PASSIVE });
      const expiring = (await server.request("POST", "/v1/sessions", ROOT, { user_id: "passive", lifetime_seconds: 2 })).body;
      const idle = (await server.request("POST", "/v1/sessions", ROOT, { user_id: "passive", inactivity_timeout_seconds: 2 })).body;
      const deadlines = new Map<string, { type: string; at: number }>([
        [expiring.id, { type: "session.expired", at: expiring.expire_at }],
        [idle.id, { type: "session.abandoned", at: idle.abandon_at }],
      ]);
      assert.ok(Number.isInteger(expiring.expire_at) && Number.isInteger(idle.abandon_at), JSON.stringify({ expiring, idle }));

      const readAt = new Map<string, { event: WireBody; at: number }>();
      let cursor: string | null = null;
      const query = `limit=100&${PASSIVE.map((type) => `type=${type}`).join("&")}`;
      for (const giveUp = Math.max(expiring.expire_at, idle.abandon_at) + 10_000; readAt.size < 2 && Date.now() < giveUp; await sleep(25)) {
        const page = await feedPage(server, cursor, query);
        for (const event of page.data) readAt.set(event.data.id, { event, at: Date.now() });
        cursor = page.next_cursor;
      }
      await receiver.waitFor("both passive ends", () => receiver.deliveries.length >= 2, 10_000);
      t.diagnostic(
        [...deadlines]
          .map(([id, d]) => {
            const read = readAt.get(id)?.at ?? Number.NaN;
            const delivered = receiver.deliveries.find((x) => x.event.data.id === id)?.at ?? Number.NaN;
            return `${d.type}: in the feed ${read - d.at} ms and at the receiver ${delivered - d.at} ms after the deadline`;
          })
          .join("; "),
      );

      assert.deepEqual([...readAt.keys()].sort(), [...deadlines.keys()].sort(), "the feed shows one passive end per session");
      for (const [id, deadline] of deadlines) {
        const { event, at } = readAt.get(id)!;
        assert.equal(event.type, deadline.type);
        assert.equal(event.timestamp, deadline.at, `${deadline.type}: timestamp is the deadline`);
        assert.equal(event.data.status, deadline.type.slice("session.".length));
        assert.deepEqual(event.initiated_by, { type: "system", id: null });
        assert.ok(at - deadline.at <= WITHIN_MS, `${deadline.type} was readable ${at - deadline.at} ms after the deadline`);
        const delivered = receiver.deliveries.filter((d) => d.event.data.id === id);
        assert.equal(delivered.length, 1, `${deadline.type} delivered once`);
        assert.deepEqual(delivered[0]!.event, event, "the webhook carries the feed's event");
      }
      assert.deepEqual(receiver.problems, [], "every request verifies with standardwebhooks");
      assert.deepEqual(
        receiver.deliveries.map((d) => d.event.type).filter((type) => !PASSIVE.includes(type)),
        [],
        "the endpoint gets only the types it subscribed to",
      );
    });
  });
}
