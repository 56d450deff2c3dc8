/** Store URL → store. Drivers load lazily, so a deployment only loads the one it uses. */
import { SessiondError } from "../core/errors.js";
import type { SessionStore } from "../core/store.js";

/** What opening a store needs besides its URL. */
export interface OpenOptions {
  /** Apply schema migrations on open (default true); `sessiond migrate` opens with false and migrates itself. */
  migrate?: boolean;
  /** Give up on the store after this long with `store_unavailable` (default 2000). */
  timeoutMs?: number;
  /** How long terminal sessions stay readable; Redis sets key expiry from it. */
  retentionMs?: number;
}

/** A URL with its password hidden, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

/**
 * Opens the store named by a URL: `sqlite:<path>`, `memory:`, `postgres://…`
 * (`?schema=name` picks a schema), `redis://host:port[/db]`, `redis-cluster://h1:p1,h2:p2,…`
 * (`?prefix=name:` namespaces the keys).
 */
export async function openStore(url: string, options: OpenOptions = {}): Promise<SessionStore> {
  const timeoutMs = options.timeoutMs ?? 2000;
  if (url === "memory:" || url === "memory://") {
    const { memoryStore } = await import("./memory.js");
    return memoryStore();
  }
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (path.length === 0) throw new SessiondError("request_invalid", "sqlite: needs a path, e.g. sqlite:./data/sessiond.db");
    const { sqliteStore } = await import("./sqlite/index.js");
    return sqliteStore({ path, busyTimeoutMs: timeoutMs, ...(options.migrate === undefined ? {} : { migrate: options.migrate }) });
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get("schema") ?? undefined;
    parsed.searchParams.delete("schema");
    const { postgresStore } = await import("./postgres/index.js");
    return postgresStore({ url: parsed.toString(), timeoutMs, ...(schema === undefined ? {} : { schema }), ...(options.migrate === undefined ? {} : { migrate: options.migrate }) });
  }
  if (url.startsWith("redis://") || url.startsWith("rediss://") || url.startsWith("redis-cluster://")) {
    const [base, query = ""] = url.split("?", 2) as [string, string?];
    const prefix = new URLSearchParams(query).get("prefix") ?? undefined;
    const { redisStore } = await import("./redis/index.js");
    return redisStore({ url: base, retentionMs: options.retentionMs ?? 30 * 86_400_000, commandTimeoutMs: timeoutMs, ...(prefix === undefined ? {} : { prefix }) });
  }
  throw new SessiondError("request_invalid", `unsupported store URL ${JSON.stringify(redactUrl(url))}: use sqlite:<path>, postgres://…, redis://…, redis-cluster://… or memory:`);
}
