/** Prometheus metrics of one server process. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  registry: Registry;
  /** Records one answered request (route is the pattern, never the URL). */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Counts one verification by its result: `valid` or the failure code. */
  countVerification(result: string): void;
}

/**
 * Labelled children looked up by one string key: prom-client hashes a labels object on every
 * call, which showed in the verify profile. Routes are patterns and results are codes, so the
 * maps stay small.
 */
function childCache<T>(make: (...labels: string[]) => T): (...labels: string[]) => T {
  const children = new Map<string, T>();
  return (...labels) => {
    const key = labels.join("\0");
    let child = children.get(key);
    if (child === undefined) {
      child = make(...labels);
      children.set(key, child);
    }
    return child;
  };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "sessiond_" });
  const requests = new Histogram({
    name: "sessiond_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const verifications = new Counter({
    name: "sessiond_verifications_total",
    help: "session verifications by result (valid or the failure code)",
    labelNames: ["result"],
    registers: [registry],
  });
  const requestChild = childCache((method, route, status) => requests.labels(method!, route!, status!));
  const verificationChild = childCache((result) => verifications.labels(result!));
  return {
    registry,
    observeRequest: (method, route, status, seconds) => requestChild(method, route, String(status)).observe(seconds),
    countVerification: (result) => verificationChild(result).inc(),
  };
}
