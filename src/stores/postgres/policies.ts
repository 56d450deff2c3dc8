/** The PostgreSQL store's tenant policies, as JSON text. */
import type { TenantPolicy } from "../../core/policy.js";
import type { PolicyStore } from "../../core/store/index.js";
import type { Query } from "./connection.js";

export class PostgresPolicies implements PolicyStore {
  constructor(private readonly query: Query) {}

  async get(tenantId: string): Promise<TenantPolicy | null> {
    const [row] = await this.query("SELECT policy FROM tenant_policies WHERE tenant_id = @tenantId", { tenantId });
    return row === undefined ? null : (JSON.parse(row.policy as string) as TenantPolicy);
  }

  async put(tenantId: string, policy: TenantPolicy): Promise<void> {
    await this.query(
      "INSERT INTO tenant_policies (tenant_id, policy) VALUES (@tenantId, @policy) ON CONFLICT (tenant_id) DO UPDATE SET policy = excluded.policy",
      { tenantId, policy: JSON.stringify(policy) },
    );
  }
}
