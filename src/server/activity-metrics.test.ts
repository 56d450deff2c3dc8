import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import type { ActivityWriterStats } from "../core/activity-writer.js";
import { registerActivityMetrics } from "./activity-metrics.js";

const sampleOf = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);

describe("activity writer metrics", () => {
  it("report the queue depth as it is and the counts as they grow, scrape after scrape", async () => {
    const registry = new Registry();
    let stats: ActivityWriterStats = { depth: 7, batches: 2, writes: 40, dropped: 0, failures: 1 };
    registerActivityMetrics(registry, () => stats);
    let text = await registry.metrics();
    assert.equal(sampleOf(text, "sessiond_activity_queue_depth"), 7);
    assert.equal(sampleOf(text, "sessiond_activity_writes_total"), 40);
    assert.equal(sampleOf(text, "sessiond_activity_batches_total"), 2);
    assert.equal(sampleOf(text, "sessiond_activity_batch_failures_total"), 1);
    stats = { depth: 0, batches: 5, writes: 100, dropped: 3, failures: 4 };
    text = await registry.metrics();
    assert.equal(sampleOf(text, "sessiond_activity_queue_depth"), 0);
    assert.equal(sampleOf(text, "sessiond_activity_writes_total"), 100);
    assert.equal(sampleOf(text, "sessiond_activity_dropped_total"), 3);
  });

  it("read zero when activity is written on the response path", async () => {
    const registry = new Registry();
    registerActivityMetrics(registry, () => null);
    const text = await registry.metrics();
    assert.equal(sampleOf(text, "sessiond_activity_queue_depth"), 0);
    assert.equal(sampleOf(text, "sessiond_activity_writes_total"), 0);
  });
});
