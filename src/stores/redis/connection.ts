/**
 * One ioredis client (standalone or cluster) behind a gate that makes every call fail
 * fast with `store_unavailable` instead of hanging while Redis is away; ioredis itself
 * keeps reconnecting, so the store works again as soon as the server is back. ioredis
 * loads when the first Redis store is created.
 */
import type * as IORedis from "ioredis";
import type { Cluster, ClusterNode, Redis } from "ioredis";
import { SessiondError } from "../../core/errors.js";
import { lazyDriver } from "../lazy-driver.js";
import { SCRIPTS, type ScriptCommands } from "./lua.js";

/** ioredis, loaded when the first Redis store is created. */
export const redisDriver = lazyDriver<typeof IORedis>("ioredis");

export type Client = (Redis | Cluster) & ScriptCommands;

/** Server replies that mean "not now" rather than "your command is wrong". */
const UNAVAILABLE_REPLY = /^(CLUSTERDOWN|LOADING|MASTERDOWN|TRYAGAIN|READONLY|BUSY|NOREPLICAS|OOM|NOAUTH|WRONGPASS)/;

/** Driver and connection errors become `store_unavailable`; a rejected command or a script error is a bug and stays as it is. */
function translate(error: unknown): unknown {
  if (error instanceof SessiondError || error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError) return error;
  if (error instanceof Error && error.name === "ReplyError" && !UNAVAILABLE_REPLY.test(error.message)) return error;
  return new SessiondError("store_unavailable", "Redis is not available", { cause: error });
}

function clusterNodes(list: string): ClusterNode[] {
  return list.split(",").map((hostPort) => {
    const colon = hostPort.lastIndexOf(":");
    const host = (colon < 0 ? hostPort : hostPort.slice(0, colon)).replace(/^\[(.*)\]$/, "$1");
    const port = colon < 0 ? 6379 : Number(hostPort.slice(colon + 1));
    if (host.length === 0 || !Number.isInteger(port) || port < 1 || port > 65535)
      throw new SessiondError("request_invalid", "redis-cluster:// takes host:port pairs separated by commas");
    return { host, port };
  });
}

/** An ioredis client for a store URL, with the store's scripts defined. */
export function createClient(url: string, timeoutMs: number): Client {
  const { Cluster, Redis } = redisDriver();
  // Every command has a deadline, and a dropped connection retries a command at most once;
  // together with the readiness gate below nothing waits longer than the timeout.
  const perNode = { commandTimeout: timeoutMs, connectTimeout: timeoutMs, maxRetriesPerRequest: 1 };
  if (url.startsWith("redis-cluster://")) {
    const rest = url.slice("redis-cluster://".length).replace(/\/+$/, "");
    const at = rest.lastIndexOf("@");
    const credentials = at < 0 ? "" : rest.slice(0, at);
    const colon = credentials.indexOf(":");
    const user = decodeURIComponent(colon < 0 ? credentials : credentials.slice(0, colon));
    const password = colon < 0 ? "" : decodeURIComponent(credentials.slice(colon + 1));
    return new Cluster(clusterNodes(at < 0 ? rest : rest.slice(at + 1)), {
      scripts: SCRIPTS,
      enableAutoPipelining: true,
      slotsRefreshTimeout: timeoutMs,
      clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
      redisOptions: { ...perNode, ...(user === "" ? {} : { username: user }), ...(password === "" ? {} : { password }) },
    }) as Client;
  }
  if (url.startsWith("redis://") || url.startsWith("rediss://"))
    return new Redis(url, { ...perNode, scripts: SCRIPTS, enableAutoPipelining: true, retryStrategy: (times) => Math.min(100 * times, 2000) }) as Client;
  throw new SessiondError("request_invalid", "a Redis store URL starts with redis://, rediss:// or redis-cluster://");
}

/** Which server a URL names, for messages: host, port and database (or the cluster's nodes), never a password. */
export function describeTarget(url: string): string {
  if (url.startsWith("redis-cluster://")) {
    const rest = url.slice("redis-cluster://".length).replace(/\/+$/, "");
    return `Redis Cluster at ${rest.slice(rest.lastIndexOf("@") + 1)}`;
  }
  try {
    const parsed = new URL(url);
    const db = parsed.pathname.replace(/^\/+/, "") || "0";
    return `Redis at ${parsed.hostname || "localhost"}:${parsed.port || "6379"} (database ${db})`;
  } catch {
    return "Redis";
  }
}

/** What a failed connection set-up step was, from Redis's reply. */
function setupStep(error: Error): string {
  if (/^(NOAUTH|WRONGPASS|NOPERM)|password/i.test(error.message)) return "authentication failed";
  if (/DB index|invalid DB/i.test(error.message)) return "selecting the database failed";
  return "setting up the connection failed";
}

export class Connection {
  readonly client: Client;
  private readying: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** A cluster's keys of different slots live on different nodes: commands to them are not ordered. */
  readonly isCluster: boolean;
  private readonly target: string;
  /**
   * The last failed set-up step (AUTH, SELECT, the ready check), while no connection attempt
   * has succeeded since. ioredis reports a failed SELECT only as an 'error' event and then goes
   * on to 'ready' on database 0: every command would silently run in another database. So a
   * set-up error stops all commands, with a message saying what failed, until an attempt
   * completes cleanly.
   */
  private setupError: SessiondError | undefined;
  private attemptFailed = false;
  private failWaiting: ((error: SessiondError) => void) | undefined;

  constructor(
    url: string,
    private readonly timeoutMs: number,
  ) {
    this.client = createClient(url, timeoutMs);
    this.isCluster = this.client instanceof redisDriver().Cluster;
    this.target = describeTarget(url);
    // Failures reach callers through their commands as store_unavailable; without a listener
    // ioredis would print every reconnect attempt's error. A reply error here (not a command's:
    // those reach the command) is a set-up step the server refused.
    const onError = (error: Error) => {
      if (error.name !== "ReplyError") return;
      this.attemptFailed = true;
      this.setupError = new SessiondError("store_unavailable", `${this.target}: ${setupStep(error)}: ${error.message}`, { cause: error });
      this.failWaiting?.(this.setupError);
    };
    this.client.on("error", onError);
    if (this.isCluster) this.client.on("node error", onError);
    // Registered before any waiter in ready(), so a poisoned 'ready' is caught before anyone runs.
    this.client.on("connect", () => (this.attemptFailed = false));
    this.client.on("ready", () => {
      if (this.isCluster || !this.attemptFailed) {
        this.setupError = undefined;
        return;
      }
      // 'ready' after a refused SELECT: never use this connection (it is on the wrong database).
      this.client.disconnect();
    });
  }

  /** Runs one round trip (or one batch sent at once) against Redis, bounded by the timeout. */
  async run<T>(work: (client: Client) => Promise<T>): Promise<T> {
    if (this.closing !== undefined) throw new SessiondError("store_unavailable", "the store is closed");
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.ready();
      // ioredis times out each command itself, which is enough for one server. A cluster also
      // holds commands in its own queue, without a deadline, while it re-discovers slots: there
      // a backstop timer bounds the wait (it costs a timer per call, so only there).
      if (!this.isCluster) return await work(this.client);
      const backstop = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SessiondError("store_unavailable", `Redis did not answer within ${2 * this.timeoutMs} ms`)), 2 * this.timeoutMs);
      });
      return await Promise.race([work(this.client), backstop]);
    } catch (error) {
      throw translate(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Waits for the connection for at most the timeout; commands are never queued for a server
   * that is away, nor sent on a connection whose set-up failed.
   */
  private ready(): Promise<void> {
    if (this.setupError !== undefined) return Promise.reject(this.setupError);
    if (this.client.status === "ready") return Promise.resolve();
    this.readying ??= new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.client.off("ready", onReady);
        this.failWaiting = undefined;
        this.readying = undefined;
      };
      const onReady = () => {
        done();
        if (this.setupError === undefined) resolve();
        else reject(this.setupError);
      };
      const timer = setTimeout(() => {
        done();
        reject(new SessiondError("store_unavailable", `${this.target} is not reachable (${this.client.status}) within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.failWaiting = (error) => {
        done();
        reject(error);
      };
      this.client.on("ready", onReady);
    });
    return this.readying;
  }

  /** Quits politely when connected, else just drops the sockets; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.client.status === "ready") {
        const quit = this.client.quit().then(
          () => undefined,
          () => undefined,
        );
        const late = new Promise<void>((resolve) => setTimeout(resolve, this.timeoutMs).unref());
        await Promise.race([quit, late]);
      }
      this.client.disconnect();
    })();
    return this.closing;
  }
}
