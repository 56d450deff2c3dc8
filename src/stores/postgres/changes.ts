/**
 * Session changes between processes on one PostgreSQL database: writers NOTIFY inside
 * their transaction, and each process LISTENs on one dedicated connection. While that
 * connection is down the watch reports unhealthy (copies are not trusted), and every
 * reconnect tells listeners to forget everything, since notifications are not replayed.
 */
import type pg from "pg";
import { SessiondError } from "../../core/errors.js";
import type { ChangeFeed, ChangeListener, ChangeWatch } from "../../core/store/index.js";
import { type PostgresConnection, pgDriver } from "./connection.js";

const RECONNECT_MS = 500;

export class PostgresChangeFeed implements ChangeFeed {
  private client: pg.Client | null = null;
  private connected = false;
  private closed = false;
  private starting: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly conn: PostgresConnection) {}

  private get listeners() {
    return this.conn.listeners;
  }

  /** Other processes' changes arrive by LISTEN on one dedicated connection, opened on first use. */
  async watch(listener: ChangeListener): Promise<ChangeWatch> {
    if (this.conn.isClosed) throw new SessiondError("store_unavailable", "the store is closed");
    const watch = this.listeners.add(listener, { healthy: () => this.connected, onEmpty: () => this.disconnect() });
    this.starting ??= this.connect();
    await this.starting;
    return watch;
  }

  private async connect(): Promise<void> {
    const { url, timeoutMs } = this.conn.options;
    const client = new (pgDriver().Client)({ connectionString: url, connectionTimeoutMillis: timeoutMs });
    this.client = client;
    const lost = () => {
      if (this.client !== client) return;
      this.connected = false;
      this.client = null;
      client.removeAllListeners();
      client.on("error", () => undefined);
      void client.end().catch(() => undefined);
      this.listeners.emit(null);
      this.scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", lost);
    client.on("notification", (message) => {
      if (message.channel === this.conn.channel && message.payload) this.listeners.emit(message.payload.split(","));
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.conn.channel}"`);
      this.connected = true;
      // Anything committed before LISTEN took effect was not heard: start from a clean slate.
      this.listeners.emit(null);
    } catch {
      lost();
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.listeners.size === 0 || this.retry !== null) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.closed && this.listeners.size > 0 && this.client === null) this.starting = this.connect();
    }, RECONNECT_MS);
    this.retry.unref();
  }

  private async disconnect(): Promise<void> {
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    const client = this.client;
    this.client = null;
    this.connected = false;
    this.starting = null;
    if (client !== null) {
      client.removeAllListeners();
      client.on("error", () => undefined);
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.disconnect();
  }
}
