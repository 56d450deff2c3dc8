/** The SQLite store's API keys. */
import { SessiondError } from "../../core/errors.js";
import type { ApiKeyRecord, ApiKeyStore } from "../../core/store/index.js";
import { type Row, apiKeyFromRow } from "../sql/rows.js";
import type { SqliteConnection } from "./connection.js";

export class SqliteApiKeys implements ApiKeyStore {
  private readonly q;

  constructor(private readonly conn: SqliteConnection) {
    this.q = conn.prepared((db) => ({
      insert: db.prepare(
        "INSERT INTO api_keys (id, tenant_id, name, secret_hash, created_at, revoked_at) VALUES (@id, @tenantId, @name, @secretHash, @createdAt, @revokedAt)",
      ),
      get: db.prepare<[string], Row>("SELECT * FROM api_keys WHERE id = ?"),
      all: db.prepare<[], Row>("SELECT * FROM api_keys ORDER BY id"),
      ofTenant: db.prepare<[string], Row>("SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY id"),
      revoke: db.prepare("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?"),
    }));
  }

  insert(key: ApiKeyRecord): Promise<void> {
    return this.conn.run(() => {
      if (this.q().get.get(key.id) !== undefined) throw new SessiondError("conflict", "api key id already exists");
      this.q().insert.run(key);
    });
  }

  get(id: string): Promise<ApiKeyRecord | null> {
    return this.conn.run(() => this.read(id));
  }

  list(tenantId: string | undefined): Promise<ApiKeyRecord[]> {
    return this.conn.run(() => (tenantId === undefined ? this.q().all.all() : this.q().ofTenant.all(tenantId)).map(apiKeyFromRow));
  }

  revoke(id: string, atMs: number): Promise<ApiKeyRecord | null> {
    return this.conn.run(() => {
      this.q().revoke.run(atMs, id);
      return this.read(id);
    });
  }

  private read(id: string): ApiKeyRecord | null {
    const row = this.q().get.get(id);
    return row === undefined ? null : apiKeyFromRow(row);
  }
}
