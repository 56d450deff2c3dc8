/** The Redis store's tenant policies: one HASH of JSON by tenant, under the `{aux}` tag. */
import type { TenantPolicy } from "../../core/policy.js";
import type { PolicyStore } from "../../core/store/index.js";
import type { RedisContext } from "./context.js";

export class RedisPolicies implements PolicyStore {
  constructor(private readonly ctx: RedisContext) {}

  async get(tenantId: string): Promise<TenantPolicy | null> {
    const json = await this.ctx.conn.run((c) => c.hget(this.ctx.keys.policies(), tenantId));
    return json === null ? null : (JSON.parse(json) as TenantPolicy);
  }

  async put(tenantId: string, policy: TenantPolicy): Promise<void> {
    await this.ctx.conn.run((c) => c.hset(this.ctx.keys.policies(), tenantId, JSON.stringify(policy)));
  }
}
