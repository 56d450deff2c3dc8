/** Versioned schema migrations, applied on open and by `sessiond migrate`. */
import type { Database } from "better-sqlite3";
import { COUNTS_MIGRATION_SQL } from "./counts-schema.js";

interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        workspace_id TEXT,
        user_id TEXT NOT NULL,
        username TEXT,
        client_id TEXT NOT NULL,
        status TEXT NOT NULL,
        end_reason TEXT,
        session_type TEXT,
        aud TEXT,
        scopes TEXT NOT NULL,
        amr TEXT NOT NULL,
        actor TEXT,
        last_active_organization_id TEXT,
        ip TEXT,
        user_agent TEXT,
        location TEXT,
        bound_user_agent TEXT,
        sliding_expiration INTEGER NOT NULL,
        max_age_minutes INTEGER,
        latest_activity TEXT,
        country TEXT,
        browser_name TEXT,
        device_type TEXT,
        os_name TEXT,
        metadata TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_active_at INTEGER NOT NULL,
        last_refreshed_at INTEGER,
        expire_at INTEGER NOT NULL,
        abandon_at INTEGER,
        revoked_at INTEGER,
        ended_at INTEGER,
        is_deleted INTEGER NOT NULL,
        secret_hash BLOB NOT NULL,
        superseded_secrets TEXT NOT NULL,
        version INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        lifetime_ms INTEGER NOT NULL,
        max_lifetime_ms INTEGER NOT NULL,
        inactivity_timeout_ms INTEGER
      );
      CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id, status);
      CREATE INDEX sessions_by_tenant ON sessions (tenant_id, id);
      CREATE INDEX sessions_by_client ON sessions (client_id);
      CREATE INDEX sessions_live_expire ON sessions (expire_at) WHERE status IN ('pending', 'active');
      CREATE INDEX sessions_live_abandon ON sessions (abandon_at) WHERE status IN ('pending', 'active') AND abandon_at IS NOT NULL;
      CREATE INDEX sessions_ended ON sessions (ended_at) WHERE status NOT IN ('pending', 'active');
      CREATE TABLE activities (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX activities_by_session ON activities (session_id, id);
      CREATE TABLE tenant_policies (tenant_id TEXT PRIMARY KEY, policy TEXT NOT NULL);
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant_id TEXT,
        name TEXT,
        secret_hash BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        algorithm TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        encrypted_private_key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        retire_at INTEGER
      );
      CREATE TABLE jwt_templates (
        tenant_id TEXT NOT NULL,
        name TEXT NOT NULL,
        claims TEXT NOT NULL,
        session_fields TEXT NOT NULL,
        lifetime_seconds INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, name)
      );
    `,
  },
  {
    version: 2,
    name: "session change log",
    // Read by other processes' verify caches; the sweep trims it.
    sql: `
      CREATE TABLE session_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL,
        changed_at INTEGER NOT NULL
      );
      CREATE INDEX session_changes_by_time ON session_changes (changed_at);
    `,
  },
  {
    version: 3,
    name: "rate-limit counters",
    sql: `
      CREATE TABLE rate_counters (
        key TEXT NOT NULL,
        window_start INTEGER NOT NULL,
        total INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (key, window_start)
      );
      CREATE INDEX rate_counters_by_expiry ON rate_counters (expires_at);
    `,
  },
  {
    version: 4,
    name: "user index in id order",
    // A user's list (newest first) walked the whole tenant in id order, filtering by user:
    // O(tenant) per page. With the id in the user index it reads that user's rows only.
    sql: `
      DROP INDEX sessions_by_user;
      CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id, id);
    `,
  },
  { version: 5, name: "maintained counts", sql: COUNTS_MIGRATION_SQL },
  {
    version: 6,
    name: "events and webhooks",
    // seq is numbered inside the writer's IMMEDIATE transaction, so its order is commit order
    // (outbox.ts). It is the rowid, numbered one past the largest: never lower than a position
    // handed out, since the purge always keeps the newest event (no AUTOINCREMENT, whose
    // sqlite_sequence row would be one more page written by every create). An index entry ends
    // with the row's seq, so the tenant index reads in seq order. Each index is one more page
    // in every commit's WAL (a create writes 16 without events), so there is no user index: a
    // user filter reads through the tenant index, off the event loop (reader.ts), which costs
    // the rare user-filtered read rather than every change.
    sql: `
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX events_by_tenant ON events (tenant_id);
      CREATE INDEX events_by_time ON events (timestamp);
      CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        tenant_id TEXT,
        version INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (tenant_id, id);
      CREATE TABLE webhook_queue (
        endpoint_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        due_at INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (endpoint_id, event_id)
      ) WITHOUT ROWID;
      CREATE INDEX webhook_queue_due ON webhook_queue (endpoint_id, due_at);
      CREATE TABLE webhook_attempts (
        id TEXT PRIMARY KEY,
        endpoint_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX webhook_attempts_by_endpoint ON webhook_attempts (endpoint_id, id);
      CREATE INDEX webhook_attempts_by_age ON webhook_attempts (endpoint_id, at);
    `,
  },
];

/** The newest schema version this build knows. */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Applies missing migrations, each in its own IMMEDIATE transaction that re-checks
 * the version, so several processes opening one new file at once all succeed.
 */
export function migrate(db: Database, onStep?: (step: { version: number; name: string }) => void): { version: number; applied: number[] } {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  const isApplied = db.prepare<[number], { version: number }>("SELECT version FROM schema_migrations WHERE version = ?");
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (isApplied.get(migration.version) !== undefined) continue;
    const ran = db
      .transaction(() => {
        if (isApplied.get(migration.version) !== undefined) return false;
        onStep?.({ version: migration.version, name: migration.name });
        db.exec(migration.sql);
        record.run(migration.version, migration.name, Date.now());
        return true;
      })
      .immediate();
    if (ran) applied.push(migration.version);
  }
  return { version: SQLITE_SCHEMA_VERSION, applied };
}
