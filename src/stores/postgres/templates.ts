/** The PostgreSQL store's JWT templates. */
import type { JwtTemplateRecord, TemplateStore } from "../../core/store/index.js";
import { templateFromRow } from "../sql/rows.js";
import type { Query } from "./connection.js";

export class PostgresTemplates implements TemplateStore {
  constructor(private readonly query: Query) {}

  async put(t: JwtTemplateRecord): Promise<void> {
    await this.query(
      `INSERT INTO jwt_templates (tenant_id, name, claims, session_fields, lifetime_seconds, created_at, updated_at)
       VALUES (@tenantId, @name, @claims, @sessionFields, @lifetimeSeconds, @createdAt, @updatedAt)
       ON CONFLICT (tenant_id, name) DO UPDATE SET claims = excluded.claims, session_fields = excluded.session_fields,
       lifetime_seconds = excluded.lifetime_seconds, created_at = excluded.created_at, updated_at = excluded.updated_at`,
      { ...t, claims: JSON.stringify(t.claims), sessionFields: JSON.stringify(t.sessionFields) },
    );
  }

  async get(tenantId: string, name: string): Promise<JwtTemplateRecord | null> {
    const [row] = await this.query("SELECT * FROM jwt_templates WHERE tenant_id = @tenantId AND name = @name", { tenantId, name });
    return row === undefined ? null : templateFromRow(row);
  }

  async list(tenantId: string): Promise<JwtTemplateRecord[]> {
    return (await this.query("SELECT * FROM jwt_templates WHERE tenant_id = @tenantId ORDER BY name", { tenantId })).map(templateFromRow);
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    return (await this.query("DELETE FROM jwt_templates WHERE tenant_id = @tenantId AND name = @name RETURNING name", { tenantId, name })).length > 0;
  }
}
