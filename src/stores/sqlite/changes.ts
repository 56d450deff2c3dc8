/**
 * Session changes between processes on one SQLite file. Writers log each changed id in
 * `session_changes` inside their transaction (connection.ts); other processes pull: `poll`
 * asks SQLite whether anyone else committed since the last look (`PRAGMA data_version`, no
 * I/O, at most once a millisecond) and only then reads the log.
 */
import type { ChangeFeed, ChangeListener, ChangeWatch } from "../../core/store/index.js";
import type { SqliteConnection } from "./connection.js";

/** Polls closer together than this are answered from the last look (a poll costs ~2 µs of SQLite). */
const POLL_INTERVAL_MS = 1;
/** More changes than this in one poll: forgetting every copy is cheaper than reading them all. */
const CHANGE_POLL_LIMIT = 1000;

export class SqliteChangeFeed implements ChangeFeed {
  private readonly q;
  private seenDataVersion = -1;
  private seenChangeSeq = 0;
  private lastPollAt = -Infinity;

  constructor(private readonly conn: SqliteConnection) {
    this.q = conn.prepared((db) => ({
      dataVersion: db.prepare("PRAGMA data_version").pluck(),
      changesSince: db.prepare<[number, number], { seq: number; session_id: string }>(
        "SELECT seq, session_id FROM session_changes WHERE seq > ? ORDER BY seq LIMIT ?",
      ),
      firstChange: db.prepare("SELECT min(seq) FROM session_changes").pluck(),
      lastChange: db.prepare("SELECT coalesce(max(seq), 0) FROM session_changes").pluck(),
    }));
  }

  /** Other processes' changes are pulled from the change log on `poll`. */
  async watch(listener: ChangeListener): Promise<ChangeWatch> {
    await this.conn.run(() => this.startIfIdle());
    return this.conn.listeners.add(listener, { healthy: () => !this.conn.isClosed, poll: () => this.conn.usable && this.poll() });
  }

  /** Before the first listener: later polls report only what is committed from now on. */
  private startIfIdle(): void {
    if (this.conn.listeners.size > 0) return;
    this.seenDataVersion = this.q().dataVersion.get() as number;
    this.seenChangeSeq = this.q().lastChange.get() as number;
  }

  private poll(): void {
    const now = performance.now();
    if (now - this.lastPollAt < POLL_INTERVAL_MS) return;
    this.lastPollAt = now;
    const q = this.q();
    const version = q.dataVersion.get() as number;
    if (version === this.seenDataVersion) return;
    this.seenDataVersion = version;
    const first = q.firstChange.get() as number | null;
    const rows = q.changesSince.all(this.seenChangeSeq, CHANGE_POLL_LIMIT);
    // Entries we never saw were trimmed, or too many arrived at once: forget every copy.
    if ((first !== null && first > this.seenChangeSeq + 1 && this.seenChangeSeq > 0) || rows.length === CHANGE_POLL_LIMIT) {
      this.seenChangeSeq = q.lastChange.get() as number;
      this.conn.listeners.emit(null);
      return;
    }
    if (rows.length === 0) return;
    this.seenChangeSeq = rows[rows.length - 1]!.seq;
    this.conn.listeners.emit(rows.map((r) => r.session_id));
  }
}
