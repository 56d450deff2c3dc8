/** The memory store's rate-limit counters. */
import type { CounterStore } from "../../core/store/index.js";

/** Past this many counters, those of windows that have ended are dropped. */
const COUNTERS_KEPT = 10_000;

export class MemoryCounters implements CounterStore {
  private readonly hits = new Map<string, { total: number; until: number }>();

  async add(key: string, windowStartAt: number, windowMs: number, count: number): Promise<number> {
    const slot = `${windowStartAt}:${key}`;
    const until = windowStartAt + windowMs;
    const entry = this.hits.get(slot) ?? { total: 0, until };
    entry.total += count;
    this.hits.set(slot, entry);
    if (this.hits.size > COUNTERS_KEPT) for (const [k, v] of this.hits) if (v.until < windowStartAt) this.hits.delete(k);
    return entry.total;
  }
}
