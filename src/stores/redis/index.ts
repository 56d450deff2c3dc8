/**
 * The shared store on Redis or Redis Cluster. Each role is a file of this folder; they share
 * one connection and key layout (context.ts). ioredis loads when the first store is created.
 */
import { DEFAULT_STORE_TIMEOUT_MS } from "../../core/defaults.js";
import { SessiondError } from "../../core/errors.js";
import { FlatMethodForwarder } from "../../core/store/flat-methods.js";
import type {
  ApiKeyStore,
  ChangeFeed,
  CounterStore,
  OutboxStore,
  PolicyStore,
  SessionStore,
  SigningKeyStore,
  Store,
  TemplateStore,
  WebhookStore,
} from "../../core/store/index.js";
import { RedisApiKeys } from "./api-keys.js";
import { RedisChangeFeed } from "./changes.js";
import { Connection } from "./connection.js";
import { RedisContext } from "./context.js";
import { RedisCounters } from "./counters.js";
import { RedisKeys } from "./keys.js";
import { RedisOutbox } from "./outbox.js";
import { RedisPolicies } from "./policies.js";
import { RedisSessions } from "./sessions.js";
import { RedisSigningKeys } from "./signing-keys.js";
import { RedisTemplates } from "./templates.js";
import { RedisWebhooks } from "./webhooks.js";

/** There is no schema: the version key only records that this prefix was set up. */
const SCHEMA_VERSION = 1;

export interface RedisStoreOptions {
  /** `redis://host:port[/db]`, `rediss://…` or `redis-cluster://h1:p1,h2:p2,…` */
  url: string;
  /** Namespaces every key, so deployments (and test runs) can share a server (default `sd:`). */
  prefix?: string;
  /** How long terminal sessions stay readable; records expire by themselves this long after their end or deadline. */
  retentionMs: number;
  /** Each command fails with `store_unavailable` after this long (default {@link DEFAULT_STORE_TIMEOUT_MS}). */
  commandTimeoutMs?: number;
}

export class RedisStore extends FlatMethodForwarder implements Store {
  readonly sessions: SessionStore;
  readonly apiKeys: ApiKeyStore;
  readonly signingKeys: SigningKeyStore;
  readonly templates: TemplateStore;
  readonly policies: PolicyStore;
  readonly counters: CounterStore;
  readonly changes: ChangeFeed;
  readonly outbox: OutboxStore;
  readonly webhooks: WebhookStore;
  private readonly ctx: RedisContext;
  private readonly feed: RedisChangeFeed;

  /** Creates the client (loading ioredis on the first store), which connects in the background. */
  constructor(options: RedisStoreOptions) {
    super();
    const timeoutMs = options.commandTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    if (!Number.isSafeInteger(options.retentionMs) || options.retentionMs < 0)
      throw new SessiondError("request_invalid", "the Redis store's retention must be a whole number of milliseconds");
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1)
      throw new SessiondError("request_invalid", "the Redis command timeout must be a positive number of milliseconds");
    const conn = new Connection(options.url, timeoutMs);
    const ctx = new RedisContext(conn, new RedisKeys(options.prefix ?? "sd:"), options.retentionMs);
    this.ctx = ctx;
    this.changes = this.feed = new RedisChangeFeed(() => conn.client, `${options.prefix ?? "sd:"}changes`);
    this.sessions = new RedisSessions(ctx, this.feed);
    this.apiKeys = new RedisApiKeys(ctx);
    this.signingKeys = new RedisSigningKeys(ctx);
    this.templates = new RedisTemplates(ctx);
    this.policies = new RedisPolicies(ctx);
    this.counters = new RedisCounters(ctx);
    this.outbox = new RedisOutbox(ctx);
    this.webhooks = new RedisWebhooks(ctx);
  }

  /** Redis has no schema to migrate; the version key marks the prefix as set up. */
  async migrate(): Promise<{ version: number; applied: number[] }> {
    await this.ctx.conn.run((c) => c.set(this.ctx.keys.schemaVersion(), String(SCHEMA_VERSION), "NX"));
    return { version: SCHEMA_VERSION, applied: [] };
  }

  async ping(): Promise<void> {
    await this.ctx.conn.run((c) => c.ping());
  }

  async close(): Promise<void> {
    await this.feed.stop();
    await this.ctx.conn.close();
  }
}

/** The shared Redis or Redis Cluster store. Connects in the background; calls fail with `store_unavailable` while Redis is away. */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}
