/**
 * A receiver that is down for the first attempts gets every event once it is back, by the retry
 * schedule (SPEC §9; shortened to 1, 1, 2 s with SESSIOND_WEBHOOK_RETRY_SCHEDULE): first one
 * that answers 503 (its app fails), then one that is not listening at all (connections refused).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { backends, deliveryLog, endpointFor, webhookEnv, inParallel, RETRY_SCHEDULE_S, readUntil, ROOT, wholeFeed } from "../support/events-harness.js";
import { type Attempt, startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import type { WireBody } from "../support/wire-body.js";
import { type Server, startServer } from "./server.js";

const EVENTS = 20;
/** The shortened schedule's attempts all fit in its sum; jitter adds at most 20 %; the rest is room for a busy machine. */
const DELIVERED_WITHIN_MS = RETRY_SCHEDULE_S.reduce((a, b) => a + b, 0) * 1200 + 8000;
const JITTER = 0.2;

const [sqlite] = await backends(["SQLite"]);

/**
 * The delivery log keeps the schedule (the server's own times, so a busy machine cannot make a
 * correct retry look early): each failed attempt names its next attempt one step of the
 * schedule (±20 % jitter) after it ended, and a retry that failed again came no sooner than
 * that. A retry that succeeded may come sooner: once a probe gets through after an outage the
 * dispatcher sends what it had queued at once, rather than leave a receiver that is back waiting.
 */
function assertScheduleKept(log: WireBody[]): void {
  const byEvent = new Map<string, WireBody[]>();
  for (const entry of log) byEvent.set(entry.event_id, [...(byEvent.get(entry.event_id) ?? []), entry]);
  for (const [id, entries] of byEvent) {
    entries.sort((a, b) => a.attempt - b.attempt);
    for (const [n, entry] of entries.entries()) {
      assert.equal(entry.attempt, n + 1, `event ${id}: attempts are numbered one after another`);
      if (entry.status === "succeeded") continue;
      const step = RETRY_SCHEDULE_S[Math.min(n, RETRY_SCHEDULE_S.length - 1)]! * 1000;
      const delay = entry.next_attempt_at - (entry.at + entry.duration_ms);
      assert.ok(
        delay >= step * (1 - JITTER) && delay <= step * (1 + JITTER),
        `event ${id}: attempt ${n + 2} set ${delay} ms after attempt ${n + 1}, not ${step} ms ± 20 %`,
      );
      const retry = entries[n + 1];
      if (retry !== undefined && retry.status !== "succeeded")
        assert.ok(retry.at >= entry.next_attempt_at, `event ${id}: attempt ${n + 2} failed ${entry.next_attempt_at - retry.at} ms before it was due`);
    }
  }
}

describe("a receiver down for the first attempts (SQLite)", () => {
  let server: Server;
  let receiver: WebhookReceiver;
  const cwd = mkdtempSync(join(tmpdir(), "sessiond-events-retry-"));
  before(async () => {
    server = await startServer(cwd, webhookEnv(sqlite!.store));
  });
  after(async () => {
    await server?.stop();
    await sqlite!.cleanup();
    rmSync(cwd, { recursive: true, force: true });
  });

  /** `EVENTS` creates for one user; returns the ids of their events, read from the feed. */
  async function changes(user: string): Promise<string[]> {
    const sessions = new Set<string>();
    await inParallel(EVENTS, 4, async () => {
      const answer = await server.request("POST", "/v1/sessions", ROOT, { user_id: user });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      sessions.add(answer.body.id);
    });
    const events = await readUntil(
      "the events to be readable",
      async () => (await wholeFeed(server)).filter((e) => sessions.has(e.data.id)),
      (found) => found.length === EVENTS,
      5000,
    );
    return events.map((e) => e.id);
  }

  /** Fails unless every attempt that failed before the receiver came back was logged as such. */
  async function failedAttempts(endpointId: string, minimum: number): Promise<WireBody[]> {
    return readUntil(
      `${minimum} failed attempts in the delivery log`,
      async () => (await deliveryLog(server, endpointId)).filter((a) => a.status !== "succeeded"),
      (failed) => failed.length >= minimum,
      10_000,
    );
  }

  it("answering 503: every event arrives once it answers 2xx, each attempt signed afresh, failed ones retried by the schedule", async (t) => {
    receiver = await startWebhookReceiver();
    try {
      receiver.unavailable = true;
      const endpoint = await endpointFor(server, receiver);
      const ids = await changes("retry-503");
      // Down until some event has been tried twice: its first attempt and the first retry failed.
      await receiver.waitFor("a first retry", () => receiver.attempts.some((a, i) => receiver.attempts.findIndex((b) => b.id === a.id) < i), 10_000);
      const upAt = Date.now();
      receiver.unavailable = false;
      await receiver.waitFor("every event", () => ids.every((id) => receiver.counts().has(id)), DELIVERED_WITHIN_MS);
      t.diagnostic(
        `${receiver.attempts.length} attempts (${receiver.attempts.filter((a) => a.answered === 503).length} answered 503); ` +
          `every event delivered ${Math.max(...receiver.deliveries.map((d) => d.at)) - upAt} ms after the receiver came back`,
      );

      assert.deepEqual(receiver.problems.slice(0, 5), [], "every request verifies with standardwebhooks");
      const byEvent = new Map<string | undefined, Attempt[]>();
      for (const attempt of receiver.attempts) byEvent.set(attempt.id, [...(byEvent.get(attempt.id) ?? []), attempt]);
      for (const [id, attempts] of byEvent) {
        for (const [n, attempt] of attempts.entries()) {
          const age = attempt.at / 1000 - attempt.signedAt;
          assert.ok(age > -1 && age < 5, `attempt ${n + 1} of ${id} arrived ${age.toFixed(1)} s after its signing time`);
          // webhook-timestamp has whole seconds: attempts further apart than that must differ.
          const earlier = attempts.slice(0, n).filter((a) => attempt.at - a.at >= 1500);
          assert.ok(
            earlier.every((a) => a.signedAt < attempt.signedAt),
            `attempt ${n + 1} of ${id} carries the timestamp of an earlier attempt: each attempt is signed afresh`,
          );
        }
      }
      const log = await deliveryLog(server, endpoint.id);
      const retried = log.filter((a) => a.status === "succeeded" && a.attempt >= 2);
      assert.ok(retried.length >= 1, "the delivery log shows events delivered by a retry");
      for (const failed of log.filter((a) => a.status !== "succeeded")) assert.equal(failed.response_status, 503);
      assertScheduleKept(log);
      assert.equal((await server.request("DELETE", `/v1/webhooks/${endpoint.id}`, ROOT)).status, 200);
    } finally {
      await receiver.close();
    }
  });

  it("not listening: every event arrives once it listens again, failed attempts retried by the schedule", async (t) => {
    receiver = await startWebhookReceiver();
    try {
      const endpoint = await endpointFor(server, receiver);
      await receiver.down();
      const ids = await changes("retry-refused");
      const failed = await failedAttempts(endpoint.id, 2);
      const upAt = Date.now();
      await receiver.up();
      await receiver.waitFor("every event", () => ids.every((id) => receiver.counts().has(id)), DELIVERED_WITHIN_MS);
      t.diagnostic(
        `${failed.length} failed attempts logged while down; every event delivered ${Math.max(...receiver.deliveries.map((d) => d.at)) - upAt} ms after it came back`,
      );

      assert.deepEqual(receiver.problems.slice(0, 5), [], "every request verifies with standardwebhooks");
      for (const attempt of failed) assert.equal(attempt.response_status, null, "a refused connection has no response");
      const log = await deliveryLog(server, endpoint.id);
      assert.ok(
        log.some((a) => a.status === "succeeded" && a.attempt >= 2),
        "the delivery log shows events delivered by a retry",
      );
      assertScheduleKept(log);
      assert.equal((await server.request("DELETE", `/v1/webhooks/${endpoint.id}`, ROOT)).status, 200);
    } finally {
      await receiver.close();
    }
  });
});
