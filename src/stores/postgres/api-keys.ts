/** The PostgreSQL store's API keys. */
import type { ApiKeyRecord, ApiKeyStore } from "../../core/store/index.js";
import { apiKeyFromRow } from "../sql/rows.js";
import type { Query } from "./connection.js";

export class PostgresApiKeys implements ApiKeyStore {
  constructor(private readonly query: Query) {}

  async insert(k: ApiKeyRecord): Promise<void> {
    await this.query(
      "INSERT INTO api_keys (id, tenant_id, name, secret_hash, created_at, revoked_at) VALUES (@id, @tenantId, @name, @secretHash, @createdAt, @revokedAt)",
      { ...k },
    );
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.query("SELECT * FROM api_keys WHERE id = @id", { id });
    return row === undefined ? null : apiKeyFromRow(row);
  }

  async list(tenantId: string | undefined): Promise<ApiKeyRecord[]> {
    const rows =
      tenantId === undefined
        ? await this.query("SELECT * FROM api_keys ORDER BY id", {})
        : await this.query("SELECT * FROM api_keys WHERE tenant_id = @tenantId ORDER BY id", { tenantId });
    return rows.map(apiKeyFromRow);
  }

  async revoke(id: string, atMs: number): Promise<ApiKeyRecord | null> {
    const [row] = await this.query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @atMs) WHERE id = @id RETURNING *", { id, atMs });
    return row === undefined ? null : apiKeyFromRow(row);
  }
}
