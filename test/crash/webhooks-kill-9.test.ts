/**
 * At-least-once delivery across a crash (SPEC §9): `sessiond serve` delivers 1,000 events to a
 * local receiver that verifies each signature with `standardwebhooks`; when 300 distinct events
 * have arrived the receiver kills the server with SIGKILL, in the middle of an attempt. After a
 * restart, every event in the outbox reaches the receiver; duplicates are allowed (the attempts
 * in flight at the kill, and those whose success the dead server never recorded) and counted.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { backends, duplicates, endpointFor, webhookEnv, inParallel, ROOT, until, wholeFeed } from "../support/events-harness.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";
import { type Server, startServer } from "../system/server.js";

const EVENTS = 1000;
const KILL_AFTER = 300;
const CREATORS = 8;
/** A dead server's lease lapses and its deliveries resume within 30 s (SPEC §9); then the rest is sent. */
const RESUME_MS = 60_000;

for (const backend of await backends(["SQLite", "PostgreSQL", "Redis"])) {
  describe(`kill -9 of the server while it delivers 1,000 events (${backend.name})`, { skip: backend.skip }, () => {
    it("delivers every event after a restart; duplicates only, and counted", async (t) => {
      const cwd = mkdtempSync(join(tmpdir(), "sessiond-webhooks-crash-"));
      const receiver = await startWebhookReceiver();
      const env = webhookEnv(backend.store);
      let server: Server = await startServer(cwd, env);
      try {
        await endpointFor(server, receiver);
        const victim = server;
        const exited = once(victim.process, "exit");
        let killedAt = 0;
        receiver.onDelivery = (_, distinct) => {
          if (distinct < KILL_AFTER || killedAt !== 0) return;
          killedAt = Date.now();
          process.kill(victim.process.pid!, "SIGKILL");
        };

        // Creates until the kill; the ones out at the kill may or may not have committed.
        const acknowledged: string[] = [];
        let lostInFlight = 0;
        const create = async (target: Server, i: number) => {
          const answer = await target.request("POST", "/v1/sessions", ROOT, { user_id: `crash-${i % 40}` });
          assert.equal(answer.status, 200, JSON.stringify(answer.body));
          acknowledged.push(answer.body.id);
        };
        await inParallel(EVENTS, CREATORS, async (i) => {
          if (killedAt !== 0) return;
          try {
            await create(victim, i);
          } catch (error) {
            if (killedAt === 0) throw error;
            lostInFlight += 1;
          }
        });
        await until("the receiver to kill the server", () => killedAt !== 0, 30_000);
        await exited;
        const distinctAtKill = receiver.counts().size;
        const restartedAt = Date.now();
        server = await startServer(cwd, env);
        const firstAfterRestart = receiver.deliveries.length;
        const missing = EVENTS - acknowledged.length;
        await inParallel(missing, CREATORS, (i) => create(server, EVENTS + i));

        let outbox: string[] = [];
        await until(
          "every event in the outbox to arrive",
          async () => {
            outbox = (await wholeFeed(server)).map((e) => e.id);
            return outbox.length >= EVENTS && outbox.every((id) => receiver.counts().has(id));
          },
          RESUME_MS,
        );
        const resumedAt = receiver.deliveries[firstAfterRestart]?.at ?? Number.NaN;
        const dup = duplicates(receiver.counts());
        t.diagnostic(
          `${acknowledged.length} creates acknowledged (${missing} after the restart), ${lostInFlight} lost in flight at the kill; ` +
            `${outbox.length} events in the outbox, ${distinctAtKill} delivered before the kill; ` +
            `deliveries resumed ${resumedAt - restartedAt} ms after the restart; ${receiver.deliveries.length} deliveries in all, ` +
            `${dup.events} events delivered more than once (${dup.extraDeliveries} extra, at most ${dup.most} times)`,
        );

        assert.deepEqual(receiver.problems.slice(0, 5), [], "every request verifies with standardwebhooks");
        assert.ok(distinctAtKill < outbox.length, "the kill came while events were still to be delivered");
        const inOutbox = new Set(outbox);
        assert.deepEqual(
          [...receiver.counts().keys()].filter((id) => !inOutbox.has(id)),
          [],
          "only events of the outbox arrive",
        );
        const createdSessions = new Set(receiver.deliveries.filter((d) => d.event.type === "session.created").map((d) => d.event.data.id));
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
