/** The tenant-policy role of the store contract (its consumer: the service, src/core/create.ts and transitions.ts). */
import type { TenantPolicy } from "../policy.js";

/** Each tenant's policy overrides (SPEC §3), validated by the core before they are stored. */
export interface PolicyStore {
  /** MUST return the tenant's stored overrides as put, or null for a tenant without any. */
  get(tenantId: string): Promise<TenantPolicy | null>;

  /** MUST replace the tenant's overrides whole. */
  put(tenantId: string, policy: TenantPolicy): Promise<void>;
}
