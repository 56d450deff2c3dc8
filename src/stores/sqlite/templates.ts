/** The SQLite store's JWT templates. */
import type { JwtTemplateRecord, TemplateStore } from "../../core/store/index.js";
import { type Row, templateFromRow } from "../sql/rows.js";
import type { SqliteConnection } from "./connection.js";

export class SqliteTemplates implements TemplateStore {
  private readonly q;

  constructor(private readonly conn: SqliteConnection) {
    this.q = conn.prepared((db) => ({
      put: db.prepare(
        `INSERT INTO jwt_templates (tenant_id, name, claims, session_fields, lifetime_seconds, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, name) DO UPDATE SET claims = excluded.claims, session_fields = excluded.session_fields,
         lifetime_seconds = excluded.lifetime_seconds, created_at = excluded.created_at, updated_at = excluded.updated_at`,
      ),
      get: db.prepare<[string, string], Row>("SELECT * FROM jwt_templates WHERE tenant_id = ? AND name = ?"),
      ofTenant: db.prepare<[string], Row>("SELECT * FROM jwt_templates WHERE tenant_id = ? ORDER BY name"),
      delete: db.prepare("DELETE FROM jwt_templates WHERE tenant_id = ? AND name = ?"),
    }));
  }

  put(t: JwtTemplateRecord): Promise<void> {
    return this.conn.run(
      () => void this.q().put.run(t.tenantId, t.name, JSON.stringify(t.claims), JSON.stringify(t.sessionFields), t.lifetimeSeconds, t.createdAt, t.updatedAt),
    );
  }

  get(tenantId: string, name: string): Promise<JwtTemplateRecord | null> {
    return this.conn.run(() => {
      const row = this.q().get.get(tenantId, name);
      return row === undefined ? null : templateFromRow(row);
    });
  }

  list(tenantId: string): Promise<JwtTemplateRecord[]> {
    return this.conn.run(() => this.q().ofTenant.all(tenantId).map(templateFromRow));
  }

  delete(tenantId: string, name: string): Promise<boolean> {
    return this.conn.run(() => this.q().delete.run(tenantId, name).changes > 0);
  }
}
