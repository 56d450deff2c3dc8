/**
 * Prometheus metrics of the activity writer (src/core/activity-writer.ts). The core keeps plain
 * counts and knows nothing of prom-client; they are read here when /metrics is scraped.
 */
import { Gauge, type Registry } from "prom-client";
import { registerCountedMetrics } from "./counted-metrics.js";
import type { ActivityWriterStats } from "../core/activity-writer.js";

/** Registers the writer's queue depth, batches, writes, failures and dropped writes on `registry`. */
export function registerActivityMetrics(registry: Registry, read: () => ActivityWriterStats | null): void {
  new Gauge({
    name: "sessiond_activity_queue_depth",
    help: "activity writes queued or being written (off the response path)",
    registers: [registry],
    collect() {
      this.set(read()?.depth ?? 0);
    },
  });
  const counted: [keyof Omit<ActivityWriterStats, "depth">, string, string][] = [
    ["batches", "sessiond_activity_batches_total", "store calls that wrote a batch of activity"],
    ["writes", "sessiond_activity_writes_total", "activity writes carried by those batches"],
    ["failures", "sessiond_activity_batch_failures_total", "failed activity batch store calls (each retried, or dropped)"],
    ["dropped", "sessiond_activity_dropped_total", "activity writes given up on after the retries"],
  ];
  registerCountedMetrics(registry, counted, read);
}
