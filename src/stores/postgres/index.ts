/**
 * PostgreSQL: durable, shared by many servers. Each role is a file of this folder; they share
 * one pool (connection.ts). node-postgres loads when the first store opens.
 */
import { DEFAULT_STORE_TIMEOUT_MS } from "../../core/defaults.js";
import { SessiondError } from "../../core/errors.js";
import { FlatMethodForwarder } from "../../core/store/flat-methods.js";
import type {
  ApiKeyStore,
  ChangeFeed,
  CounterStore,
  MigrationStep,
  OutboxStore,
  PolicyStore,
  SessionStore,
  SigningKeyStore,
  Store,
  TemplateStore,
  WebhookStore,
} from "../../core/store/index.js";
import { PostgresApiKeys } from "./api-keys.js";
import { PostgresChangeFeed } from "./changes.js";
import { PostgresConnection, translate } from "./connection.js";
import { PostgresCounters } from "./counters.js";
import { POSTGRES_SCHEMA_VERSION as SCHEMA_VERSION, migrate } from "./migrations.js";
import { PostgresOutbox } from "./outbox.js";
import { PostgresPolicies } from "./policies.js";
import { PostgresSessions } from "./sessions.js";
import { PostgresSigningKeys } from "./signing-keys.js";
import { PostgresTemplates } from "./templates.js";
import { PostgresWebhooks } from "./webhooks.js";

/**
 * The newest schema version this build knows; declared here, not re-exported, so the published
 * types never load the driver's (migrations.ts takes its types).
 */
export const POSTGRES_SCHEMA_VERSION: number = SCHEMA_VERSION;

export interface PostgresOptions {
  /** `postgres://user@host:port/db` */
  url: string;
  /** Schema for sessiond's tables (default `public`); tests use one per run. */
  schema?: string;
  poolSize?: number;
  /** Connecting and each query give up after this long with `store_unavailable` (default {@link DEFAULT_STORE_TIMEOUT_MS}). */
  timeoutMs?: number;
}

export class PostgresStore extends FlatMethodForwarder implements Store {
  readonly sessions: SessionStore;
  readonly apiKeys: ApiKeyStore;
  readonly signingKeys: SigningKeyStore;
  readonly templates: TemplateStore;
  readonly policies: PolicyStore;
  readonly counters: CounterStore;
  readonly changes: ChangeFeed;
  readonly outbox: OutboxStore;
  readonly webhooks: WebhookStore;
  /** Private: its type names the driver's, which the published types must not. */
  private readonly conn: PostgresConnection;
  private readonly feed: PostgresChangeFeed;

  /** Creates the pool (loading node-postgres on the first store); connects on the first query. */
  constructor(options: PostgresOptions) {
    super();
    const schema = options.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new SessiondError("request_invalid", "the PostgreSQL schema name must match ^[a-z_][a-z0-9_]{0,62}$");
    this.conn = new PostgresConnection({
      url: options.url,
      schema,
      poolSize: options.poolSize ?? 10,
      timeoutMs: options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS,
    });
    const query = this.conn.query;
    this.sessions = new PostgresSessions(this.conn);
    this.apiKeys = new PostgresApiKeys(query);
    this.signingKeys = new PostgresSigningKeys(query);
    this.templates = new PostgresTemplates(query);
    this.policies = new PostgresPolicies(query);
    this.counters = new PostgresCounters(query);
    this.changes = this.feed = new PostgresChangeFeed(this.conn);
    this.outbox = new PostgresOutbox(this.conn);
    this.webhooks = new PostgresWebhooks(query);
  }

  async migrate(onStep?: (step: MigrationStep) => void): Promise<{ version: number; applied: number[] }> {
    try {
      return await migrate(this.conn.pool, this.conn.options.schema, onStep);
    } catch (error) {
      throw translate(error);
    }
  }

  async ping(): Promise<void> {
    await this.conn.query("SELECT 1", {});
  }

  close(): Promise<void> {
    return this.conn.close(() => this.feed.close());
  }
}

/** Opens a PostgreSQL store and brings its schema up to date (unless `migrate: false`). */
export async function postgresStore(options: PostgresOptions & { migrate?: boolean }): Promise<PostgresStore> {
  const store = new PostgresStore(options);
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}
