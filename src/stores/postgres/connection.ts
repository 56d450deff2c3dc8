/** The pool, named parameters and error translation of the PostgreSQL store. */
import { createHash } from "node:crypto";
import pg from "pg";
import { SessiondError } from "../../core/errors.js";
import type { Row } from "../sql/rows.js";

/** BIGINT columns hold epoch milliseconds, which fit a JS number exactly. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export function createPool(options: { url: string; schema: string; poolSize: number; timeoutMs: number }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.timeoutMs,
    query_timeout: options.timeoutMs,
    options: `-c search_path="${options.schema}"`,
    types,
  });
  pool.on("error", () => undefined); // an idle client lost its server; the next query reconnects or reports store_unavailable
  describeConnectFailures(pool, targetOf(options.url), options.timeoutMs);
  return pool;
}

/** Where a pool connects, as people name it: host, port, database and user, never the password. */
export interface Target {
  host: string;
  port: string;
  database: string;
  user: string;
}

/** The target of a connection URL, with node-postgres's defaults (localhost, 5432, the user's name as database). */
export function targetOf(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { host: "(unparsable URL)", port: "", database: "", user: "" }; // never echo an unparsable URL: it may hold a password
  }
  const query = parsed.searchParams;
  const user = query.get("user") ?? (decodeURIComponent(parsed.username) || "postgres");
  return {
    host: query.get("host") ?? (decodeURIComponent(parsed.hostname) || "localhost"),
    port: query.get("port") ?? (parsed.port || "5432"),
    database: query.get("database") ?? query.get("dbname") ?? (decodeURIComponent(parsed.pathname.slice(1)) || user),
    user,
  };
}

/**
 * Failing to connect is the one error an operator meets first (a wrong port, database or user),
 * so it says which server, database and user and what went wrong, as `store_unavailable`
 * (never a bug, `internal`). Every checkout goes through `pool.connect`, `pool.query` too, so
 * wrapping it here covers queries, transactions and migrations alike.
 */
function describeConnectFailures(pool: pg.Pool, target: Target, timeoutMs: number): void {
  const connect = pool.connect.bind(pool) as (callback?: (error: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void) => Promise<pg.PoolClient>;
  pool.connect = ((callback?: (error: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void) => {
    const startedAt = Date.now();
    // node-postgres reports its own connect timeout in several words ("timeout expired",
    // "Connection terminated unexpectedly", …); the time it took is the reliable sign.
    const describe = (error: Error) => new SessiondError("store_unavailable", connectFailure(error, target, timeoutMs, Date.now() - startedAt >= timeoutMs), { cause: error });
    return callback === undefined
      ? connect().catch((error: Error) => Promise.reject(describe(error)))
      : connect((error, client, done) => callback(error === undefined || error === null ? error : describe(error), client, done));
  }) as typeof pool.connect;
}

/** One sentence naming the target and the reason a connection failed (the server's own words for refusals, which never hold a password). */
export function connectFailure(error: Error, target: Target, timeoutMs: number, timedOut = false): string {
  const where = `PostgreSQL at ${target.host}:${target.port}, database "${target.database}"`;
  const code = (error as { code?: string }).code;
  if (timedOut && !/^[0-9A-Z]{5}$/.test(code ?? "")) return `${where}: no answer within ${timeoutMs} ms`;
  switch (code) {
    case "3D000":
      return `${where}: the database does not exist (${error.message})`;
    case "28000":
    case "28P01":
      return `${where}: user "${target.user}" was refused (${error.message})`;
    case "ECONNREFUSED":
      return `${where}: connection refused (is PostgreSQL running, and on this port?)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `${where}: host ${target.host} not found`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${where}: host unreachable`;
    default:
      if (/timeout/i.test(error.message)) return `${where}: no answer within ${timeoutMs} ms`;
      return `${where}: cannot connect (${code ?? error.message})`;
  }
}

/**
 * Runs `work` on a client checked out of the pool. pg-pool stops listening to a client it
 * hands out, so without a listener a connection dropped meanwhile (a PostgreSQL restart)
 * would be an unhandled 'error' that kills the process; here it fails the pending query
 * instead, and the broken client is discarded rather than returned to the pool.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => (lost = error);
  client.on("error", onError);
  try {
    return await work(client);
  } finally {
    client.off("error", onError);
    client.release(lost);
  }
}

const statementNames = new Map<string, string>();

/**
 * `@name` placeholders → `$n`, so queries read like the SQLite ones. Each distinct text gets a
 * statement name, so node-postgres prepares it once per connection and reuses the plan
 * (the texts are a small fixed set: filters only switch clauses on or off).
 */
export function named(text: string, params: Row): { name: string; text: string; values: unknown[] } {
  const order: string[] = [];
  const positional = text.replace(/@([a-zA-Z_]+)/g, (_, name: string) => {
    let index = order.indexOf(name);
    if (index === -1) index = order.push(name) - 1;
    return `$${index + 1}`;
  });
  let name = statementNames.get(positional);
  if (name === undefined) statementNames.set(positional, (name = `sd_${createHash("sha1").update(positional).digest("hex").slice(0, 20)}`));
  return { name, text: positional, values: order.map((name) => (params[name] === undefined ? null : params[name])) };
}

const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "57P01", "57P02", "57P03", "53300"]);

/** Unreachable or timed-out servers become `store_unavailable`, duplicate keys `conflict`; anything else is a bug. */
export function translate(error: unknown): unknown {
  if (error instanceof SessiondError) return error;
  const code = (error as { code?: string } | null)?.code;
  const message = (error as Error | null)?.message ?? "";
  if (code === "23505") return new SessiondError("conflict", "a record with this id already exists", { cause: error });
  if ((code !== undefined && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) || /timeout|terminat|Connection|connect/i.test(message))
    return new SessiondError("store_unavailable", "PostgreSQL is not reachable", { cause: error });
  return error;
}
