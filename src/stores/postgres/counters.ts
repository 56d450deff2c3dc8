/** The PostgreSQL store's rate-limit counters: one row per key and window, trimmed by the sweeper once the window ends. */
import type { CounterStore } from "../../core/store/index.js";
import type { Query } from "./connection.js";

export class PostgresCounters implements CounterStore {
  constructor(private readonly query: Query) {}

  async add(key: string, windowStartAt: number, windowMs: number, count: number): Promise<number> {
    const rows = await this.query(
      `INSERT INTO rate_counters (key, window_start, total, expires_at) VALUES (@key, @windowStart, @count, @expiresAt)
       ON CONFLICT (key, window_start) DO UPDATE SET total = rate_counters.total + excluded.total RETURNING total`,
      { key, windowStart: windowStartAt, count, expiresAt: windowStartAt + windowMs },
    );
    return rows[0]!.total as number;
  }
}
