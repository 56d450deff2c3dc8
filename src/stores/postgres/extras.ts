/** What the PostgreSQL store keeps besides sessions: tenant policies, API keys, signing keys, JWT templates. */
import type { TenantPolicy } from "../../core/policy.js";
import type { ApiKeyRecord, JwtTemplateRecord, SigningKeyRecord } from "../../core/store.js";
import { type Row, apiKeyFromRow as apiKey, signingKeyFromRow as signingKey, templateFromRow as template } from "../sql/rows.js";
import type { Query } from "./queries.js";

const first = <T>(rows: Row[], map: (r: Row) => T): T | null => (rows[0] === undefined ? null : map(rows[0]));

export class PostgresExtras {
  constructor(private readonly query: Query) {}

  async getPolicy(tenantId: string): Promise<TenantPolicy | null> {
    return first(await this.query("SELECT policy FROM tenant_policies WHERE tenant_id = @tenantId", { tenantId }), (r) => JSON.parse(r["policy"] as string) as TenantPolicy);
  }

  async putPolicy(tenantId: string, policy: TenantPolicy): Promise<void> {
    await this.query("INSERT INTO tenant_policies (tenant_id, policy) VALUES (@tenantId, @policy) ON CONFLICT (tenant_id) DO UPDATE SET policy = excluded.policy", { tenantId, policy: JSON.stringify(policy) });
  }

  async insertApiKey(k: ApiKeyRecord): Promise<void> {
    await this.query("INSERT INTO api_keys (id, tenant_id, name, secret_hash, created_at, revoked_at) VALUES (@id, @tenantId, @name, @secretHash, @createdAt, @revokedAt)", { ...k });
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    return first(await this.query("SELECT * FROM api_keys WHERE id = @id", { id }), apiKey);
  }

  async listApiKeys(tenantId: string | undefined): Promise<ApiKeyRecord[]> {
    const rows = tenantId === undefined ? await this.query("SELECT * FROM api_keys ORDER BY id", {}) : await this.query("SELECT * FROM api_keys WHERE tenant_id = @tenantId ORDER BY id", { tenantId });
    return rows.map(apiKey);
  }

  async revokeApiKey(id: string, atMs: number): Promise<ApiKeyRecord | null> {
    return first(await this.query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @atMs) WHERE id = @id RETURNING *", { id, atMs }), apiKey);
  }

  async insertSigningKey(k: SigningKeyRecord): Promise<void> {
    await this.query(
      "INSERT INTO signing_keys (kid, algorithm, public_jwk, encrypted_private_key, created_at, retire_at) VALUES (@kid, @algorithm, @publicJwk, @encryptedPrivateKey, @createdAt, @retireAt)",
      { ...k, publicJwk: JSON.stringify(k.publicJwk) },
    );
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return (await this.query("SELECT * FROM signing_keys ORDER BY created_at, kid", {})).map(signingKey);
  }

  async retireSigningKey(kid: string, retireAt: number): Promise<void> {
    await this.query("UPDATE signing_keys SET retire_at = @retireAt WHERE kid = @kid AND retire_at IS NULL", { kid, retireAt });
  }

  async deleteSigningKey(kid: string): Promise<void> {
    await this.query("DELETE FROM signing_keys WHERE kid = @kid", { kid });
  }

  async putTemplate(t: JwtTemplateRecord): Promise<void> {
    await this.query(
      `INSERT INTO jwt_templates (tenant_id, name, claims, session_fields, lifetime_seconds, created_at, updated_at)
       VALUES (@tenantId, @name, @claims, @sessionFields, @lifetimeSeconds, @createdAt, @updatedAt)
       ON CONFLICT (tenant_id, name) DO UPDATE SET claims = excluded.claims, session_fields = excluded.session_fields,
       lifetime_seconds = excluded.lifetime_seconds, created_at = excluded.created_at, updated_at = excluded.updated_at`,
      { ...t, claims: JSON.stringify(t.claims), sessionFields: JSON.stringify(t.sessionFields) },
    );
  }

  async getTemplate(tenantId: string, name: string): Promise<JwtTemplateRecord | null> {
    return first(await this.query("SELECT * FROM jwt_templates WHERE tenant_id = @tenantId AND name = @name", { tenantId, name }), template);
  }

  async listTemplates(tenantId: string): Promise<JwtTemplateRecord[]> {
    return (await this.query("SELECT * FROM jwt_templates WHERE tenant_id = @tenantId ORDER BY name", { tenantId })).map(template);
  }

  async deleteTemplate(tenantId: string, name: string): Promise<boolean> {
    return (await this.query("DELETE FROM jwt_templates WHERE tenant_id = @tenantId AND name = @name RETURNING name", { tenantId, name })).length > 0;
  }
}
