/**
 * Prometheus metrics of the webhook dispatcher (src/webhooks/). The dispatcher keeps plain counts
 * and knows nothing of prom-client; they are read here when /metrics is scraped.
 */
import { Gauge, type Registry } from "prom-client";
import { registerCountedMetrics } from "./counted-metrics.js";
import type { DispatchStats } from "../webhooks/index.js";

/** Registers deliveries, failures, retries, the retry queue's depth and the oldest undelivered event's age on `registry`. */
export function registerWebhookMetrics(registry: Registry, read: () => DispatchStats, now: () => number = Date.now): void {
  new Gauge({
    name: "sessiond_webhook_queue_depth",
    help: "webhook deliveries waiting for a retry at the endpoints this server delivers to",
    registers: [registry],
    collect() {
      this.set(read().queueDepth);
    },
  });
  new Gauge({
    name: "sessiond_webhook_oldest_undelivered_age_seconds",
    help: "age of the oldest event not yet delivered to an endpoint this server delivers to (0: none)",
    registers: [registry],
    collect() {
      const oldest = read().oldestUndeliveredAt;
      this.set(oldest === null ? 0 : Math.max(0, (now() - oldest) / 1000));
    },
  });
  const counted: [keyof Omit<DispatchStats, "queueDepth" | "oldestUndeliveredAt">, string, string][] = [
    ["delivered", "sessiond_webhook_delivered_total", "webhook attempts answered with a 2xx"],
    ["failedAttempts", "sessiond_webhook_failed_attempts_total", "webhook attempts that failed (each retried later, or the last)"],
    ["retries", "sessiond_webhook_retries_total", "webhook attempts after the first of their event"],
    ["failed", "sessiond_webhook_failed_total", "webhook deliveries given up on after the last attempt of the schedule"],
  ];
  registerCountedMetrics(registry, counted, read);
}
