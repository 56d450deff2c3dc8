/**
 * The PostgreSQL store's connections: the driver (loaded when the first store opens), the
 * pool, named parameters, transactions that announce changed sessions, and error translation.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import { SessiondError } from "../../core/errors.js";
import { ChangeListeners } from "../change-listeners.js";
import { lazyDriver } from "../lazy-driver.js";
import type { Row } from "../sql/rows.js";

/** node-postgres, loaded when the first PostgreSQL store opens. */
export const pgDriver = lazyDriver<typeof pg>("pg");

/** Runs a query with `@name` parameters and returns its rows. */
export type Query = (text: string, params: Row) => Promise<Row[]>;

/** NOTIFY payloads are limited to 8000 bytes: ids go in comma-joined chunks well under that. */
const PAYLOAD_BYTES = 7000;

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

/**
 * The pool every role shares, and this process's change listeners (changes.ts adds other
 * processes' changes to them; transactions add this one's).
 */
export class PostgresConnection {
  readonly pool: pg.Pool;
  /** The NOTIFY channel of this schema's changes. */
  readonly channel: string;
  readonly listeners = new ChangeListeners();
  private closed = false;

  constructor(readonly options: { url: string; schema: string; poolSize: number; timeoutMs: number }) {
    this.pool = createPool(options);
    this.channel = `sessiond_changes_${options.schema}`;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  readonly query: Query = async (text, params) => {
    if (this.closed) throw new SessiondError("store_unavailable", "the store is closed");
    try {
      return (await this.pool.query(named(text, params))).rows as Row[];
    } catch (error) {
      throw translate(error);
    }
  };

  /**
   * Runs `work` in a transaction; a deadlock or serialisation failure is a lost race (`conflict`),
   * which callers retry. Sessions `work` reports as changed are announced with NOTIFY, which
   * PostgreSQL delivers exactly when (and only if) the transaction commits.
   */
  async transaction<T>(work: (query: Query, changed: (ids: string[]) => void) => Promise<T>): Promise<T> {
    if (this.closed) throw new SessiondError("store_unavailable", "the store is closed");
    try {
      return await withClient(this.pool, async (client) => {
        const query: Query = async (text, params) => (await client.query(named(text, params))).rows as Row[];
        const changedIds: string[] = [];
        try {
          await client.query("BEGIN");
          const result = await work(query, (ids) => changedIds.push(...ids));
          for (const payload of notificationPayloads(changedIds)) await query("SELECT pg_notify(@channel, @payload)", { channel: this.channel, payload });
          await client.query("COMMIT");
          // This process's own committed changes, announced without waiting for the round trip.
          if (changedIds.length > 0) this.listeners.emit(changedIds);
          return result;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "40P01" || code === "40001") throw new SessiondError("conflict", "a concurrent change won; try again", { cause: error });
      throw translate(error);
    }
  }

  /** Refuses new queries, runs `beforeEnd` (the change feed's own connection), then ends the pool; idempotent. */
  async close(beforeEnd: () => Promise<void>): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await beforeEnd();
    await this.pool.end();
  }
}

function createPool(options: { url: string; schema: string; poolSize: number; timeoutMs: number }): pg.Pool {
  const { Pool, types: pgTypes } = pgDriver();
  // BIGINT columns hold epoch milliseconds, which fit a JS number exactly.
  const types = {
    getTypeParser: ((oid: number, format?: "text" | "binary") =>
      oid === pgTypes.builtins.INT8 ? (value: string) => Number(value) : pgTypes.getTypeParser(oid, format)) as typeof pgTypes.getTypeParser,
  };
  const pool = new Pool({
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
  const connect = pool.connect.bind(pool) as (
    callback?: (error: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void,
  ) => Promise<pg.PoolClient>;
  pool.connect = ((callback?: (error: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void) => {
    const startedAt = Date.now();
    // node-postgres reports its own connect timeout in several words ("timeout expired",
    // "Connection terminated unexpectedly", …); the time it took is the reliable sign.
    const describe = (error: Error) =>
      new SessiondError("store_unavailable", connectFailure(error, target, timeoutMs, Date.now() - startedAt >= timeoutMs), { cause: error });
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

interface Statement {
  name: string;
  text: string;
  /** The parameter names in `$n` order. */
  order: string[];
}

/** By the `@name` text: rewriting a long statement (an event-writing CTE) on every call cost more than a primary-key read. */
const statements = new Map<string, Statement>();

/**
 * `@name` placeholders → `$n`, so queries read like the SQLite ones. Each distinct text gets a
 * statement name, so node-postgres prepares it once per connection and reuses the plan
 * (the texts are a small fixed set: filters only switch clauses on or off).
 */
export function named(text: string, params: Row): { name: string; text: string; values: unknown[] } {
  let statement = statements.get(text);
  if (statement === undefined) {
    const order: string[] = [];
    const positional = text.replace(/@([a-zA-Z_]+)/g, (_, name: string) => {
      let index = order.indexOf(name);
      if (index === -1) index = order.push(name) - 1;
      return `$${index + 1}`;
    });
    statement = { name: `sd_${createHash("sha1").update(positional).digest("hex").slice(0, 20)}`, text: positional, order };
    statements.set(text, statement);
  }
  return { name: statement.name, text: statement.text, values: statement.order.map((name) => (params[name] === undefined ? null : params[name])) };
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
