/** The counter role of the store contract (its one consumer: src/core/rate-limit.ts). */

/** Rate-limit counters in fixed windows, shared by every server on the store. */
export interface CounterStore {
  /**
   * MUST add `count` to counter `key` of the fixed window that starts at `windowStartAt`,
   * atomically across processes, and return the window's new total. A window's counter MAY be
   * forgotten once `windowStartAt + windowMs` has passed.
   */
  add(key: string, windowStartAt: number, windowMs: number, count: number): Promise<number>;
}
