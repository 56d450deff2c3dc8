/** The memory store's tenant policies. */
import type { TenantPolicy } from "../../core/policy.js";
import type { PolicyStore } from "../../core/store/index.js";

export class MemoryPolicies implements PolicyStore {
  private readonly policies = new Map<string, TenantPolicy>();

  async get(tenantId: string): Promise<TenantPolicy | null> {
    const p = this.policies.get(tenantId);
    return p === undefined ? null : { ...p };
  }

  async put(tenantId: string, policy: TenantPolicy): Promise<void> {
    this.policies.set(tenantId, { ...policy });
  }
}
