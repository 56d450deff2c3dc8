/**
 * Session changes between processes on one PostgreSQL database: writers NOTIFY inside
 * their transaction, and each process LISTENs on one dedicated connection. While that
 * connection is down the watch reports unhealthy (copies are not trusted), and every
 * reconnect tells listeners to forget everything, since notifications are not replayed.
 */
import pg from "pg";
import type { ChangeListener, ChangeWatch } from "../../core/store.js";
import { ChangeListeners } from "../shared.js";

/** NOTIFY payloads are limited to 8000 bytes: ids go in comma-joined chunks well under that. */
const PAYLOAD_BYTES = 7000;
const RECONNECT_MS = 500;

/** Comma-joined id lists, each fitting one NOTIFY payload. */
export function notificationPayloads(ids: readonly string[]): string[] {
  const payloads: string[] = [];
  let current = "";
  for (const id of ids) {
    if (current !== "" && current.length + id.length + 1 > PAYLOAD_BYTES) {
      payloads.push(current);
      current = "";
    }
    current = current === "" ? id : `${current},${id}`;
  }
  if (current !== "") payloads.push(current);
  return payloads;
}

export class PostgresChangeFeed {
  readonly channel: string;
  private readonly listeners = new ChangeListeners();
  private client: pg.Client | null = null;
  private connected = false;
  private closed = false;
  private starting: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly options: { url: string; channel: string; timeoutMs: number }) {
    this.channel = options.channel;
  }

  /** This process's own committed changes, announced without waiting for the round trip. */
  local(ids: readonly string[]): void {
    if (ids.length > 0) this.listeners.emit(ids);
  }

  async watch(listener: ChangeListener): Promise<ChangeWatch> {
    const watch = this.listeners.add(listener, { healthy: () => this.connected, onEmpty: () => this.disconnect() });
    this.starting ??= this.connect();
    await this.starting;
    return watch;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, connectionTimeoutMillis: this.options.timeoutMs });
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
      if (message.channel === this.channel && message.payload) this.listeners.emit(message.payload.split(","));
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
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
