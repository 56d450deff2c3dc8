/** The SQLite store's tenant policies, as JSON text. */
import type { TenantPolicy } from "../../core/policy.js";
import type { PolicyStore } from "../../core/store/index.js";
import type { Row } from "../sql/rows.js";
import type { SqliteConnection } from "./connection.js";

export class SqlitePolicies implements PolicyStore {
  private readonly q;

  constructor(private readonly conn: SqliteConnection) {
    this.q = conn.prepared((db) => ({
      get: db.prepare<[string], Row>("SELECT policy FROM tenant_policies WHERE tenant_id = ?"),
      put: db.prepare("INSERT INTO tenant_policies (tenant_id, policy) VALUES (?, ?) ON CONFLICT (tenant_id) DO UPDATE SET policy = excluded.policy"),
    }));
  }

  get(tenantId: string): Promise<TenantPolicy | null> {
    return this.conn.run(() => {
      const row = this.q().get.get(tenantId);
      return row === undefined ? null : (JSON.parse(row.policy as string) as TenantPolicy);
    });
  }

  put(tenantId: string, policy: TenantPolicy): Promise<void> {
    return this.conn.run(() => void this.q().put.run(tenantId, JSON.stringify(policy)));
  }
}
