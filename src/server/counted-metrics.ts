/** Prometheus counters over counts a part of sessiond keeps itself (the core and the dispatcher know nothing of prom-client). */
import { Counter, type Registry } from "prom-client";

/**
 * Registers one counter per `[field, name, help]`, read from `read()` at each scrape. The counts
 * only grow, so each counter moves by what was added since the last scrape.
 */
export function registerCountedMetrics<T>(registry: Registry, counted: readonly (readonly [keyof T, string, string])[], read: () => T | null): void {
  for (const [field, name, help] of counted) {
    let reported = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = Number(read()?.[field] ?? 0);
        this.inc(now - reported);
        reported = now;
      },
    });
  }
}
