/**
 * At-least-once delivery across a crash (SPEC §9): 1,000 sessions are created, then an endpoint
 * pointed at a local receiver (which verifies each signature with `standardwebhooks`) replays
 * their 1,000 events; when 300 distinct events have arrived the receiver kills `sessiond serve`
 * with SIGKILL, in the middle of an attempt. After a restart, every event reaches the receiver;
 * duplicates are allowed (the attempts in flight at the kill, and those whose success the dead
 * server never recorded) and counted.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { backends, duplicates, endpointFor, inParallel, ROOT, readUntil, until, webhookEnv, wholeFeed } from "../support/events-harness.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";
import { type Server, startServer } from "../system/server.js";

const EVENTS = 1000;
const KILL_AFTER = 300;
const CREATORS = 8;
/** SPEC §9: a dead server's deliveries resume on another server within 30 s. */
const LEASE_LAPSE_MS = 30_000;
/** The lease lapse, then the rest of the events to send. */
const RESUME_MS = 60_000;

for (const backend of await backends(["SQLite", "PostgreSQL", "Redis"])) {
  describe(`kill -9 of the server while it delivers 1,000 events (${backend.name})`, { skip: backend.skip }, () => {
    it("delivers every event after a restart; duplicates only, and counted", async (t) => {
      const cwd = mkdtempSync(join(tmpdir(), "sessiond-webhooks-crash-"));
      const receiver = await startWebhookReceiver();
      const env = webhookEnv(backend.store);
      let server: Server = await startServer(cwd, env);
      try {
        // The 1,000 events first, then an endpoint replaying them: all of them wait to be delivered when the kill comes.
        const since = Date.now();
        const acknowledged: string[] = [];
        await inParallel(EVENTS, CREATORS, async (i) => {
          const answer = await server.request("POST", "/v1/sessions", ROOT, { user_id: `crash-${i % 40}` });
          assert.equal(answer.status, 200, JSON.stringify(answer.body));
          acknowledged.push(answer.body.id);
        });
        const outbox = (
          await readUntil(
            "the events to be readable",
            () => wholeFeed(server),
            (feed) => feed.length >= EVENTS,
            5000,
          )
        ).map((e) => e.id);
        const endpoint = await endpointFor(server, receiver);
        const victim = server;
        const exited = once(victim.process, "exit");
        let killedAt = 0;
        receiver.onDelivery = (_, distinct) => {
          if (distinct < KILL_AFTER || killedAt !== 0) return;
          killedAt = Date.now();
          process.kill(victim.process.pid!, "SIGKILL");
        };
        const replay = await server.request("POST", `/v1/webhooks/${endpoint.id}/replay`, ROOT, { since });
        assert.equal(replay.status, 200, JSON.stringify(replay.body));
        await until("the receiver to kill the server", () => killedAt !== 0, 30_000);
        await exited;
        const distinctAtKill = receiver.counts().size;
        const restartedAt = Date.now();
        server = await startServer(cwd, env);
        const firstAfterRestart = receiver.deliveries.length;
        await receiver.waitFor("every event in the outbox", () => outbox.every((id) => receiver.counts().has(id)), RESUME_MS);
        const resumedAt = receiver.deliveries[firstAfterRestart]?.at ?? Number.NaN;
        const dup = duplicates(receiver.counts());
        t.diagnostic(
          `${outbox.length} events, ${distinctAtKill} delivered before the kill; deliveries resumed ${resumedAt - restartedAt} ms after the restart ` +
            `and were done ${Date.now() - restartedAt} ms after it; ${receiver.deliveries.length} deliveries in all, ` +
            `${dup.events} events delivered more than once (${dup.extraDeliveries} extra, at most ${dup.most} times)`,
        );

        assert.deepEqual(receiver.problems.slice(0, 5), [], "every request verifies with standardwebhooks");
        assert.equal(outbox.length, EVENTS, "one event per create");
        assert.ok(distinctAtKill < EVENTS, "the kill came while events were still to be delivered");
        assert.ok(resumedAt - restartedAt <= LEASE_LAPSE_MS, `deliveries resumed ${resumedAt - restartedAt} ms after the restart`);
        const inOutbox = new Set(outbox);
        assert.deepEqual(
          [...receiver.counts().keys()].filter((id) => !inOutbox.has(id)),
          [],
          "only events of the outbox arrive",
        );
        const createdSessions = new Set(receiver.deliveries.map((d) => d.event.data.id));
        assert.deepEqual(
          acknowledged.filter((id) => !createdSessions.has(id)),
          [],
          "every acknowledged create's event arrived",
        );
      } finally {
        await server.stop();
        await receiver.close();
        await backend.cleanup();
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  });
}
