/**
 * The embedded default store: one SQLite file in WAL mode, shared by the processes that open
 * it. Each role is a file of this folder; they share one connection (connection.ts).
 */
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
import { SqliteApiKeys } from "./api-keys.js";
import { SqliteChangeFeed } from "./changes.js";
import { SqliteConnection } from "./connection.js";
import { SqliteCounters } from "./counters.js";
import { translate } from "./driver.js";
import { SQLITE_SCHEMA_VERSION as SCHEMA_VERSION } from "./migrations.js";
import { SqliteOutbox } from "./outbox.js";
import { SqlitePolicies } from "./policies.js";
import { SqliteSessions } from "./sessions.js";
import { SqliteSigningKeys } from "./signing-keys.js";
import { SqliteTemplates } from "./templates.js";
import { SqliteWebhooks } from "./webhooks.js";

/**
 * The newest schema version this build knows; declared here, not re-exported, so the published
 * types never load the driver's (migrations.ts takes its types).
 */
export const SQLITE_SCHEMA_VERSION: number = SCHEMA_VERSION;

export interface SqliteOptions {
  /** The database file (its folder is created); `":memory:"` works too. */
  path: string;
  /** How long a write waits for another process's lock before `store_unavailable` (default 5000). */
  busyTimeoutMs?: number;
  /** Apply pending migrations on open (default true); `sessiond migrate` opens with false to report each step. */
  migrate?: boolean;
}

export class SqliteStore extends FlatMethodForwarder implements Store {
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
  private readonly conn: SqliteConnection;
  private readonly selectOne;

  /** Opens the file, loading better-sqlite3 on the first store. @throws SessiondError `store_unavailable` */
  constructor(options: SqliteOptions) {
    super();
    try {
      this.conn = new SqliteConnection({ path: options.path, busyTimeoutMs: options.busyTimeoutMs ?? 5000 });
      if (options.migrate !== false) this.conn.migrate();
    } catch (error) {
      throw translate(error);
    }
    const conn = this.conn;
    this.sessions = new SqliteSessions(conn);
    this.apiKeys = new SqliteApiKeys(conn);
    this.signingKeys = new SqliteSigningKeys(conn);
    this.templates = new SqliteTemplates(conn);
    this.policies = new SqlitePolicies(conn);
    this.counters = new SqliteCounters(conn);
    this.changes = new SqliteChangeFeed(conn);
    this.outbox = new SqliteOutbox(conn);
    this.webhooks = new SqliteWebhooks(conn);
    this.selectOne = conn.prepared((db) => db.prepare("SELECT 1"));
  }

  async migrate(onStep?: (step: MigrationStep) => void): Promise<{ version: number; applied: number[] }> {
    if (this.conn.isClosed) throw new SessiondError("store_unavailable", "the store is closed");
    try {
      return this.conn.migrate(onStep);
    } catch (error) {
      throw translate(error);
    }
  }

  ping(): Promise<void> {
    return this.conn.run(() => void this.selectOne().get());
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

/** The embedded SQLite store (`./data/sessiond.db` by default in the server); better-sqlite3 loads on the first call. */
export function sqliteStore(options: SqliteOptions): SqliteStore {
  return new SqliteStore(options);
}
