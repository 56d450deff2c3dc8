/** What the SQLite store keeps besides sessions: tenant policies, API keys, signing keys, JWT templates. */
import type { Database } from "better-sqlite3";
import { SessiondError } from "../../core/errors.js";
import type { TenantPolicy } from "../../core/policy.js";
import type { ApiKeyRecord, JwtTemplateRecord, SigningKeyRecord } from "../../core/store.js";
import { type Row, apiKeyFromRow as apiKey, signingKeyFromRow as signingKey, templateFromRow as template } from "../sql/rows.js";

export class SqliteExtras {
  private readonly q;

  constructor(db: Database) {
    this.q = {
      getPolicy: db.prepare<[string], Row>("SELECT policy FROM tenant_policies WHERE tenant_id = ?"),
      putPolicy: db.prepare("INSERT INTO tenant_policies (tenant_id, policy) VALUES (?, ?) ON CONFLICT (tenant_id) DO UPDATE SET policy = excluded.policy"),
      insertKey: db.prepare("INSERT INTO api_keys (id, tenant_id, name, secret_hash, created_at, revoked_at) VALUES (@id, @tenantId, @name, @secretHash, @createdAt, @revokedAt)"),
      getKey: db.prepare<[string], Row>("SELECT * FROM api_keys WHERE id = ?"),
      allKeys: db.prepare<[], Row>("SELECT * FROM api_keys ORDER BY id"),
      tenantKeys: db.prepare<[string], Row>("SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY id"),
      revokeKey: db.prepare("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?"),
      insertSigningKey: db.prepare("INSERT INTO signing_keys (kid, algorithm, public_jwk, encrypted_private_key, created_at, retire_at) VALUES (?, ?, ?, ?, ?, ?)"),
      signingKeys: db.prepare<[], Row>("SELECT * FROM signing_keys ORDER BY created_at, kid"),
      retireSigningKey: db.prepare("UPDATE signing_keys SET retire_at = ? WHERE kid = ? AND retire_at IS NULL"),
      deleteSigningKey: db.prepare("DELETE FROM signing_keys WHERE kid = ?"),
      putTemplate: db.prepare(
        `INSERT INTO jwt_templates (tenant_id, name, claims, session_fields, lifetime_seconds, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, name) DO UPDATE SET claims = excluded.claims, session_fields = excluded.session_fields,
         lifetime_seconds = excluded.lifetime_seconds, created_at = excluded.created_at, updated_at = excluded.updated_at`,
      ),
      getTemplate: db.prepare<[string, string], Row>("SELECT * FROM jwt_templates WHERE tenant_id = ? AND name = ?"),
      templates: db.prepare<[string], Row>("SELECT * FROM jwt_templates WHERE tenant_id = ? ORDER BY name"),
      deleteTemplate: db.prepare("DELETE FROM jwt_templates WHERE tenant_id = ? AND name = ?"),
    };
  }

  getPolicy(tenantId: string): TenantPolicy | null {
    const row = this.q.getPolicy.get(tenantId);
    return row === undefined ? null : (JSON.parse(row["policy"] as string) as TenantPolicy);
  }

  putPolicy(tenantId: string, policy: TenantPolicy): void {
    this.q.putPolicy.run(tenantId, JSON.stringify(policy));
  }

  insertApiKey(key: ApiKeyRecord): void {
    if (this.q.getKey.get(key.id) !== undefined) throw new SessiondError("conflict", "api key id already exists");
    this.q.insertKey.run(key);
  }

  getApiKey(id: string): ApiKeyRecord | null {
    const row = this.q.getKey.get(id);
    return row === undefined ? null : apiKey(row);
  }

  listApiKeys(tenantId: string | undefined): ApiKeyRecord[] {
    return (tenantId === undefined ? this.q.allKeys.all() : this.q.tenantKeys.all(tenantId)).map(apiKey);
  }

  revokeApiKey(id: string, atMs: number): ApiKeyRecord | null {
    this.q.revokeKey.run(atMs, id);
    return this.getApiKey(id);
  }

  insertSigningKey(k: SigningKeyRecord): void {
    this.q.insertSigningKey.run(k.kid, k.algorithm, JSON.stringify(k.publicJwk), k.encryptedPrivateKey, k.createdAt, k.retireAt);
  }

  listSigningKeys(): SigningKeyRecord[] {
    return this.q.signingKeys.all().map(signingKey);
  }

  retireSigningKey(kid: string, retireAt: number): void {
    this.q.retireSigningKey.run(retireAt, kid);
  }

  deleteSigningKey(kid: string): void {
    this.q.deleteSigningKey.run(kid);
  }

  putTemplate(t: JwtTemplateRecord): void {
    this.q.putTemplate.run(t.tenantId, t.name, JSON.stringify(t.claims), JSON.stringify(t.sessionFields), t.lifetimeSeconds, t.createdAt, t.updatedAt);
  }

  getTemplate(tenantId: string, name: string): JwtTemplateRecord | null {
    const row = this.q.getTemplate.get(tenantId, name);
    return row === undefined ? null : template(row);
  }

  listTemplates(tenantId: string): JwtTemplateRecord[] {
    return this.q.templates.all(tenantId).map(template);
  }

  deleteTemplate(tenantId: string, name: string): boolean {
    return this.q.deleteTemplate.run(tenantId, name).changes > 0;
  }
}
