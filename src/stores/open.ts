/** Store URL → store. Drivers load lazily, so a deployment only loads the one it uses. */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "../config-error.js";
import { DEFAULT_SETTINGS, DEFAULT_STORE_TIMEOUT_MS } from "../core/defaults.js";
import { SessiondError } from "../core/errors.js";
import type { FlatMethods } from "../core/store/flat-methods.js";
import type { Store } from "../core/store/index.js";

/** What opening a store needs besides its URL. */
export interface OpenOptions {
  /** Apply schema migrations on open (default true); `sessiond migrate` opens with false and migrates itself. */
  migrate?: boolean;
  /** Give up on the store after this long with `store_unavailable` (default {@link DEFAULT_STORE_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** How long terminal sessions stay readable; Redis sets key expiry from it. */
  retentionMs?: number;
  /**
   * Refuse to create the store: a SQLite file that does not exist is a configuration error
   * naming the path, not a new empty database (for commands that read what is there).
   */
  mustExist?: boolean;
}

/** Query parameters that carry a credential (`?password=`, `?sslpassword=`, `?auth=`, `?token=`, `?secret=`, `?…key=`). */
const SECRET_PARAM = /pass|secret|token|auth|credential|key/i;

/**
 * A store URL fit for logs, errors and CLI output: the password of the user-info part and
 * every credential-like query parameter become `***`; the user name, host, port and database
 * stay, so an operator can still tell which store is meant.
 */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (scheme === null) return url;
  const rest = url.slice(scheme[0].length);
  const queryAt = rest.search(/[?#]/);
  const [head, tail] = queryAt < 0 ? [rest, ""] : [rest.slice(0, queryAt), rest.slice(queryAt)];
  // The last "@" before the path ends the user info: an unencoded "@" in a password must not leave the rest in clear.
  const pathAt = head.indexOf("/", head.lastIndexOf("@") + 1);
  const authority = pathAt < 0 ? head : head.slice(0, pathAt);
  const at = authority.lastIndexOf("@");
  let shown = head;
  if (at >= 0) {
    const userInfo = authority.slice(0, at);
    const colon = userInfo.indexOf(":");
    shown = `${colon < 0 ? userInfo : `${userInfo.slice(0, colon)}:***`}@${head.slice(at + 1)}`;
  }
  const redactedTail = tail.replace(/([?&;])([^=&;#]*)=([^&;#]*)/g, (whole, sep: string, name: string) =>
    SECRET_PARAM.test(decodeQueryName(name)) ? `${sep}${name}=***` : whole,
  );
  return `${scheme[0]}${shown}${redactedTail}`;
}

/** `new URL`, whose error would carry the whole URL (password included) in its `input`. */
function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new ConfigError([`SESSIOND_STORE (--store): not a valid URL: ${redactUrl(url)}`]);
  }
}

function decodeQueryName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, " "));
  } catch {
    return name;
  }
}

/**
 * Opens the store named by a URL: `sqlite:<path>`, `memory:`, `postgres://…`
 * (`?schema=name` picks a schema), `redis://host:port[/db]`, `redis-cluster://h1:p1,h2:p2,…`
 * (`?prefix=name:` namespaces the keys).
 */
export async function openStore(url: string, options: OpenOptions = {}): Promise<Store & FlatMethods> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  if (url === "memory:" || url === "memory://") {
    const { memoryStore } = await import("./memory/index.js");
    return memoryStore();
  }
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (path.length === 0) throw new SessiondError("request_invalid", "sqlite: needs a path, e.g. sqlite:./data/sessiond.db");
    if (options.mustExist === true && path !== ":memory:" && !existsSync(path))
      throw new ConfigError([
        `SESSIOND_STORE (--store): there is no SQLite database at ${resolve(path)}` +
          (isAbsolute(path) ? "" : ` (${path} is relative to the current directory)`) +
          "; point --store or SESSIOND_STORE at the server's database, e.g. --store sqlite:/srv/sessiond/data/sessiond.db",
      ]);
    const { sqliteStore } = await import("./sqlite/index.js");
    return sqliteStore({ path, busyTimeoutMs: timeoutMs, ...(options.migrate === undefined ? {} : { migrate: options.migrate }) });
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const parsed = parseUrl(url);
    const schema = parsed.searchParams.get("schema") ?? undefined;
    parsed.searchParams.delete("schema");
    const { postgresStore } = await import("./postgres/index.js");
    return postgresStore({
      url: parsed.toString(),
      timeoutMs,
      ...(schema === undefined ? {} : { schema }),
      ...(options.migrate === undefined ? {} : { migrate: options.migrate }),
    });
  }
  if (url.startsWith("redis://") || url.startsWith("rediss://") || url.startsWith("redis-cluster://")) {
    const [base, query = ""] = url.split("?", 2) as [string, string?];
    const prefix = new URLSearchParams(query).get("prefix") ?? undefined;
    const { redisStore } = await import("./redis/index.js");
    const store = redisStore({
      url: base,
      retentionMs: options.retentionMs ?? DEFAULT_SETTINGS.retentionMs,
      commandTimeoutMs: timeoutMs,
      ...(prefix === undefined ? {} : { prefix }),
    });
    // Redis connects lazily; a server that is away, refuses the password or has no such
    // database must stop start-up (and a CLI command) here, as PostgreSQL's migration does.
    try {
      await store.ping();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }
  throw new SessiondError(
    "request_invalid",
    `unsupported store URL ${JSON.stringify(redactUrl(url))}: use sqlite:<path>, postgres://…, redis://…, redis-cluster://… or memory:`,
  );
}
