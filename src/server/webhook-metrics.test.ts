import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import type { DispatchStats } from "../webhooks/index.js";
import { registerWebhookMetrics } from "./webhook-metrics.js";

const sampleOf = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);

describe("webhook dispatcher metrics", () => {
  it("report the queue and the oldest undelivered event's age as they are, and the counts as they grow", async () => {
    const registry = new Registry();
    const now = 1_000_000;
    let stats: DispatchStats = { delivered: 10, failed: 1, retries: 3, failedAttempts: 4, queueDepth: 2, oldestUndeliveredAt: now - 90_000 };
    registerWebhookMetrics(
      registry,
      () => stats,
      () => now,
    );
    let text = await registry.metrics();
    assert.equal(sampleOf(text, "sessiond_webhook_delivered_total"), 10);
    assert.equal(sampleOf(text, "sessiond_webhook_failed_total"), 1);
    assert.equal(sampleOf(text, "sessiond_webhook_retries_total"), 3);
    assert.equal(sampleOf(text, "sessiond_webhook_failed_attempts_total"), 4);
    assert.equal(sampleOf(text, "sessiond_webhook_queue_depth"), 2);
    assert.equal(sampleOf(text, "sessiond_webhook_oldest_undelivered_age_seconds"), 90);
    stats = { delivered: 25, failed: 1, retries: 5, failedAttempts: 4, queueDepth: 0, oldestUndeliveredAt: null };
    text = await registry.metrics();
    assert.equal(sampleOf(text, "sessiond_webhook_delivered_total"), 25);
    assert.equal(sampleOf(text, "sessiond_webhook_retries_total"), 5);
    assert.equal(sampleOf(text, "sessiond_webhook_queue_depth"), 0);
    assert.equal(sampleOf(text, "sessiond_webhook_oldest_undelivered_age_seconds"), 0);
  });
});
