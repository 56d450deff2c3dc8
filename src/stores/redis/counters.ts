/** The Redis store's rate-limit counters: one key per counter and window, expiring by itself when the window ends. */
import type { CounterStore } from "../../core/store/index.js";
import type { RedisContext } from "./context.js";

export class RedisCounters implements CounterStore {
  constructor(private readonly ctx: RedisContext) {}

  async add(key: string, windowStartAt: number, windowMs: number, count: number): Promise<number> {
    const counter = this.ctx.keys.rateCounter(key, windowStartAt);
    const [[, total]] = (await this.ctx.conn.run((c) =>
      c
        .multi()
        .incrby(counter, count)
        .pexpireat(counter, windowStartAt + windowMs)
        .exec(),
    )) as [[unknown, number]];
    return total;
  }
}
