/** Versioned schema migrations for PostgreSQL, numbered like the SQLite ones. */
import type { Pool } from "pg";
import { withClient } from "./connection.js";

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
      -- Byte-order ("C") collation keeps ids and user ids sorted exactly as the other stores sort them.
      CREATE TABLE sessions (
        id TEXT COLLATE "C" PRIMARY KEY,
        tenant_id TEXT COLLATE "C" NOT NULL,
        workspace_id TEXT,
        user_id TEXT COLLATE "C" NOT NULL,
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
        sliding_expiration BOOLEAN NOT NULL,
        max_age_minutes INTEGER,
        latest_activity TEXT,
        country TEXT,
        browser_name TEXT,
        device_type TEXT,
        os_name TEXT,
        metadata TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        last_active_at BIGINT NOT NULL,
        last_refreshed_at BIGINT,
        expire_at BIGINT NOT NULL,
        abandon_at BIGINT,
        revoked_at BIGINT,
        ended_at BIGINT,
        is_deleted BOOLEAN NOT NULL,
        secret_hash BYTEA NOT NULL,
        superseded_secrets TEXT NOT NULL,
        version INTEGER NOT NULL,
        started_at BIGINT NOT NULL,
        lifetime_ms BIGINT NOT NULL,
        max_lifetime_ms BIGINT NOT NULL,
        inactivity_timeout_ms BIGINT
      );
      -- A user's sessions, index-only for the per-user list, limit and revoke-all paths.
      CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id, id DESC) INCLUDE (status, expire_at, abandon_at, last_active_at, created_at, is_deleted);
      CREATE INDEX sessions_by_tenant ON sessions (tenant_id, id DESC);
      CREATE INDEX sessions_by_client ON sessions (client_id);
      CREATE INDEX sessions_live_expire ON sessions (expire_at) WHERE status IN ('pending', 'active');
      CREATE INDEX sessions_live_abandon ON sessions (abandon_at) WHERE status IN ('pending', 'active') AND abandon_at IS NOT NULL;
      CREATE INDEX sessions_ended ON sessions (ended_at) WHERE status NOT IN ('pending', 'active');
      CREATE TABLE activities (
        id TEXT COLLATE "C" PRIMARY KEY,
        session_id TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX activities_by_session ON activities (session_id, id DESC);
      CREATE TABLE tenant_policies (tenant_id TEXT PRIMARY KEY, policy TEXT NOT NULL);
      CREATE TABLE api_keys (
        id TEXT COLLATE "C" PRIMARY KEY,
        tenant_id TEXT,
        name TEXT,
        secret_hash BYTEA NOT NULL,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
      );
      CREATE TABLE signing_keys (
        kid TEXT COLLATE "C" PRIMARY KEY,
        algorithm TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        encrypted_private_key TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        retire_at BIGINT
      );
      CREATE TABLE jwt_templates (
        tenant_id TEXT NOT NULL,
        name TEXT COLLATE "C" NOT NULL,
        claims TEXT NOT NULL,
        session_fields TEXT NOT NULL,
        lifetime_seconds INTEGER,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, name)
      );
    `,
  },
  {
    version: 2,
    name: "rate-limit counters",
    sql: `
      CREATE TABLE rate_counters (
        key TEXT NOT NULL,
        window_start BIGINT NOT NULL,
        total BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (key, window_start)
      );
      CREATE INDEX rate_counters_by_expiry ON rate_counters (expires_at);
    `,
  },
  {
    version: 3,
    name: "events and webhooks",
    sql: `
      -- The outbox (outbox.ts). Writers insert events with seq NULL; relay() numbers them, one
      -- relay at a time, so seq is commit order. written orders a relay's batch: one value per
      -- write statement, taken after that statement's row locks, so a later change of the same
      -- session always has a larger one. CACHE 1 (the default) keeps it one order across servers.
      CREATE SEQUENCE event_writes;
      -- A session as an event shows it: the sessions row but its secret digests, stored as a
      -- composite (a tuple, like the row itself: far cheaper to write than JSON) and read back
      -- through the row codec. A migration that adds a sessions column adds it here too
      -- (ALTER TYPE … ADD ATTRIBUTE; older events read it as NULL), and to event-writes.ts.
      CREATE TYPE event_session AS (
        id TEXT,
        tenant_id TEXT,
        workspace_id TEXT,
        user_id TEXT,
        username TEXT,
        client_id TEXT,
        status TEXT,
        end_reason TEXT,
        session_type TEXT,
        aud TEXT,
        scopes TEXT,
        amr TEXT,
        actor TEXT,
        last_active_organization_id TEXT,
        ip TEXT,
        user_agent TEXT,
        location TEXT,
        bound_user_agent TEXT,
        sliding_expiration BOOLEAN,
        max_age_minutes INTEGER,
        latest_activity TEXT,
        country TEXT,
        browser_name TEXT,
        device_type TEXT,
        os_name TEXT,
        metadata TEXT,
        created_at BIGINT,
        updated_at BIGINT,
        last_active_at BIGINT,
        last_refreshed_at BIGINT,
        expire_at BIGINT,
        abandon_at BIGINT,
        revoked_at BIGINT,
        ended_at BIGINT,
        is_deleted BOOLEAN,
        version INTEGER,
        started_at BIGINT,
        lifetime_ms BIGINT,
        max_lifetime_ms BIGINT,
        inactivity_timeout_ms BIGINT
      );
      CREATE TABLE events (
        id TEXT COLLATE "C" PRIMARY KEY,
        seq BIGINT,
        written BIGINT NOT NULL,
        type TEXT NOT NULL,
        tenant_id TEXT COLLATE "C" NOT NULL,
        user_id TEXT COLLATE "C" NOT NULL,
        session_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        initiated_by JSONB NOT NULL,
        signals JSONB,
        record event_session NOT NULL
      );
      -- Partial indexes: an insert touches the primary key and the small unnumbered index only.
      CREATE INDEX events_unnumbered ON events (written, id) WHERE seq IS NULL;
      CREATE UNIQUE INDEX events_by_seq ON events (seq) WHERE seq IS NOT NULL;
      CREATE INDEX events_by_time ON events (at) WHERE seq IS NOT NULL;
      -- The last number relay() gave; a counter, not max(seq), so purging every event never reuses a number.
      CREATE TABLE event_numbers (last BIGINT NOT NULL);
      INSERT INTO event_numbers (last) VALUES (0);
      -- Webhook endpoints: one JSON document each, so the dispatcher's state grows without migrations.
      CREATE TABLE webhook_endpoints (
        id TEXT COLLATE "C" PRIMARY KEY,
        tenant_id TEXT COLLATE "C",
        version INTEGER NOT NULL,
        body JSONB NOT NULL
      );
      -- payload is TEXT, not JSONB: it is signed, so it must come back byte for byte.
      CREATE TABLE webhook_queue (
        endpoint_id TEXT COLLATE "C" NOT NULL,
        event_id TEXT COLLATE "C" NOT NULL,
        due_at BIGINT NOT NULL,
        attempt INTEGER NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (endpoint_id, event_id)
      );
      CREATE INDEX webhook_queue_due ON webhook_queue (endpoint_id, due_at, event_id);
      -- Keyed by endpoint first: the log pages per endpoint by id, and is trimmed per endpoint by time.
      CREATE TABLE webhook_attempts (
        endpoint_id TEXT COLLATE "C" NOT NULL,
        id TEXT COLLATE "C" NOT NULL,
        at BIGINT NOT NULL,
        body JSONB NOT NULL,
        PRIMARY KEY (endpoint_id, id)
      );
      CREATE INDEX webhook_attempts_by_time ON webhook_attempts (endpoint_id, at);
    `,
  },
];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
const MIGRATION_LOCK = 7_420_001; // an advisory lock id: one migrator at a time per database

/** Applies missing migrations under an advisory lock, so several servers starting at once all succeed. */
export async function migrate(
  pool: Pool,
  schema: string,
  onStep?: (step: { version: number; name: string }) => void,
): Promise<{ version: number; applied: number[] }> {
  const applied: number[] = [];
  return withClient(pool, async (client) => {
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
      const done = new Set((await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
      for (const migration of MIGRATIONS) {
        if (done.has(migration.version)) continue;
        onStep?.({ version: migration.version, name: migration.name });
        await client.query(migration.sql);
        await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [migration.version, migration.name, Date.now()]);
        applied.push(migration.version);
      }
      await client.query("COMMIT");
      return { version: POSTGRES_SCHEMA_VERSION, applied };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  });
}
