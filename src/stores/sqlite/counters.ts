/** The SQLite store's rate-limit counters: one row per key and window, trimmed by the sweeper once the window ends. */
import type { CounterStore } from "../../core/store/index.js";
import type { SqliteConnection } from "./connection.js";

export class SqliteCounters implements CounterStore {
  private readonly upsert;

  constructor(private readonly conn: SqliteConnection) {
    this.upsert = conn.prepared((db) =>
      db
        .prepare<[string, number, number, number], number>(
          `INSERT INTO rate_counters (key, window_start, total, expires_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (key, window_start) DO UPDATE SET total = total + excluded.total RETURNING total`,
        )
        .pluck(),
    );
  }

  add(key: string, windowStartAt: number, windowMs: number, count: number): Promise<number> {
    return this.conn.run(() => this.upsert().get(key, windowStartAt, count, windowStartAt + windowMs)!);
  }
}
