/** Prometheus metrics of one server process. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  registry: Registry;
  requests: Histogram<"method" | "route" | "status">;
  verifications: Counter<"result">;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "sessiond_" });
  return {
    registry,
    requests: new Histogram({
      name: "sessiond_http_request_duration_seconds",
      help: "HTTP request duration by route and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    verifications: new Counter({
      name: "sessiond_verifications_total",
      help: "session verifications by result (valid or the failure code)",
      labelNames: ["result"],
      registers: [registry],
    }),
  };
}
